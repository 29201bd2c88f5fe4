import type { TrainingModels } from '@cvkit/sdk';
import { useEffect, useState } from 'preact/hooks';
import {
  type Iteration,
  isDetection,
  iterations,
  type Project,
  reloadIterations,
  tags,
  watchTraining,
} from '../project-state.ts';
import { describeError, trainer } from '../session.ts';
import { ConfirmDialog, Dialog, ErrorText } from '../ui/dialog.tsx';
import { percent, when } from '../ui/format.ts';
import { useAction } from '../ui/use-action.ts';
import { Evaluation } from './evaluation.tsx';
import { ExportDialog } from './export.tsx';
import { PredictionUrlDialog } from './prediction-url.tsx';

type Performance = TrainingModels.IterationPerformance;

export function PerformanceTab({ project }: { project: Project }) {
  const projectId = project.id!;
  const [chosen, setChosen] = useState<string | null>(null);
  useEffect(() => {
    void watchTraining(projectId);
  }, [projectId]);
  const list = iterations.value;
  const iteration = list.find((i) => i.id === chosen) ?? list[0];

  if (list.length === 0)
    return (
      <div class="empty page">
        <p>No iteration yet. Add tagged images, then press Train.</p>
      </div>
    );
  return (
    <div class="workspace">
      <aside class="sidebar" aria-label="Iterations">
        <h2 class="side-title">Iterations</h2>
        <ul class="iteration-list">
          {list.map((it) => (
            <li key={it.id}>
              <button
                type="button"
                class={it.id === iteration?.id ? 'filter iteration active' : 'filter iteration'}
                aria-pressed={it.id === iteration?.id}
                onClick={() => setChosen(it.id!)}
              >
                <span>
                  <strong>{it.name}</strong>
                  <span class="muted small block">{when(it.created)}</span>
                  <span class="muted small block">
                    {it.trainingType === 'Advanced' ? 'Advanced Training' : 'Quick Training'}
                    {it.publishName ? ' · Published' : ''}
                  </span>
                </span>
                <span class={`status status-${(it.status ?? '').toLowerCase()}`}>{it.status}</span>
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <section class="content" aria-label="Iteration performance">
        {iteration ? <IterationView key={iteration.id} project={project} iteration={iteration} /> : null}
      </section>
    </div>
  );
}

function IterationView({ project, iteration }: { project: Project; iteration: Iteration }) {
  const projectId = project.id!;
  const [threshold, setThreshold] = useState(50);
  const [overlap, setOverlap] = useState(30);
  const detection = isDetection(project);
  const [perf, setPerf] = useState<Performance | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<'publish' | 'url' | 'export' | 'delete' | null>(null);
  const action = useAction();
  const { busy, error: actionError } = action;
  const completed = iteration.status === 'Completed';

  useEffect(() => {
    if (!completed) return;
    // The figures come from the server at each threshold: moving the slider never retrains.
    const t = setTimeout(() => {
      trainer()
        .getIterationPerformance(projectId, iteration.id!, {
          threshold: threshold / 100,
          ...(detection ? { overlapThreshold: overlap / 100 } : {}),
        })
        .then((p) => {
          setPerf(p);
          setError(null);
        })
        .catch((e) => setError(describeError(e)));
    }, 120);
    return () => clearTimeout(t);
  }, [iteration.id, completed, threshold, overlap]);

  const act = async (fn: () => Promise<unknown>) => {
    if (await action.run(fn)) setDialog(null);
    await reloadIterations().catch(() => undefined);
  };

  return (
    <>
      <div class="iteration-head">
        <div>
          <h2>{iteration.name}</h2>
          <p class="muted small">
            {iteration.trainedAt ? `Trained ${when(iteration.trainedAt)}` : `Created ${when(iteration.created)}`}
            {iteration.publishName ? ` · Published as “${iteration.publishName}”` : ''}
          </p>
        </div>
        <div class="toolbar-actions">
          {iteration.publishName ? (
            <button
              type="button"
              disabled={busy}
              onClick={() => void act(() => trainer().unpublishIteration(projectId, iteration.id!))}
            >
              Unpublish
            </button>
          ) : (
            <button type="button" class="primary" disabled={!completed || busy} onClick={() => setDialog('publish')}>
              Publish
            </button>
          )}
          <button type="button" disabled={!iteration.publishName} onClick={() => setDialog('url')}>
            Prediction URL
          </button>
          <button
            type="button"
            disabled={!completed || !iteration.exportable}
            onClick={() => setDialog('export')}
            title={iteration.exportable ? undefined : 'Only compact domains can be exported'}
          >
            Export
          </button>
          <button
            type="button"
            class="danger"
            disabled={busy || iteration.status === 'Training'}
            onClick={() => setDialog('delete')}
          >
            Delete
          </button>
        </div>
      </div>
      {actionError && dialog === null ? <ErrorText text={actionError} /> : null}
      {iteration.status === 'Training' || iteration.status === 'Queued' ? (
        <p class="notice" role="status">
          <span class="spinner" aria-hidden="true" /> Training… this page updates when it is done.
        </p>
      ) : null}
      {iteration.status === 'Failed' ? (
        <div class="error-box" role="alert">
          <strong>Training failed.</strong> {iteration.trainingErrorDetails ?? 'The server gave no reason.'}
        </div>
      ) : null}
      {completed ? (
        <>
          <PercentSlider label="Probability Threshold" value={threshold} onChange={setThreshold} />
          {detection ? <PercentSlider label="Overlap Threshold" value={overlap} onChange={setOverlap} /> : null}
          {error ? <ErrorText text={error} /> : null}
          <div class="figures" aria-live="polite">
            <Figure label="Precision" value={perf?.precision} />
            <Figure label="Recall" value={perf?.recall} />
            <Figure label={detection ? 'mAP' : 'AP'} value={perf?.averagePrecision} />
          </div>
          <h3 id="per-tag-title">Performance Per Tag</h3>
          <div class="table-wrap">
            <table aria-labelledby="per-tag-title">
              <thead>
                <tr>
                  <th scope="col">Tag</th>
                  <th scope="col">Precision</th>
                  <th scope="col">Recall</th>
                  <th scope="col">A.P.</th>
                  <th scope="col">Image count</th>
                </tr>
              </thead>
              <tbody>
                {(perf?.perTagPerformance ?? []).map((t) => (
                  <tr key={t.id}>
                    <th scope="row">{t.name}</th>
                    <td>{percent(t.precision)}</td>
                    <td>{percent(t.recall)}</td>
                    <td>{percent(t.averagePrecision)}</td>
                    <td>{tags.value.find((x) => x.id === t.id)?.imageCount ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {/* Per-image results of detectors are regions, not tags: the matrix and the wrong list are for classifiers. */}
          {detection ? null : (
            <Evaluation
              tags={tags.value}
              projectId={projectId}
              iteration={iteration}
              threshold={threshold / 100}
              multiclass={(iteration.classificationType ?? project.settings.classificationType) !== 'Multilabel'}
            />
          )}
        </>
      ) : null}
      {dialog === 'publish' ? (
        <PublishDialog
          iteration={iteration}
          busy={busy}
          error={actionError}
          onClose={() => {
            setDialog(null);
            action.setError(null);
          }}
          onPublish={(publishName, predictionId) =>
            act(() => trainer().publishIteration(projectId, iteration.id!, { publishName, predictionId }))
          }
        />
      ) : null}
      {dialog === 'url' ? (
        <PredictionUrlDialog project={project} iteration={iteration} onClose={() => setDialog(null)} />
      ) : null}
      {dialog === 'export' ? (
        <ExportDialog project={project} iteration={iteration} onClose={() => setDialog(null)} />
      ) : null}
      {dialog === 'delete' ? (
        <ConfirmDialog
          title="Delete iteration"
          message={`Delete ${iteration.name} and its model? Its exports and stored predictions go with it.`}
          confirm="Delete"
          busy={busy}
          error={actionError}
          onConfirm={() => act(() => trainer().deleteIteration(projectId, iteration.id!))}
          onClose={() => {
            setDialog(null);
            action.setError(null);
          }}
        />
      ) : null}
    </>
  );
}

function PercentSlider(props: { label: string; value: number; onChange: (v: number) => void }) {
  return (
    <label class="slider">
      <span>
        {props.label}: <strong>{props.value}%</strong>
      </span>
      <input
        type="range"
        min={0}
        max={100}
        step={1}
        value={props.value}
        onInput={(e) => props.onChange(Number(e.currentTarget.value))}
        aria-valuetext={`${props.value}%`}
      />
    </label>
  );
}

function Figure({ label, value }: { label: string; value: number | null | undefined }) {
  return (
    <div class="figure">
      <span class="figure-value">{percent(value)}</span>
      <span class="figure-label">{label}</span>
    </div>
  );
}

function PublishDialog(props: {
  iteration: Iteration;
  busy: boolean;
  error: string | null;
  onClose: () => void;
  onPublish: (publishName: string, predictionId: string) => void;
}) {
  const [name, setName] = useState(props.iteration.name.replace(/\s+/g, ''));
  const [resource, setResource] = useState('local');
  return (
    <Dialog
      title="Publish Model"
      onClose={props.onClose}
      onSubmit={() => props.onPublish(name.trim(), resource.trim())}
      busy={props.busy}
      footer={
        <>
          <button type="button" onClick={props.onClose} disabled={props.busy}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={props.busy || !name.trim() || !resource.trim()}>
            Publish
          </button>
        </>
      }
    >
      <label>
        Model name
        <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        Prediction resource
        <input required value={resource} onInput={(e) => setResource(e.currentTarget.value)} />
      </label>
      <p class="muted small">
        The model name is the published name in the Prediction URL. On Azure the prediction resource is its ARM id; this
        server takes any name.
      </p>
      {props.error ? <ErrorText text={props.error} /> : null}
    </Dialog>
  );
}
