import type { TrainingModels } from '@cvkit/sdk';
import { useRef, useState } from 'preact/hooks';
import { type Box, sameBox, boxStyle as style } from '../box-geometry.ts';
import { type Image, reloadImage } from '../images.ts';
import { ensureTag, type Project, reloadTags, tags } from '../project-state.ts';
import { trainer } from '../session.ts';
import { ErrorText } from '../ui/dialog.tsx';
import { useAction } from '../ui/use-action.ts';
import { RegionBox } from './region-box.tsx';

type Region = TrainingModels.ImageRegion;
type Drag = { x0: number; y0: number; x1: number; y1: number };

const clamp = (v: number) => Math.min(1, Math.max(0, v));
const boxOf = (d: Drag): Box => ({
  left: Math.min(d.x0, d.x1),
  top: Math.min(d.y0, d.y1),
  width: Math.abs(d.x1 - d.x0),
  height: Math.abs(d.y1 - d.y0),
});

/**
 * Object detection: the image's regions drawn over it; drag on the image to draw a box, give it a tag and "Add
 * region"; drag a region to move it, its corners to resize it (or arrow keys), Delete removes it. "Suggest objects"
 * offers the server's region proposals as starting boxes.
 */
export function RegionEditor(props: { project: Project; image: Image; src: string; onChanged: (img: Image) => void }) {
  const { project, image } = props;
  const layer = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<Drag | null>(null);
  const [pending, setPending] = useState<Box | null>(null);
  const [tagName, setTagName] = useState(tags.value[0]?.name ?? '');
  const [proposals, setProposals] = useState<Box[]>([]);
  const action = useAction();
  const [selected, setSelected] = useState<string | null>(null);
  // Where regions are while they are dragged or nudged, until the server has the new box.
  const [moving, setMoving] = useState<Record<string, Box>>({});
  // A moved region is stored again under a new id; saves run one after another and follow the renames, and the box
  // on screen keeps the key (and the focus) it had first.
  const renamed = useRef(new Map<string, string>());
  const origin = useRef(new Map<string, string>());
  const keyOf = (id: string) => origin.current.get(id) ?? id;
  const saving = useRef<Promise<unknown>>(Promise.resolve());

  const at = (e: PointerEvent) => {
    const r = layer.current!.getBoundingClientRect();
    return { x: clamp((e.clientX - r.left) / r.width), y: clamp((e.clientY - r.top) / r.height) };
  };
  const refresh = async () => {
    const fresh = await reloadImage(project.id!, image.id!);
    if (fresh) props.onChanged(fresh);
    await reloadTags();
  };
  const add = () =>
    action.run(async () => {
      if (!pending || !tagName.trim()) throw new Error('Draw a box and give it a tag.');
      const tag = await ensureTag(project.id!, tagName.trim());
      await trainer().createImageRegions(project.id!, {
        regions: [{ imageId: image.id!, tagId: tag.id!, ...pending }],
      });
      setPending(null);
      await refresh();
    });
  const current = (id: string) => {
    let at = id;
    while (renamed.current.has(at)) at = renamed.current.get(at)!;
    return at;
  };
  const queue = (work: () => Promise<unknown>) => {
    const next = saving.current.then(() => action.run(work));
    saving.current = next;
    return next;
  };
  const remove = (regionId: string) =>
    queue(async () => {
      await trainer().deleteImageRegions(project.id!, { regionIds: [current(regionId)] });
      await refresh();
    });
  // Azure has no region update: the moved box is created first and the old one deleted, so a failure loses nothing.
  const save = (region: Region, box: Box) =>
    queue(async () => {
      const old = current(region.regionId!);
      const answer = await trainer().createImageRegions(project.id!, {
        regions: [{ imageId: image.id!, tagId: region.tagId!, ...box }],
      });
      const made = answer.created?.[0]?.regionId;
      if (!made)
        throw new Error(answer.duplicated?.length ? 'That box is already a region.' : 'Could not move the region.');
      await trainer().deleteImageRegions(project.id!, { regionIds: [old] });
      renamed.current.set(old, made);
      const key = keyOf(old);
      origin.current.set(made, key);
      await refresh();
      // A newer move made while this one was saved stays on screen until it is saved in turn.
      setMoving((m) => {
        if (!m[key] || !sameBox(m[key], box)) return m;
        const { [key]: _, ...rest } = m;
        return rest;
      });
    });
  const suggest = () =>
    action.run(async () => {
      const answer: TrainingModels.ImageRegionProposal = await trainer().getImageRegionProposals(
        project.id!,
        image.id!,
      );
      setProposals(
        (answer.proposals ?? [])
          .filter((p) => p.boundingBox)
          .slice(0, 10)
          .map((p) => ({ ...p.boundingBox! })),
      );
    });

  const regions = image.regions ?? [];
  return (
    <div class="detail">
      <div class="detail-image boxed">
        <div
          class="box-layer drawing"
          ref={layer}
          onPointerDown={(e) => {
            if (e.button !== 0) return;
            const p = at(e);
            layer.current!.setPointerCapture(e.pointerId);
            setDrag({ x0: p.x, y0: p.y, x1: p.x, y1: p.y });
            setPending(null);
          }}
          onPointerMove={(e) => {
            if (!drag) return;
            const p = at(e);
            setDrag({ ...drag, x1: p.x, y1: p.y });
          }}
          onPointerUp={() => {
            if (drag) {
              const b = boxOf(drag);
              if (b.width > 0.01 && b.height > 0.01) setPending(b);
            }
            setDrag(null);
          }}
        >
          <img src={props.src} alt={`${regions.length} region${regions.length === 1 ? '' : 's'}`} draggable={false} />
          {regions.map((r) => (
            <RegionBox
              key={keyOf(r.regionId!)}
              box={moving[keyOf(r.regionId!)] ?? r}
              label={r.tagName ?? ''}
              selected={selected === keyOf(r.regionId!)}
              at={at}
              onSelect={() => setSelected(keyOf(r.regionId!))}
              onChange={(b) => setMoving((m) => ({ ...m, [keyOf(r.regionId!)]: b }))}
              onCommit={(b) => void save(r, b)}
              onDelete={() => void remove(r.regionId!)}
            />
          ))}
          {proposals.map((b, i) => (
            <button
              key={`${b.left},${b.top},${b.width},${b.height}`}
              type="button"
              class="box proposal"
              style={style(b)}
              aria-label={`Use suggested box ${i + 1}`}
              onPointerDown={(e) => e.stopPropagation()}
              onClick={() => setPending(b)}
            />
          ))}
          {drag || pending ? <span class="box pending" style={style(drag ? boxOf(drag) : pending!)} /> : null}
        </div>
      </div>
      <div class="detail-side">
        <h3>Regions</h3>
        <p class="muted small">
          Drag on the image to draw a box, then tag it. Drag a box to move it, its corners to resize it; arrow keys
          nudge the selected box (Shift+arrows resize), Delete removes it.
        </p>
        {pending ? (
          <div class="pending-form">
            <label>
              Tag of the new region
              <input list="region-tags" value={tagName} onInput={(e) => setTagName(e.currentTarget.value)} />
            </label>
            <datalist id="region-tags">
              {tags.value.map((t) => (
                <option key={t.id} value={t.name ?? ''} />
              ))}
            </datalist>
            <div class="row">
              <button type="button" class="primary" disabled={action.busy} onClick={() => void add()}>
                Add region
              </button>
              <button type="button" onClick={() => setPending(null)}>
                Cancel
              </button>
            </div>
          </div>
        ) : null}
        <ul class="region-list">
          {regions.map((r) => (
            <li key={r.regionId}>
              <span>{r.tagName}</span>
              <button
                type="button"
                class="icon-button"
                aria-label={`Delete region ${r.tagName}`}
                disabled={action.busy}
                onClick={() => void remove(r.regionId!)}
              >
                ✕
              </button>
            </li>
          ))}
        </ul>
        <button type="button" disabled={action.busy} onClick={() => void suggest()}>
          Suggest objects
        </button>
        {action.error ? <ErrorText text={action.error} /> : null}
      </div>
    </div>
  );
}
