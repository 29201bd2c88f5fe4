import { useEffect, useState } from 'preact/hooks';
import { type Domain, domains, loadDomains, type Project } from '../project-state.ts';
import { navigate } from '../router.ts';
import { describeError, trainer } from '../session.ts';
import { ConfirmDialog, ErrorText } from '../ui/dialog.tsx';
import { PictureIcon, TrashIcon } from '../ui/icons.tsx';
import { useAction } from '../ui/use-action.ts';
import { NewProjectDialog } from './new-project.tsx';

export function ProjectsScreen() {
  const [projects, setProjects] = useState<Project[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Project | null>(null);
  const deletion = useAction();

  const reload = async () => {
    try {
      const [list] = await Promise.all([trainer().getProjects(), loadDomains()]);
      setProjects(list.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '')));
    } catch (e) {
      setError(describeError(e));
    }
  };
  useEffect(() => {
    void reload();
  }, []);

  const q = search.trim().toLowerCase();
  const shown = (projects ?? []).filter(
    (p) => !q || p.name.toLowerCase().includes(q) || (p.description ?? '').toLowerCase().includes(q),
  );

  const remove = async () => {
    const id = deleting?.id;
    if (!id) return;
    if (await deletion.run(() => trainer().deleteProject(id))) {
      setDeleting(null);
      await reload();
    }
  };

  return (
    <section class="page" aria-labelledby="projects-title">
      <div class="page-head">
        <h1 id="projects-title">Projects</h1>
        <label class="search">
          <span class="visually-hidden">Search projects</span>
          <input
            type="search"
            placeholder="Search projects"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </label>
      </div>
      {error ? <ErrorText text={error} /> : null}
      <ul class="project-grid">
        <li>
          <button type="button" class="card new-project" onClick={() => setCreating(true)}>
            <span class="plus" aria-hidden="true">
              +
            </span>
            New Project
          </button>
        </li>
        {shown.map((p) => (
          <li key={p.id}>
            <ProjectCard
              project={p}
              domain={domains.value.find((d) => d.id === p.settings.domainId)}
              onDelete={() => setDeleting(p)}
            />
          </li>
        ))}
      </ul>
      {projects && projects.length > 0 && shown.length === 0 ? (
        <p class="muted">No project matches “{search}”.</p>
      ) : null}
      {projects === null && !error ? <p class="muted">Loading projects…</p> : null}
      {creating ? (
        <NewProjectDialog
          onClose={() => setCreating(false)}
          onCreated={(p) => {
            setCreating(false);
            navigate({ screen: 'project', projectId: p.id!, tab: 'training' });
          }}
        />
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title="Delete project"
          message={
            <>
              Delete <strong>{deleting.name}</strong> with all its images, tags and iterations? This cannot be undone.
            </>
          }
          confirm="Delete"
          busy={deletion.busy}
          error={deletion.error}
          onConfirm={remove}
          onClose={() => {
            setDeleting(null);
            deletion.setError(null);
          }}
        />
      ) : null}
    </section>
  );
}

function ProjectCard({
  project,
  domain,
  onDelete,
}: {
  project: Project;
  domain: Domain | undefined;
  onDelete: () => void;
}) {
  const thumbnail = useThumbnail(project);
  const type = domain?.type === 'ObjectDetection' ? 'Object Detection' : 'Classification';
  const detail =
    domain?.type === 'ObjectDetection' ? type : `${type} · ${project.settings.classificationType ?? 'Multiclass'}`;
  return (
    <article class="card project-card">
      <a class="project-link" href={`#/projects/${project.id}/training`}>
        <div class="project-thumb">{thumbnail ? <img src={thumbnail} alt="" loading="lazy" /> : <PictureIcon />}</div>
        <h2 class="project-name">{project.name}</h2>
      </a>
      <p class="muted small">{detail}</p>
      <p class="muted small">{domain?.name ?? 'Unknown domain'}</p>
      <button
        type="button"
        class="icon-button card-delete"
        aria-label={`Delete project ${project.name}`}
        onClick={onDelete}
      >
        <TrashIcon />
      </button>
    </article>
  );
}

/** The project's thumbnail, or else its newest image's, as Custom Vision's cards show one once images are added. */
function useThumbnail(project: Project): string | null {
  const [uri, setUri] = useState(project.thumbnailUri ?? null);
  useEffect(() => {
    if (project.thumbnailUri || !project.id) return;
    const t = trainer();
    t.getTaggedImages(project.id, { take: 1 })
      .then(async (tagged) => tagged[0] ?? (await t.getUntaggedImages(project.id!, { take: 1 }))[0])
      .then((image) => setUri(image?.thumbnailUri ?? null))
      .catch(() => undefined);
  }, [project.id]);
  return uri;
}
