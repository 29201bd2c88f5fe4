import type { TrainingModels } from '@cvkit/sdk';
import { useEffect, useState } from 'preact/hooks';
import { addTags, type Image, listImages } from '../images.ts';
import { iterations, type Project, reloadIterations, reloadTags } from '../project-state.ts';
import { describeError, trainer } from '../session.ts';
import { Dialog, ErrorText } from '../ui/dialog.tsx';
import { percent } from '../ui/format.ts';
import { IterationSelect } from '../ui/iteration-select.tsx';

type Suggestion = { image: Image; tagId: string; tagName: string; probability: number; accept: boolean };

/** The smart labeler: the latest trained iteration suggests a tag for each untagged image; confirmed ones are saved. */
export function SuggestedTagsDialog({ project, onClose }: { project: Project; onClose: () => void }) {
  const [suggestions, setSuggestions] = useState<Suggestion[] | null>(null);
  const [iterationId, setIterationId] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const completed = iterations.value.filter((i) => i.status === 'Completed');

  useEffect(() => {
    void reloadIterations().then(() => {
      const first = iterations.value.find((i) => i.status === 'Completed');
      if (!first) setError('Train the project once first: the suggestions come from a trained iteration.');
      setIterationId(first?.id);
    });
  }, []);

  const suggest = async () => {
    if (!iterationId) return;
    setBusy(true);
    setError(null);
    try {
      const untagged = await listImages(project.id!, { mode: 'untagged' }, 64);
      const answer: TrainingModels.SuggestedTagAndRegion[] = untagged.length
        ? await trainer().suggestTagsAndRegions(project.id!, { iterationId, imageIds: untagged.map((i) => i.id!) })
        : [];
      setSuggestions(
        answer.flatMap((s) => {
          const image = untagged.find((i) => i.id === s.id);
          const best = [...(s.predictions ?? [])].sort((a, b) => (b.probability ?? 0) - (a.probability ?? 0))[0];
          return image && best?.tagId
            ? [
                {
                  image,
                  tagId: best.tagId,
                  tagName: best.tagName ?? '',
                  probability: best.probability ?? 0,
                  accept: (best.probability ?? 0) >= 0.5,
                },
              ]
            : [];
        }),
      );
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      for (const s of suggestions ?? []) if (s.accept) await addTags(project.id!, [s.image.id!], [s.tagId]);
      await reloadTags();
      onClose();
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };

  const accepted = (suggestions ?? []).filter((s) => s.accept).length;
  return (
    <Dialog
      title="Smart Labeler"
      onClose={onClose}
      busy={busy}
      wide
      footer={
        suggestions ? (
          <>
            <button type="button" onClick={onClose} disabled={busy}>
              Cancel
            </button>
            <button type="button" class="primary" disabled={busy || accepted === 0} onClick={() => void confirm()}>
              Confirm {accepted} tag{accepted === 1 ? '' : 's'}
            </button>
          </>
        ) : (
          <>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="button" class="primary" disabled={busy || !iterationId} onClick={() => void suggest()}>
              {busy ? 'Working…' : 'Get suggested tags'}
            </button>
          </>
        )
      }
    >
      {!suggestions ? (
        <IterationSelect iterations={completed} value={iterationId} onChange={setIterationId} />
      ) : suggestions.length === 0 ? (
        <p>No untagged image to suggest for.</p>
      ) : (
        <ul class="suggestions">
          {suggestions.map((s, i) => (
            <li key={s.image.id}>
              <label class="choice">
                <input
                  type="checkbox"
                  checked={s.accept}
                  onChange={(e) => {
                    const accept = e.currentTarget.checked;
                    setSuggestions((all) => (all ?? []).map((x, j) => (j === i ? { ...x, accept } : x)));
                  }}
                />
                <img src={s.image.thumbnailUri ?? ''} alt="" width={64} height={64} />
                <span>
                  {s.tagName} <span class="muted small">{percent(s.probability)}</span>
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
      {error ? <ErrorText text={error} /> : null}
    </Dialog>
  );
}
