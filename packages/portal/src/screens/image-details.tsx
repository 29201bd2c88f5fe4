import { useEffect, useState } from 'preact/hooks';
import { addTags, type Image, reloadImage, removeTags } from '../images.ts';
import { isDetection, type Project, reloadTags, tags } from '../project-state.ts';
import { describeError } from '../session.ts';
import { Dialog, ErrorText } from '../ui/dialog.tsx';
import { RegionEditor } from './region-editor.tsx';

/** One image at full size with its tags: ← → (or Previous/Next) move, keys 1–9 toggle the first nine tags. */
export function ImageDetailsDialog(props: {
  project: Project;
  images: Image[];
  index: number;
  onIndex: (i: number) => void;
  onChanged: (img: Image) => void;
  onClose: () => void;
}) {
  const { project, images, index } = props;
  const image = images[index]!;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const has = new Set((image.tags ?? []).map((t) => t.tagId));
  const multiclass = project.settings.classificationType !== 'Multilabel';
  const detection = isDetection(project);
  const src = image.originalImageUri ?? image.resizedImageUri ?? image.thumbnailUri ?? '';

  const toggle = async (tagId: string) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      if (has.has(tagId)) await removeTags(project.id!, [image.id!], [tagId]);
      else {
        // Multiclass: one tag per image, so choosing another replaces it.
        if (multiclass && has.size > 0) await removeTags(project.id!, [image.id!], [...has] as string[]);
        await addTags(project.id!, [image.id!], [tagId]);
      }
      const fresh = await reloadImage(project.id!, image.id!);
      if (fresh) props.onChanged(fresh);
      await reloadTags();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === 'ArrowRight' && index < images.length - 1) props.onIndex(index + 1);
      else if (e.key === 'ArrowLeft' && index > 0) props.onIndex(index - 1);
      else if (!detection && /^[1-9]$/.test(e.key)) {
        const tag = tags.value[Number(e.key) - 1];
        if (tag?.id) void toggle(tag.id);
      } else return;
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  return (
    <Dialog
      title="Image Detail"
      onClose={props.onClose}
      wide
      footer={
        <>
          <button type="button" disabled={index === 0} onClick={() => props.onIndex(index - 1)}>
            ← Previous
          </button>
          <span class="muted">
            {index + 1} of {images.length}
          </span>
          <button type="button" disabled={index >= images.length - 1} onClick={() => props.onIndex(index + 1)}>
            Next →
          </button>
        </>
      }
    >
      {detection ? (
        <RegionEditor project={project} image={image} src={src} onChanged={props.onChanged} />
      ) : (
        <div class="detail">
          <div class="detail-image">
            <img
              src={src}
              alt={`Tagged ${(image.tags ?? []).map((t) => t.tagName).join(', ') || 'nothing yet'}, ${index + 1} of ${images.length}`}
            />
          </div>
          <div class="detail-side">
            <h3>Tags</h3>
            <p class="muted small">Keys 1–9 toggle the numbered tags; ← → move between images.</p>
            <ul class="tag-toggles">
              {tags.value.map((t, i) => (
                <li key={t.id}>
                  <button
                    type="button"
                    class={has.has(t.id) ? 'tag-toggle on' : 'tag-toggle'}
                    aria-pressed={has.has(t.id)}
                    disabled={busy}
                    onClick={() => void toggle(t.id!)}
                  >
                    {i < 9 ? <kbd>{i + 1}</kbd> : null} {t.name}
                  </button>
                </li>
              ))}
            </ul>
            {tags.value.length === 0 ? <p class="muted small">The project has no tags yet.</p> : null}
            <p class="muted small">
              {image.width}×{image.height}
            </p>
            {error ? <ErrorText text={error} /> : null}
          </div>
        </div>
      )}
    </Dialog>
  );
}
