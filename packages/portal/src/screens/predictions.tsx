import type { TrainingModels } from '@cvkit/sdk';
import { useEffect, useState } from 'preact/hooks';
import { describeStatus } from '../files.ts';
import { ensureTag, imagesVersion, iterations, type Project, reloadTags } from '../project-state.ts';
import { describeError, trainer } from '../session.ts';
import { Dialog, ErrorText } from '../ui/dialog.tsx';
import { percent, when } from '../ui/format.ts';
import { PredictionView } from '../ui/prediction-table.tsx';
import { isNegativeName, TagPicker } from '../ui/tag-picker.tsx';
import { useAction } from '../ui/use-action.ts';

type Stored = TrainingModels.StoredImagePrediction;

const top = (p: Stored) => [...(p.predictions ?? [])].sort((a, b) => (b.probability ?? 0) - (a.probability ?? 0));

export function PredictionsTab({ project }: { project: Project }) {
  const projectId = project.id!;
  const [iterationId, setIterationId] = useState('');
  const [rows, setRows] = useState<Stored[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<Stored | null>(null);

  const reload = async () => {
    try {
      const answer = await trainer().queryPredictions(projectId, {
        orderBy: 'Newest',
        maxCount: 128,
        ...(iterationId ? { iterationId } : {}),
      });
      setRows(answer.results ?? []);
      setError(null);
    } catch (e) {
      setError(describeError(e));
    }
  };
  useEffect(() => {
    void reload();
  }, [projectId, iterationId]);

  return (
    <div class="workspace">
      <aside class="sidebar" aria-label="Filters">
        <label>
          Iteration
          <select value={iterationId} onChange={(e) => setIterationId(e.currentTarget.value)}>
            <option value="">All iterations</option>
            {iterations.value.map((i) => (
              <option key={i.id} value={i.id}>
                {i.name}
              </option>
            ))}
          </select>
        </label>
        <p class="muted small">
          Images sent to the Prediction API, newest first. Open one, give it its tags, and “Save and close” adds it to
          the training images.
        </p>
      </aside>
      <section class="content" aria-label="Predictions">
        {error ? <ErrorText text={error} /> : null}
        {rows && rows.length === 0 ? (
          <p class="empty">No prediction yet: publish an iteration and send it images.</p>
        ) : null}
        <ul class="image-grid">
          {(rows ?? []).map((p) => {
            const best = top(p)[0];
            return (
              <li key={p.id} class="thumb">
                <button
                  type="button"
                  class="thumb-open"
                  onClick={() => setOpen(p)}
                  aria-label={`Prediction ${best?.tagName ?? ''} ${percent(best?.probability)}, ${when(p.created)}`}
                >
                  <img src={p.thumbnailUri ?? ''} alt="" loading="lazy" width={150} height={150} />
                </button>
                <span class="thumb-tags">
                  {top(p)
                    .slice(0, 2)
                    .map((t) => `${t.tagName} ${percent(t.probability)}`)
                    .join(' · ')}
                </span>
              </li>
            );
          })}
        </ul>
      </section>
      {open ? (
        <PredictionDialog
          project={project}
          prediction={open}
          onClose={(saved) => {
            setOpen(null);
            if (saved) void reload();
          }}
        />
      ) : null}
    </div>
  );
}

function PredictionDialog({
  project,
  prediction,
  onClose,
}: {
  project: Project;
  prediction: Stored;
  onClose: (saved: boolean) => void;
}) {
  const multiclass = project.settings.classificationType !== 'Multilabel';
  const best = top(prediction)[0];
  const [names, setNames] = useState<string[]>(best?.tagName && (best.probability ?? 0) >= 0.5 ? [best.tagName] : []);
  const { busy, error, setError, run } = useAction();

  const save = async () => {
    if (names.length === 0) return setError('Give the image at least one tag.');
    await run(async () => {
      const tagIds = [];
      for (const n of names) tagIds.push((await ensureTag(project.id!, n, isNegativeName(n))).id!);
      const result = await trainer().createImagesFromPredictions(project.id!, {
        images: [{ id: prediction.id!, tagIds }],
      });
      const entry = result.images?.[0];
      if (entry && entry.status !== 'OK' && entry.status !== 'OKDuplicate')
        throw new Error(`The image was not added: ${describeStatus(entry.status)}.`);
      // In the training set now; Custom Vision then drops it from the predictions list.
      await trainer()
        .deletePrediction(project.id!, { ids: [prediction.id!] })
        .catch(() => undefined);
      await reloadTags();
      imagesVersion.value++;
      onClose(true);
    });
  };

  return (
    <Dialog
      title="Image Detail"
      onClose={() => onClose(false)}
      onSubmit={save}
      busy={busy}
      wide
      footer={
        <>
          <button type="button" onClick={() => onClose(false)} disabled={busy}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            Save and close
          </button>
        </>
      }
    >
      <PredictionView
        src={prediction.originalImageUri ?? prediction.resizedImageUri ?? prediction.thumbnailUri ?? ''}
        predictions={prediction.predictions ?? []}
        alt="The predicted image"
      />
      <TagPicker value={names} onChange={setNames} single={multiclass} />
      {error ? <ErrorText text={error} /> : null}
    </Dialog>
  );
}
