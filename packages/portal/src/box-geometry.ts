/** Boxes as fractions of the image (Azure's region coordinates): moved and resized without leaving the image. */
export type Box = { left: number; top: number; width: number; height: number };
/** What a pointer holds: the box body, or one of its corners. */
export type Grip = 'move' | 'nw' | 'ne' | 'sw' | 'se';

/** A box smaller than this (1 % of a side) is a slip of the mouse, not a region. */
export const minSide = 0.01;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The box shifted by (dx, dy), stopped at the image's edges with its size kept. */
export function moveBox(b: Box, dx: number, dy: number): Box {
  return {
    left: clamp(b.left + dx, 0, 1 - b.width),
    top: clamp(b.top + dy, 0, 1 - b.height),
    width: b.width,
    height: b.height,
  };
}

/** The box with the held corner dragged by (dx, dy); the opposite corner stays, and the box stays in the image. */
export function resizeBox(b: Box, grip: Exclude<Grip, 'move'>, dx: number, dy: number): Box {
  let x0 = b.left;
  let y0 = b.top;
  let x1 = b.left + b.width;
  let y1 = b.top + b.height;
  if (grip === 'nw' || grip === 'sw') x0 = clamp(x0 + dx, 0, x1 - minSide);
  else x1 = clamp(x1 + dx, x0 + minSide, 1);
  if (grip === 'nw' || grip === 'ne') y0 = clamp(y0 + dy, 0, y1 - minSide);
  else y1 = clamp(y1 + dy, y0 + minSide, 1);
  return { left: x0, top: y0, width: x1 - x0, height: y1 - y0 };
}

export function dragBox(b: Box, grip: Grip, dx: number, dy: number): Box {
  return grip === 'move' ? moveBox(b, dx, dy) : resizeBox(b, grip, dx, dy);
}

export const sameBox = (a: Box, b: Box) =>
  a.left === b.left && a.top === b.top && a.width === b.width && a.height === b.height;

/** CSS placing a box over the image it belongs to. */
export const boxStyle = (b: Box) => ({
  left: `${b.left * 100}%`,
  top: `${b.top * 100}%`,
  width: `${b.width * 100}%`,
  height: `${b.height * 100}%`,
});
