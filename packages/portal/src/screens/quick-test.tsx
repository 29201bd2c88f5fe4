import type { TrainingModels } from '@cvkit/sdk';
import { useEffect, useState } from 'preact/hooks';
import { iterations, type Project, reloadIterations } from '../project-state.ts';
import { describeError, trainer } from '../session.ts';
import { Dialog, ErrorText } from '../ui/dialog.tsx';
import { IterationSelect } from '../ui/iteration-select.tsx';
import { PredictionView } from '../ui/prediction-table.tsx';

export function QuickTestDialog({ project, onClose }: { project: Project; onClose: () => void }) {
  const completed = iterations.value.filter((i) => i.status === 'Completed');
  const [iterationId, setIterationId] = useState(completed[0]?.id);
  const [url, setUrl] = useState('');
  const [result, setResult] = useState<{ src: string; predictions: TrainingModels.Prediction[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void reloadIterations().then(() =>
      setIterationId((id) => id ?? iterations.value.find((i) => i.status === 'Completed')?.id),
    );
  }, []);
  useEffect(
    () => () => {
      if (result?.src.startsWith('blob:')) URL.revokeObjectURL(result.src);
    },
    [result],
  );

  const run = async (input: File | string) => {
    if (!iterationId) return;
    setBusy(true);
    setError(null);
    try {
      const query = { iterationId };
      const answer =
        typeof input === 'string'
          ? await trainer().quickTestImageUrl(project.id!, { url: input }, query)
          : await trainer().quickTestImage(project.id!, input, query);
      setResult({
        src: typeof input === 'string' ? input : URL.createObjectURL(input),
        predictions: answer.predictions ?? [],
      });
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Quick Test"
      onClose={onClose}
      wide
      onSubmit={() => url.trim() && void run(url.trim())}
      footer={
        <button type="button" onClick={onClose}>
          Close
        </button>
      }
    >
      {completed.length === 0 ? (
        <p>Train the project first: Quick Test uses a trained iteration.</p>
      ) : (
        <>
          <div class="row wrap">
            <label class="grow">
              Image URL
              <input type="url" value={url} placeholder="https://…" onInput={(e) => setUrl(e.currentTarget.value)} />
            </label>
            <button type="submit" disabled={busy || !url.trim()}>
              Test
            </button>
            <span class="muted">or</span>
            <label class="button primary">
              Browse local files
              <input
                type="file"
                accept="image/*"
                class="visually-hidden"
                onChange={(e) => {
                  const file = e.currentTarget.files?.[0];
                  e.currentTarget.value = '';
                  if (file) void run(file);
                }}
              />
            </label>
          </div>
          <IterationSelect iterations={completed} value={iterationId} onChange={setIterationId} />
        </>
      )}
      {busy ? (
        <p role="status">
          <span class="spinner" aria-hidden="true" /> Predicting…
        </p>
      ) : null}
      {error ? <ErrorText text={error} /> : null}
      {result ? <PredictionView src={result.src} predictions={result.predictions} alt="The tested image" /> : null}
    </Dialog>
  );
}
