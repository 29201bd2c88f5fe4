import { useEffect, useState } from 'preact/hooks';
import { deleteImages, type Image, type ImageFilter, imageCounts, listImages } from '../images.ts';
import { imagesVersion, type Project, reloadTags, tags } from '../project-state.ts';
import { describeError } from '../session.ts';
import { ConfirmDialog, ErrorText } from '../ui/dialog.tsx';
import { AddImagesDialog } from './add-images.tsx';
import { ImageDetailsDialog } from './image-details.tsx';
import { ImportDatasetDialog } from './import-dataset.tsx';
import { SuggestedTagsDialog } from './suggested-tags.tsx';
import { TagImagesDialog } from './tag-images.tsx';

const step = 256;

export function TrainingImagesTab({ project }: { project: Project }) {
  const projectId = project.id!;
  const [filter, setFilter] = useState<ImageFilter>({ mode: 'all' });
  const [images, setImages] = useState<Image[] | null>(null);
  const [counts, setCounts] = useState({ tagged: 0, untagged: 0 });
  const [limit, setLimit] = useState(step);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<'add' | 'import' | 'tag' | 'delete' | 'suggest' | null>(null);
  const [details, setDetails] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);

  const reload = async () => {
    try {
      const [list, c] = await Promise.all([listImages(projectId, filter, limit), imageCounts(projectId), reloadTags()]);
      setImages(list);
      setCounts(c);
      setSelected((s) => new Set([...s].filter((id) => list.some((i) => i.id === id))));
      setError(null);
    } catch (e) {
      setError(describeError(e));
    }
  };
  useEffect(() => {
    void reload();
  }, [projectId, filter.mode, filter.tagId, limit, imagesVersion.value]);

  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const list = images ?? [];
  const total = filter.tagId
    ? (tags.value.find((t) => t.id === filter.tagId)?.imageCount ?? 0)
    : filter.mode === 'tagged'
      ? counts.tagged
      : filter.mode === 'untagged'
        ? counts.untagged
        : counts.tagged + counts.untagged;

  const removeSelected = async () => {
    setBusy(true);
    try {
      await deleteImages(projectId, [...selected]);
      setSelected(new Set());
      setDialog(null);
      await reload();
    } catch (e) {
      setError(describeError(e));
      setDialog(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="workspace">
      <aside class="sidebar" aria-label="Filters">
        <button type="button" class="primary wide-button" onClick={() => setDialog('add')}>
          <span aria-hidden="true">+ </span>Add images
        </button>
        <h2 class="side-title">Images</h2>
        <fieldset class="filter-group" aria-label="Tagging status">
          {(
            [
              ['all', 'All', counts.tagged + counts.untagged],
              ['tagged', 'Tagged', counts.tagged],
              ['untagged', 'Untagged', counts.untagged],
            ] as const
          ).map(([mode, label, n]) => (
            <button
              key={mode}
              type="button"
              class={filter.mode === mode && !filter.tagId ? 'filter active' : 'filter'}
              aria-pressed={filter.mode === mode && !filter.tagId}
              onClick={() => setFilter({ mode })}
            >
              <span>{label}</span>
              <span class="count">{n}</span>
            </button>
          ))}
        </fieldset>
        <h2 class="side-title">Tags</h2>
        {tags.value.length === 0 ? <p class="muted small">No tags yet: add images and give them a tag.</p> : null}
        <ul class="tag-list" aria-label="Tags">
          {tags.value.map((t) => (
            <li key={t.id}>
              <button
                type="button"
                class={filter.tagId === t.id ? 'filter active' : 'filter'}
                aria-pressed={filter.tagId === t.id}
                onClick={() => setFilter(filter.tagId === t.id ? { mode: 'all' } : { mode: 'tagged', tagId: t.id })}
              >
                <span>
                  {t.name}
                  {t.type === 'Negative' ? <span class="muted small"> (Negative)</span> : null}
                </span>
                <span class="count">{t.imageCount ?? 0}</span>
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <section class="content" aria-label="Training images">
        <div class="toolbar">
          <span class="muted" aria-live="polite">
            {selected.size > 0 ? `${selected.size} selected` : `${total} image${total === 1 ? '' : 's'}`}
          </span>
          <div class="toolbar-actions">
            {counts.untagged > 0 ? (
              <button type="button" onClick={() => setDialog('suggest')}>
                Get suggested tags
              </button>
            ) : null}
            <button
              type="button"
              onClick={() => setSelected(selected.size === list.length ? new Set() : new Set(list.map((i) => i.id!)))}
              disabled={list.length === 0}
            >
              {selected.size === list.length && list.length > 0 ? 'Clear selection' : 'Select all'}
            </button>
            <button type="button" disabled={selected.size === 0} onClick={() => setDialog('tag')}>
              Tag images
            </button>
            <button type="button" class="danger" disabled={selected.size === 0} onClick={() => setDialog('delete')}>
              Delete
            </button>
          </div>
        </div>
        {error ? <ErrorText text={error} /> : null}
        {images === null && !error ? <p class="muted">Loading images…</p> : null}
        {images && images.length === 0 ? (
          <div class="empty">
            <p>
              {total === 0 && filter.mode === 'all'
                ? 'This project has no images yet.'
                : 'No image matches this filter.'}
            </p>
            {filter.mode === 'all' ? (
              <button type="button" class="primary" onClick={() => setDialog('add')}>
                Add images
              </button>
            ) : null}
          </div>
        ) : null}
        <ul class="image-grid">
          {list.map((img, i) => (
            <li key={img.id} class={selected.has(img.id!) ? 'thumb selected' : 'thumb'}>
              <button
                type="button"
                class="thumb-open"
                onClick={() => setDetails(i)}
                aria-label={`Image ${i + 1}: ${(img.tags ?? []).map((t) => t.tagName).join(', ') || 'untagged'}`}
              >
                <img src={img.thumbnailUri ?? ''} alt="" loading="lazy" width={150} height={150} />
              </button>
              <input
                type="checkbox"
                class="thumb-check"
                checked={selected.has(img.id!)}
                onChange={() => toggle(img.id!)}
                aria-label={`Select image ${i + 1}`}
              />
              {(img.tags ?? []).length > 0 ? (
                <span class="thumb-tags">{(img.tags ?? []).map((t) => t.tagName).join(', ')}</span>
              ) : null}
            </li>
          ))}
        </ul>
        {list.length > 0 && list.length < total ? (
          <button type="button" onClick={() => setLimit(limit + step)}>
            Load more
          </button>
        ) : null}
      </section>
      {dialog === 'add' ? (
        <AddImagesDialog
          project={project}
          onClose={() => {
            setDialog(null);
            void reload();
          }}
          onImportDataset={() => setDialog('import')}
        />
      ) : null}
      {dialog === 'import' ? (
        <ImportDatasetDialog
          project={project}
          onClose={() => {
            setDialog(null);
            void reload();
          }}
        />
      ) : null}
      {dialog === 'tag' ? (
        <TagImagesDialog
          project={project}
          images={list.filter((i) => selected.has(i.id!))}
          onClose={(changed) => {
            setDialog(null);
            if (changed) void reload();
          }}
        />
      ) : null}
      {dialog === 'suggest' ? (
        <SuggestedTagsDialog
          project={project}
          onClose={() => {
            setDialog(null);
            void reload();
          }}
        />
      ) : null}
      {dialog === 'delete' ? (
        <ConfirmDialog
          title="Delete images"
          message={`Delete ${selected.size} image${selected.size === 1 ? '' : 's'} from the project? This cannot be undone.`}
          confirm="Delete"
          busy={busy}
          onConfirm={removeSelected}
          onClose={() => setDialog(null)}
        />
      ) : null}
      {details !== null && list[details] ? (
        <ImageDetailsDialog
          project={project}
          images={list}
          index={details}
          onIndex={setDetails}
          onChanged={(img) => setImages((all) => (all ?? []).map((i) => (i.id === img.id ? img : i)))}
          onClose={() => {
            setDetails(null);
            void reload();
          }}
        />
      ) : null}
    </div>
  );
}
