/** What the open project's screens share: the project, its domain list, tags and iterations, reloaded on demand. */
import type { TrainingModels } from '@cvkit/sdk';
import { signal } from '@preact/signals';
import { describeError, trainer } from './session.ts';

export type Project = TrainingModels.Project;
export type Domain = TrainingModels.Domain;
export type Tag = TrainingModels.Tag;
export type Iteration = TrainingModels.Iteration;

/** What a dialog about one iteration is given. */
export interface IterationDialogProps {
  project: Project;
  iteration: Iteration;
  onClose: () => void;
}

export const domains = signal<Domain[]>([]);
export const project = signal<Project | null>(null);
export const tags = signal<Tag[]>([]);
export const iterations = signal<Iteration[]>([]);
export const projectError = signal<string | null>(null);
/** Bumped after anything that changes the image set, so the grid reloads. */
export const imagesVersion = signal(0);

export async function loadDomains(): Promise<Domain[]> {
  if (domains.value.length === 0) domains.value = await trainer().getDomains();
  return domains.value;
}

export async function openProject(projectId: string): Promise<void> {
  if (project.value?.id !== projectId) {
    project.value = null;
    tags.value = [];
    iterations.value = [];
  }
  projectError.value = null;
  try {
    const [p] = await Promise.all([trainer().getProject(projectId), loadDomains()]);
    project.value = p;
    await Promise.all([reloadTags(), reloadIterations()]);
  } catch (e) {
    projectError.value = describeError(e);
  }
}

export async function reloadTags(): Promise<void> {
  const p = project.value;
  if (p?.id) tags.value = (await trainer().getTags(p.id)).sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
}

export async function reloadIterations(): Promise<void> {
  const p = project.value;
  if (p?.id)
    iterations.value = (await trainer().getIterations(p.id)).sort((a, b) =>
      (b.created ?? '').localeCompare(a.created ?? ''),
    );
}

export function domainOf(p: Project | null): Domain | undefined {
  return domains.value.find((d) => d.id === p?.settings.domainId);
}

export function isDetection(p: Project | null): boolean {
  return domainOf(p)?.type === 'ObjectDetection';
}

/** The tag of that name (any case), created when missing. */
export async function ensureTag(projectId: string, name: string, negative = false): Promise<Tag> {
  const existing = tags.value.find((t) => (t.name ?? '').toLowerCase() === name.toLowerCase());
  if (existing) return existing;
  const created = await trainer().createTag(projectId, { name, ...(negative ? { type: 'Negative' as const } : {}) });
  tags.value = [...tags.value, created].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
  return created;
}

let watching: string | null = null;

/** Reloads the iterations every second while one of the open project's is training. */
export async function watchTraining(projectId: string): Promise<void> {
  if (watching === projectId) return;
  watching = projectId;
  try {
    while (project.value?.id === projectId) {
      await reloadIterations();
      if (!iterations.value.some((i) => i.status === 'Training' || i.status === 'Queued')) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
  } catch (e) {
    projectError.value = describeError(e);
  } finally {
    watching = null;
  }
}
