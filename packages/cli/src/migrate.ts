/**
 * `cvkit migrate`: copies projects between two Custom Vision endpoints (Azure or cvkit, either way round): project
 * settings (domain mapped by name, classification type, export platforms), tags with their type and description,
 * and every image with its tags, regions and metadata, oldest first, 256 per page. Iterations are not copied (a
 * trained model cannot leave Azure in a form another service loads); `train` trains each copy instead.
 *
 * Resumable and idempotent through a `StateFile`: see migrate-state.ts for why a rerun never duplicates anything.
 */
import { NotFoundError, type TrainingClient, type TrainingModels } from '@cvkit/sdk';
import { type ProjectState, StateFile } from './migrate-state.ts';
import type { Output } from './output.ts';
import { downloadImage, mapDomain, mapLimit, type OutgoingImage, uploadLabelled } from './transfer.ts';

export interface MigrateOptions {
  /** Source projects to copy (default: all). */
  projectIds?: string[];
  /** Progress of earlier runs (default: none kept). */
  state?: StateFile;
  /** Copy into this existing destination project (one source project only). */
  targetProjectId?: string;
  /** Name of the copy (one source project only; default the source's name). */
  name?: string;
  /** Train each complete copy and wait for it. */
  train?: boolean;
  /** Images per upload request (1 to 64, default 64); the state is saved after each. */
  batchSize?: number;
  /** Downloads in flight at once (default 8). */
  concurrency?: number;
  out: Output;
  fetch?: typeof fetch;
}

export interface ProjectReport {
  sourceProjectId: string;
  name: string;
  targetProjectId?: string;
  tags: number;
  images: {
    total: number;
    /** Uploaded by this run. */
    copied: number;
    /** Already on the destination: recorded by an earlier run, or answered OKDuplicate. */
    skipped: number;
    /** Of `skipped`, those the destination answered OKDuplicate (it had the bytes already). */
    duplicates: number;
    failed: { id: string; reason: string }[];
  };
  regions: number;
  /** Differences between source and copy (tags, regions and metadata of every image, compared as multisets). */
  mismatches: string[];
  iteration?: TrainingModels.Iteration;
  /** Why the project could not be copied. */
  error?: string;
  /** Why the copy, complete, did not train (with `train`). */
  trainingError?: string;
}

export function copied(r: ProjectReport): boolean {
  return !r.error && r.images.failed.length === 0 && r.mismatches.length === 0;
}

export function succeeded(r: ProjectReport): boolean {
  return copied(r) && !r.trainingError;
}

/** Copies each project in turn; a failure in one is reported and the next one still runs. */
export async function migrate(from: TrainingClient, to: TrainingClient, o: MigrateOptions): Promise<ProjectReport[]> {
  const state = o.state ?? (await StateFile.open(undefined, from.baseUrl, to.baseUrl));
  const ids = o.projectIds?.length ? o.projectIds : (await from.getProjects()).map((p) => p.id!);
  if ((o.targetProjectId || o.name) && ids.length !== 1)
    throw new Error('A target project or a new name applies to exactly one source project: pick it with --project.');
  const reports: ProjectReport[] = [];
  for (const id of ids) {
    const report: ProjectReport = {
      sourceProjectId: id,
      name: id,
      tags: 0,
      images: { total: 0, copied: 0, skipped: 0, duplicates: 0, failed: [] },
      regions: 0,
      mismatches: [],
    };
    reports.push(report);
    try {
      await migrateProject(from, to, id, state, o, report);
    } catch (e) {
      report.error = (e as Error).message;
      o.out.log(`${report.name}: ${report.error}`);
    }
  }
  return reports;
}

async function migrateProject(
  from: TrainingClient,
  to: TrainingClient,
  sourceId: string,
  stateFile: StateFile,
  o: MigrateOptions,
  report: ProjectReport,
): Promise<void> {
  const { out } = o;
  const project = await from.getProject(sourceId);
  report.name = project.name!;
  const state = stateFile.project(sourceId, project.name!);
  if (o.targetProjectId) state.targetProjectId = o.targetProjectId;
  const targetId = await targetProject(from, to, project, state, stateFile, o.name);
  report.targetProjectId = targetId;

  const sourceTags = await from.getTags(sourceId);
  const tagIds = await copyTags(to, sourceTags, targetId, state);
  await stateFile.save();
  const tagNames = new Map(sourceTags.map((t) => [t.id!, t.name!]));
  report.tags = tagNames.size;

  const total = await from.getImageCount(sourceId);
  report.images.total = total;
  const label = `${project.name}: images`;
  const expected: string[] = [];
  let pending: TrainingModels.Image[] = [];
  let seen = 0;
  const batchSize = Math.min(64, Math.max(1, o.batchSize ?? 64));
  let shown = -1;
  const flush = async () => {
    const batch = pending;
    pending = [];
    await copyBatch(from, to, sourceId, targetId, batch, tagIds, state, report, o);
    await stateFile.save();
    out.progress(label, seen, Math.max(total, seen));
    shown = seen;
  };
  for await (const image of from.iterateImages(sourceId, { orderBy: 'Oldest' }, { pageSize: 256 })) {
    seen++;
    expected.push(signature(describe(image, tagNames)));
    report.regions += image.regions?.length ?? 0;
    if (state.images[image.id!]) report.images.skipped++;
    else pending.push(image);
    if (pending.length >= batchSize) await flush();
  }
  if (pending.length || shown !== seen) await flush();
  report.images.total = seen;
  state.complete = report.images.failed.length === 0;
  await stateFile.save();

  report.mismatches = await compare(expected, to, targetId);
  if (report.mismatches.length)
    out.log(`${project.name}: the copy differs from the source:\n  ${report.mismatches.slice(0, 10).join('\n  ')}`);

  if (o.train && state.complete) {
    try {
      report.iteration = await trainCopy(to, targetId, state, stateFile, out, project.name!);
    } catch (e) {
      report.trainingError = (e as Error).message;
    }
  }
}

/** The destination project: the recorded one, one a killed run created but did not record, or a new one. */
async function targetProject(
  from: TrainingClient,
  to: TrainingClient,
  project: TrainingModels.Project,
  state: ProjectState,
  stateFile: StateFile,
  name: string | undefined,
): Promise<string> {
  if (state.targetProjectId) {
    const found = await to.getProject(state.targetProjectId).catch((e: unknown) => {
      if (e instanceof NotFoundError)
        throw new Error(
          `the target project ${state.targetProjectId} an earlier run created is gone; ` +
            'delete the state file (or use another --state) to copy this project again',
        );
      throw e;
    });
    return found.id!;
  }
  if (state.creating) {
    const found = (await to.getProjects()).filter((p) => p.name === state.creating);
    if (found.length === 1) {
      state.targetProjectId = found[0]!.id!;
      await stateFile.save();
      return state.targetProjectId;
    }
  }
  const settings = project.settings ?? {};
  const domainId = await mapDomain(from, to, settings.domainId);
  state.creating = name ?? project.name!;
  await stateFile.save();
  const created = await to.createProject({
    name: state.creating,
    description: project.description ?? '',
    ...(domainId ? { domainId } : {}),
    ...(settings.classificationType ? { classificationType: settings.classificationType } : {}),
    ...(settings.targetExportPlatforms?.length ? { targetExportPlatforms: settings.targetExportPlatforms } : {}),
  });
  state.targetProjectId = created.id!;
  await stateFile.save();
  return created.id!;
}

/** Source tag id → destination tag id; tags are matched by name, so a tag created but not recorded is found again. */
async function copyTags(
  to: TrainingClient,
  sourceTags: TrainingModels.Tag[],
  targetId: string,
  state: ProjectState,
): Promise<Map<string, string>> {
  const existing = new Map((await to.getTags(targetId)).map((t) => [t.name!.toLowerCase(), t.id!]));
  const known = new Set(existing.values());
  for (const t of sourceTags) {
    const recorded = state.tags[t.id!];
    if (recorded && known.has(recorded)) continue;
    state.tags[t.id!] =
      existing.get(t.name!.toLowerCase()) ??
      (
        await to.createTag(targetId, {
          name: t.name!,
          ...(t.description ? { description: t.description } : {}),
          ...(t.type ? { type: t.type } : {}),
        })
      ).id!;
  }
  return new Map(Object.entries(state.tags));
}

async function copyBatch(
  from: TrainingClient,
  to: TrainingClient,
  sourceId: string,
  targetId: string,
  batch: TrainingModels.Image[],
  tagIds: Map<string, string>,
  state: ProjectState,
  report: ProjectReport,
  o: MigrateOptions,
): Promise<void> {
  const downloaded = await mapLimit(batch, o.concurrency ?? 8, async (image) => {
    try {
      return { image, bytes: await downloadImage(from, sourceId, image, o.fetch) };
    } catch (e) {
      report.images.failed.push({ id: image.id!, reason: `download: ${(e as Error).message}` });
      return undefined;
    }
  });
  const ready = downloaded.filter((d) => d !== undefined);
  const outgoing: OutgoingImage[] = ready.map(({ image, bytes }) => ({
    bytes,
    name: image.id!,
    tagIds: (image.tags ?? []).map((t) => tagIds.get(t.tagId!)!).filter(Boolean),
    regions: (image.regions ?? []).map((r) => ({
      tagId: tagIds.get(r.tagId!)!,
      left: r.left,
      top: r.top,
      width: r.width,
      height: r.height,
    })),
    metadata: image.metadata ?? {},
  }));
  const results = await uploadLabelled(to, targetId, outgoing, 64);
  results.forEach((r, i) => {
    const source = ready[i]!.image;
    if (r?.status === 'OK' || r?.status === 'OKDuplicate') {
      state.images[source.id!] = r.image?.id ?? '';
      if (r.status === 'OKDuplicate') {
        report.images.skipped++;
        report.images.duplicates++;
      } else report.images.copied++;
    } else
      report.images.failed.push({
        id: source.id!,
        reason: r ? `${r.status}${r.message ? `: ${r.message}` : ''}` : 'no answer from the destination',
      });
  });
}

async function trainCopy(
  to: TrainingClient,
  projectId: string,
  state: ProjectState,
  stateFile: StateFile,
  out: Output,
  name: string,
): Promise<TrainingModels.Iteration> {
  if (state.trainedIterationId) {
    // A training an earlier run started (and may not have seen finish) is waited for, not started again.
    const it = await to.getIteration(projectId, state.trainedIterationId).catch(() => undefined);
    if (it?.status === 'Completed') return it;
    if (it?.status === 'Training')
      return to.waitForTraining(projectId, it.id!, { intervalMs: 1_000, timeoutMs: 6 * 3600_000 });
  }
  const started = await to.trainProject(projectId);
  state.trainedIterationId = started.id!;
  await stateFile.save();
  out.log(`${name}: training ${started.name}`);
  return to.waitForTraining(projectId, started.id!, { intervalMs: 1_000, timeoutMs: 6 * 3600_000 });
}

interface Labels {
  tagNames: string[];
  regions: { tagName: string; left: number; top: number; width: number; height: number }[];
  metadata: Record<string, string>;
}

function describe(image: TrainingModels.Image, tagNames: Map<string, string>): Labels {
  return {
    tagNames: (image.tags ?? []).map((t) => t.tagName ?? tagNames.get(t.tagId!) ?? '?'),
    regions: (image.regions ?? []).map((r) => ({
      tagName: r.tagName ?? tagNames.get(r.tagId!) ?? '?',
      left: r.left,
      top: r.top,
      width: r.width,
      height: r.height,
    })),
    metadata: image.metadata ?? {},
  };
}

function signature(i: Labels): string {
  const round = (x: number) => x.toFixed(4);
  return JSON.stringify([
    [...i.tagNames].sort(),
    i.regions.map((r) => `${r.tagName}@${round(r.left)},${round(r.top)},${round(r.width)},${round(r.height)}`).sort(),
    Object.entries(i.metadata).sort(),
  ]);
}

/** Every destination image against the source's, as multisets of (tags, regions, metadata). */
async function compare(expectedList: string[], to: TrainingClient, projectId: string): Promise<string[]> {
  const expected = new Map<string, number>();
  for (const sig of expectedList) expected.set(sig, (expected.get(sig) ?? 0) + 1);
  const tagNames = new Map((await to.getTags(projectId)).map((t) => [t.id!, t.name!]));
  const mismatches: string[] = [];
  for await (const image of to.iterateImages(projectId, {}, { pageSize: 256 })) {
    const sig = signature(describe(image, tagNames));
    const n = expected.get(sig) ?? 0;
    if (n === 0) mismatches.push(`destination image ${image.id} has no counterpart in the source: ${sig}`);
    else expected.set(sig, n - 1);
  }
  for (const [sig, n] of expected) if (n > 0) mismatches.push(`${n} source image(s) missing from the copy: ${sig}`);
  return mismatches;
}
