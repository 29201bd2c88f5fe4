import { useState } from 'preact/hooks';
import { addTags, type Image, removeTags } from '../images.ts';
import { ensureTag, type Project, reloadTags, tags } from '../project-state.ts';
import { Dialog, ErrorText } from '../ui/dialog.tsx';
import { isNegativeName, TagPicker } from '../ui/tag-picker.tsx';
import { useAction } from '../ui/use-action.ts';

/**
 * Tags or untags the selected images: a tag that every selected image has starts checked, one that some have is
 * left as it is unless changed; new tags are created on save.
 */
export function TagImagesDialog(props: { project: Project; images: Image[]; onClose: (changed: boolean) => void }) {
  const { project, images } = props;
  const countOf = (tagId: string) => images.filter((i) => (i.tags ?? []).some((t) => t.tagId === tagId)).length;
  const [state, setState] = useState<Record<string, 'all' | 'some' | 'none'>>(() =>
    Object.fromEntries(
      tags.value.map((t) => {
        const n = countOf(t.id!);
        return [t.id!, n === images.length ? 'all' : n > 0 ? 'some' : 'none'];
      }),
    ),
  );
  const [extra, setExtra] = useState<string[]>([]);
  const { busy, error, run } = useAction();

  const save = async () => {
    await run(async () => {
      const ids = images.map((i) => i.id!);
      const adding = Object.entries(state)
        .filter(([, s]) => s === 'all')
        .map(([id]) => id);
      for (const name of extra) adding.push((await ensureTag(project.id!, name, isNegativeName(name))).id!);
      const removing = Object.entries(state)
        .filter(([, s]) => s === 'none')
        .map(([id]) => id)
        .filter((id) => countOf(id) > 0);
      await removeTags(project.id!, ids, removing);
      await addTags(project.id!, ids, adding);
      await reloadTags();
      props.onClose(true);
    });
  };

  return (
    <Dialog
      title={`Tag ${images.length} image${images.length === 1 ? '' : 's'}`}
      onClose={() => props.onClose(false)}
      onSubmit={save}
      busy={busy}
      footer={
        <>
          <button type="button" onClick={() => props.onClose(false)} disabled={busy}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            Save
          </button>
        </>
      }
    >
      <fieldset>
        <legend>Tags</legend>
        {tags.value.map((t) => (
          <label class="choice" key={t.id}>
            <input
              type="checkbox"
              checked={state[t.id!] === 'all'}
              ref={(el) => {
                if (el) el.indeterminate = state[t.id!] === 'some';
              }}
              onChange={(e) => {
                const checked = e.currentTarget.checked;
                setState((s) => ({ ...s, [t.id!]: checked ? 'all' : 'none' }));
              }}
            />
            <span>
              {t.name}{' '}
              <span class="muted small">
                ({countOf(t.id!)} of {images.length})
              </span>
            </span>
          </label>
        ))}
      </fieldset>
      <TagPicker label="New tags" value={extra} onChange={setExtra} />
      {error ? <ErrorText text={error} /> : null}
    </Dialog>
  );
}
