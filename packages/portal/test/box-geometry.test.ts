/** Moving and resizing a region keeps it inside the image and never turns it inside out. */
import { describe, expect, it } from 'vitest';
import { dragBox, minSide, moveBox, resizeBox } from '../src/box-geometry.ts';

const box = { left: 0.2, top: 0.3, width: 0.4, height: 0.2 };
const close = (b: { left: number; top: number; width: number; height: number }, want: typeof b) => {
  for (const k of ['left', 'top', 'width', 'height'] as const) expect(b[k]).toBeCloseTo(want[k], 9);
};

describe('box geometry', () => {
  it('moves a box and stops it at the edges with its size kept', () => {
    close(moveBox(box, 0.1, -0.1), { left: 0.3, top: 0.2, width: 0.4, height: 0.2 });
    close(moveBox(box, 0.9, 0.9), { left: 0.6, top: 0.8, width: 0.4, height: 0.2 });
    close(moveBox(box, -0.9, -0.9), { left: 0, top: 0, width: 0.4, height: 0.2 });
  });

  it('resizes from each corner with the opposite corner fixed', () => {
    close(resizeBox(box, 'se', 0.1, 0.1), { left: 0.2, top: 0.3, width: 0.5, height: 0.3 });
    close(resizeBox(box, 'nw', -0.1, -0.1), { left: 0.1, top: 0.2, width: 0.5, height: 0.3 });
    close(resizeBox(box, 'ne', 0.1, 0.1), { left: 0.2, top: 0.4, width: 0.5, height: 0.1 });
    close(resizeBox(box, 'sw', 0.1, -0.1), { left: 0.3, top: 0.3, width: 0.3, height: 0.1 });
  });

  it('clamps a resize to the image and to the smallest box', () => {
    close(resizeBox(box, 'se', 5, 5), { left: 0.2, top: 0.3, width: 0.8, height: 0.7 });
    close(resizeBox(box, 'nw', -5, -5), { left: 0, top: 0, width: 0.6, height: 0.5 });
    const tiny = resizeBox(box, 'se', -5, -5);
    expect(tiny.width).toBeCloseTo(minSide, 9);
    expect(tiny.height).toBeCloseTo(minSide, 9);
    expect(tiny.left).toBe(0.2);
  });

  it('dispatches on the grip', () => {
    close(dragBox(box, 'move', 0.1, 0), moveBox(box, 0.1, 0));
    close(dragBox(box, 'sw', 0.1, 0), resizeBox(box, 'sw', 0.1, 0));
  });
});
