import { useRef } from 'preact/hooks';
import { type Box, boxStyle, dragBox, type Grip, moveBox, resizeBox, sameBox } from '../box-geometry.ts';

const corners = ['nw', 'ne', 'sw', 'se'] as const;
/** One arrow press moves a box by half a percent of the image; with Shift it grows or shrinks the box instead. */
const step = 0.005;
const arrows: Record<string, [number, number]> = {
  ArrowLeft: [-step, 0],
  ArrowRight: [step, 0],
  ArrowUp: [0, -step],
  ArrowDown: [0, step],
};

/**
 * A stored region over its image: drag its body to move it, a corner to resize it; focused, the arrow keys nudge it
 * (Shift+arrows resize), Delete removes it. `onChange` follows the pointer or key; `onCommit` says where it ended.
 */
export function RegionBox(props: {
  box: Box;
  label: string;
  selected: boolean;
  /** Turns a pointer event into a point on the image, in fractions. */
  at: (e: PointerEvent) => { x: number; y: number };
  onSelect: () => void;
  onChange: (b: Box) => void;
  onCommit: (b: Box) => void;
  onDelete: () => void;
}) {
  const hold = useRef<{ grip: Grip; x: number; y: number; from: Box; to: Box } | null>(null);
  const moved = useRef<Box | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const grab = (grip: Grip) => (e: PointerEvent) => {
    if (e.button !== 0) return;
    e.stopPropagation();
    e.preventDefault();
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    props.onSelect();
    const p = props.at(e);
    hold.current = { grip, x: p.x, y: p.y, from: props.box, to: props.box };
    (e.currentTarget as HTMLElement).closest<HTMLElement>('.region')?.focus();
  };
  const follow = (e: PointerEvent) => {
    const h = hold.current;
    if (!h) return;
    const p = props.at(e);
    h.to = dragBox(h.from, h.grip, p.x - h.x, p.y - h.y);
    props.onChange(h.to);
  };
  const release = (e: PointerEvent) => {
    const h = hold.current;
    if (!h) return;
    e.stopPropagation();
    hold.current = null;
    if (!sameBox(h.from, h.to)) props.onCommit(h.to);
  };
  const handlers = { onPointerMove: follow, onPointerUp: release, onPointerCancel: release };

  return (
    // biome-ignore lint/a11y/useSemanticElements: a button cannot hold the corner handles it needs
    <div
      class={props.selected ? 'box region selected' : 'box region'}
      style={boxStyle(props.box)}
      role="button"
      tabIndex={0}
      aria-label={`Region ${props.label}`}
      aria-pressed={props.selected}
      aria-keyshortcuts="ArrowLeft ArrowRight ArrowUp ArrowDown Shift+ArrowLeft Shift+ArrowRight Shift+ArrowUp Shift+ArrowDown Delete"
      onFocus={props.onSelect}
      onPointerDown={grab('move')}
      {...handlers}
      onKeyDown={(e) => {
        const d = arrows[e.key];
        clearTimeout(timer.current);
        if (d) {
          const b = e.shiftKey ? resizeBox(props.box, 'se', d[0], d[1]) : moveBox(props.box, d[0], d[1]);
          moved.current = b;
          props.onChange(b);
        } else if (e.key === 'Delete' || e.key === 'Backspace') props.onDelete();
        else return;
        // The image dialog's own ← → would otherwise change image under the box being moved.
        e.stopPropagation();
        e.preventDefault();
      }}
      onKeyUp={(e) => {
        if (!arrows[e.key] || !moved.current) return;
        e.stopPropagation();
        // Saved once the keys rest, not once per press.
        timer.current = setTimeout(() => {
          const b = moved.current;
          moved.current = null;
          if (b) props.onCommit(b);
        }, 400);
      }}
    >
      <span class="box-label">{props.label}</span>
      {props.selected
        ? corners.map((c) => <span key={c} class={`handle ${c}`} aria-hidden="true" onPointerDown={grab(c)} />)
        : null}
    </div>
  );
}
