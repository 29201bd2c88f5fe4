import { useEffect, useState } from 'preact/hooks';
import { domainOf, openProject, project, projectError } from '../project-state.ts';
import { navigate, type Tab } from '../router.ts';
import { ErrorText } from '../ui/dialog.tsx';
import { DownloadDatasetDialog } from './download-dataset.tsx';
import { PerformanceTab } from './performance.tsx';
import { PredictionsTab } from './predictions.tsx';
import { QuickTestDialog } from './quick-test.tsx';
import { SettingsDialog } from './settings.tsx';
import { TrainDialog } from './train.tsx';
import { TrainingImagesTab } from './training-images.tsx';

const tabNames: Record<Tab, string> = {
  training: 'Training Images',
  performance: 'Performance',
  predictions: 'Predictions',
};

export function ProjectScreen({ projectId, tab }: { projectId: string; tab: Tab }) {
  const [dialog, setDialog] = useState<'train' | 'quick-test' | 'settings' | 'dataset' | null>(null);
  useEffect(() => {
    void openProject(projectId);
  }, [projectId]);
  const p = project.value;

  if (projectError.value && !p)
    return (
      <section class="page">
        <p>
          <a href="#/">← Projects</a>
        </p>
        <ErrorText text={projectError.value} />
      </section>
    );
  if (!p || p.id !== projectId) return <p class="page muted">Loading project…</p>;

  return (
    <section class="project" aria-labelledby="project-title">
      <div class="project-head">
        <div class="project-title">
          <a href="#/" class="back" aria-label="All projects">
            ←
          </a>
          <h1 id="project-title">{p.name}</h1>
          <span class="muted small project-domain">{domainOf(p)?.name}</span>
        </div>
        <nav class="tabs" aria-label="Project">
          {(Object.keys(tabNames) as Tab[]).map((t) => (
            <a
              key={t}
              href={`#/projects/${projectId}/${t}`}
              class={t === tab ? 'tab active' : 'tab'}
              aria-current={t === tab ? 'page' : undefined}
            >
              {tabNames[t]}
            </a>
          ))}
        </nav>
        <div class="project-actions">
          <button type="button" class="primary" onClick={() => setDialog('train')}>
            <span aria-hidden="true">⚙︎ </span>Train
          </button>
          <button type="button" onClick={() => setDialog('quick-test')}>
            Quick Test
          </button>
          <button type="button" onClick={() => setDialog('dataset')}>
            Download dataset
          </button>
          <button
            type="button"
            class="icon-button gear"
            aria-label="Settings"
            title="Settings"
            onClick={() => setDialog('settings')}
          >
            ⚙
          </button>
        </div>
      </div>
      {tab === 'training' ? <TrainingImagesTab project={p} /> : null}
      {tab === 'performance' ? <PerformanceTab project={p} /> : null}
      {tab === 'predictions' ? <PredictionsTab project={p} /> : null}
      {dialog === 'train' ? (
        <TrainDialog
          project={p}
          onClose={() => setDialog(null)}
          onStarted={() => {
            setDialog(null);
            navigate({ screen: 'project', projectId, tab: 'performance' });
          }}
        />
      ) : null}
      {dialog === 'quick-test' ? <QuickTestDialog project={p} onClose={() => setDialog(null)} /> : null}
      {dialog === 'dataset' ? <DownloadDatasetDialog project={p} onClose={() => setDialog(null)} /> : null}
      {dialog === 'settings' ? <SettingsDialog project={p} onClose={() => setDialog(null)} /> : null}
    </section>
  );
}
