/**
 * Copies a Custom Vision project from Azure (or any Custom Vision endpoint) to a cvkit server: project settings,
 * tags, and every image with its tags, regions and metadata. Images are downloaded through their `originalImageUri`
 * and re-uploaded in batches of at most 64 (`uploadImages`, i.e. CreateImagesFromFiles), in their original order.
 *
 *   npx tsx examples/migrate-from-azure.ts [--project <source project id>] [--to <cvkit url> --to-key <key>]
 *                                          [--data-dir <dir>] [--name <new name>] [--train]
 *
 * Source: the CUSTOM_VISION_ENDPOINT / CUSTOM_VISION_TRAINING_KEY variables (or --from / --from-key).
 * Destination: --to / --to-key (or CVKIT_ENDPOINT / CVKIT_TRAINING_KEY); without one, a cvkit server started in
 * this process, keeping its data in --data-dir (default ./.cvkit-data, which `npm start` then serves).
 * Without any source it runs a demonstration: a local "source" server seeded with a small object-detection project
 * (azure-cv-fork-scissors, with bounding boxes and metadata), copied into a second local server.
 *
 * Not copied: iterations (trained models cannot leave Azure in a form another service can load: train again),
 * stored predictions, and the project's image-processing settings.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type BaseClientOptions, TrainingClient, type TrainingModels, type UploadImage } from '@cvkit/sdk';
import { isMain, run } from './lib/cli.ts';
import { type LocalServer, type ServiceTarget, startLocalServer, targetFromEnv } from './lib/connect.ts';
import { listImages } from './lib/folder-dataset.ts';
import { consoleOutput, type Output } from './lib/output.ts';
import { datasetPath, datasetsDir } from './lib/paths.ts';
import { trainAndWait } from './lib/steps.ts';

export interface MigrateOptions {
  /** Where the project is now; default: the CUSTOM_VISION_* environment, else the demonstration. */
  source?: ServiceTarget;
  /** The project to copy; may be omitted when the source has exactly one project. */
  projectId?: string;
  /** The cvkit server to copy to; default CVKIT_ENDPOINT / CVKIT_TRAINING_KEY, else an in-process server. */
  destination?: ServiceTarget;
  /** Data directory of the in-process destination server (default ./.cvkit-data). */
  dataDir?: string;
  /** Copy into this existing destination project (to resume an interrupted copy: duplicates are skipped). */
  destinationProjectId?: string;
  /** Name of the new project; default: the source project's name. */
  name?: string;
  /** Downloads in flight at once (default 8). */
  concurrency?: number;
  /** Images per upload request (at most 64, the default). */
  batchSize?: number;
  /** Train the copy once it is complete. */
  train?: boolean;
  env?: NodeJS.ProcessEnv;
  out?: Output;
  onResponse?: BaseClientOptions['onResponse'];
}

export interface MigrateResult {
  sourceProjectId: string;
  projectId: string;
  destination: string;
  tags: number;
  images: { total: number; copied: number; duplicates: number; failed: { id: string; reason: string }[] };
  regions: number;
  /** Differences found when comparing source and copy (tags, regions and metadata of every image). */
  mismatches: string[];
  iteration?: TrainingModels.Iteration;
  demo: boolean;
}

export async function main(options: MigrateOptions = {}): Promise<MigrateResult> {
  const out = options.out ?? consoleOutput();
  const env = options.env ?? process.env;
  const started: LocalServer[] = [];
  try {
    let source = options.source ?? targetFromEnv(env);
    let projectId = options.projectId;
    const demo = !source;
    if (!source) {
      out.log('No source given (CUSTOM_VISION_ENDPOINT is not set): demonstrating with two local servers.');
      const s = await startLocalServer();
      started.push(s);
      source = s;
      projectId = await seedDemoProject(new TrainingClient({ endpoint: s.url, trainingKey: s.trainingKey }), out);
    }
    let destination = options.destination;
    if (!destination && env.CVKIT_ENDPOINT)
      destination = { endpoint: env.CVKIT_ENDPOINT, trainingKey: env.CVKIT_TRAINING_KEY ?? 'cvkit-dev-training-key' };
    if (!destination) {
      const d = await startLocalServer(demo ? {} : { dataDir: options.dataDir ?? resolve('.cvkit-data') });
      started.push(d);
      destination = d;
      out.log(`Destination: a cvkit server in this process at ${d.url}${demo ? '' : `, data in ${d.dataDir}`}`);
    }
    const common = options.onResponse ? { onResponse: options.onResponse } : {};
    const from = new TrainingClient({ endpoint: source.endpoint, trainingKey: source.trainingKey, ...common });
    const to = new TrainingClient({ endpoint: destination.endpoint, trainingKey: destination.trainingKey, ...common });
    const result = await migrate(from, to, { ...options, projectId, out });
    return { ...result, destination: destination.endpoint, demo };
  } finally {
    for (const s of started.reverse()) await s.stop();
  }
}

interface SourceImage {
  id: string;
  tagNames: string[];
  regions: { tagName: string; left: number; top: number; width: number; height: number }[];
  metadata: Record<string, string>;
}

/** The copy itself, between two connected clients. */
export async function migrate(
  from: TrainingClient,
  to: TrainingClient,
  options: Omit<MigrateOptions, 'source' | 'destination' | 'env'> & { out: Output },
): Promise<Omit<MigrateResult, 'destination' | 'demo'>> {
  const { out } = options;
  const concurrency = options.concurrency ?? 8;
  const batchSize = Math.min(64, options.batchSize ?? 64);

  // 1. The source project.
  let sourceId = options.projectId;
  if (!sourceId) {
    const projects = await from.getProjects();
    if (projects.length !== 1)
      throw new Error(
        `The source has ${projects.length} projects; pick one with --project:\n` +
          projects.map((p) => `  ${p.id}  ${p.name}`).join('\n'),
      );
    sourceId = projects[0]!.id!;
  }
  const project = await from.getProject(sourceId);
  const total = await from.getImageCount(sourceId);
  out.log(`Source project "${project.name}" (${sourceId}): ${total} images`);

  // 2. The destination project, with the same domain when the destination knows it.
  let projectId = options.destinationProjectId;
  if (!projectId) {
    const settings = project.settings ?? {};
    const domainId = await sameDomain(from, to, settings.domainId ?? undefined);
    const created = await to.createProject({
      name: options.name ?? project.name,
      description: project.description ?? '',
      ...(domainId ? { domainId } : {}),
      ...(settings.classificationType ? { classificationType: settings.classificationType } : {}),
      ...(settings.targetExportPlatforms?.length ? { targetExportPlatforms: settings.targetExportPlatforms } : {}),
    });
    projectId = created.id!;
    out.log(`Created "${created.name}" (${projectId}) on the destination`);
  }

  // 3. Tags, matched by name (so that an interrupted copy can resume).
  const sourceTags = await from.getTags(sourceId);
  const existing = new Map((await to.getTags(projectId)).map((t) => [t.name!.toLowerCase(), t.id!]));
  const tagIds = new Map<string, string>(); // source tag id → destination tag id
  const tagNames = new Map<string, string>(); // source tag id → name
  for (const t of sourceTags) {
    tagNames.set(t.id!, t.name!);
    let id = existing.get(t.name!.toLowerCase());
    if (!id) {
      id = (
        await to.createTag(projectId, {
          name: t.name!,
          ...(t.description ? { description: t.description } : {}),
          ...(t.type ? { type: t.type } : {}),
        })
      ).id!;
    }
    tagIds.set(t.id!, id);
  }
  out.log(`Tags: ${sourceTags.map((t) => `${t.name}${t.type === 'Negative' ? ' (negative)' : ''}`).join(', ')}`);

  // 4. Images, oldest first, a batch at a time: download in parallel, upload grouped by metadata.
  const copied: SourceImage[] = [];
  const failed: { id: string; reason: string }[] = [];
  let duplicates = 0;
  let regions = 0;
  let done = 0;
  const flush = async (batch: TrainingModels.Image[]) => {
    const downloads = await mapLimit(batch, concurrency, async (image) => {
      try {
        return { image, bytes: await download(from, sourceId!, image) };
      } catch (e) {
        failed.push({ id: image.id!, reason: `download: ${(e as Error).message}` });
        return undefined;
      }
    });
    const groups = new Map<string, { metadata: Record<string, string>; items: typeof downloads }>();
    for (const d of downloads) {
      if (!d) continue;
      const metadata = d.image.metadata ?? {};
      const key = JSON.stringify(Object.entries(metadata).sort());
      if (!groups.has(key)) groups.set(key, { metadata, items: [] });
      groups.get(key)!.items.push(d);
    }
    for (const { metadata, items } of groups.values()) {
      const entries: UploadImage[] = items.map((d) => ({
        image: d!.bytes,
        name: d!.image.id!,
        tagIds: (d!.image.tags ?? []).map((t) => tagIds.get(t.tagId!)!).filter(Boolean),
        regions: (d!.image.regions ?? []).map((r) => ({
          tagId: tagIds.get(r.tagId!)!,
          left: r.left,
          top: r.top,
          width: r.width,
          height: r.height,
        })),
      }));
      // A region's tag is the image's tag as well: send only the tags no region carries.
      for (const e of entries) {
        const boxed = new Set(e.regions?.map((r) => r.tagId));
        e.tagIds = e.tagIds?.filter((t) => !boxed.has(t)) ?? [];
      }
      const summary = await to.uploadImages(projectId!, entries, {
        ...(Object.keys(metadata).length ? { metadata } : {}),
        batchSize,
      });
      summary.images.forEach((r, i) => {
        const src = items[i]!.image;
        if (r.status === 'OK' || r.status === 'OKDuplicate') {
          if (r.status === 'OKDuplicate') duplicates++;
          regions += src.regions?.length ?? 0;
          copied.push(describe(src, tagNames));
        } else failed.push({ id: src.id!, reason: `${r.status}${r.message ? `: ${r.message}` : ''}` });
      });
    }
    done += batch.length;
    out.progress('Copying images', done, total);
  };
  let batch: TrainingModels.Image[] = [];
  for await (const image of from.iterateImages(sourceId, { orderBy: 'Oldest' })) {
    batch.push(image);
    if (batch.length === batchSize) {
      await flush(batch);
      batch = [];
    }
  }
  if (batch.length) await flush(batch);
  out.log(
    `Copied ${copied.length} of ${total} images (${duplicates} already there), ${regions} regions; ${failed.length} failed`,
  );
  for (const f of failed.slice(0, 10)) out.log(`  failed ${f.id}: ${f.reason}`);

  // 5. Check the copy: every image's tags, regions and metadata, compared as a multiset.
  const mismatches = await compare(copied, to, projectId);
  out.log(
    mismatches.length ? `Differences:\n  ${mismatches.slice(0, 10).join('\n  ')}` : 'The copy matches the source.',
  );

  let iteration: TrainingModels.Iteration | undefined;
  if (options.train) iteration = await trainAndWait(to, projectId, out);
  else out.log('Iterations are not copied: train the new project (or run again with --train).');
  return {
    sourceProjectId: sourceId,
    projectId,
    tags: sourceTags.length,
    images: { total, copied: copied.length, duplicates, failed },
    regions,
    mismatches,
    ...(iteration ? { iteration } : {}),
  };
}

/** The source's domain when the destination has it (cvkit uses Azure's domain ids), else one of the same kind. */
async function sameDomain(from: TrainingClient, to: TrainingClient, domainId: string | undefined) {
  if (!domainId) return undefined;
  const theirs = await to.getDomains();
  if (theirs.some((d) => d.id === domainId)) return domainId;
  const mine = await from.getDomain(domainId).catch(() => undefined);
  return theirs.find((d) => d.type === mine?.type && d.exportable === mine?.exportable)?.id ?? undefined;
}

/** An image's original bytes: its (signed, time-limited) URI, or GetArtifact when the URI is a relative path. */
async function download(from: TrainingClient, projectId: string, image: TrainingModels.Image): Promise<Uint8Array> {
  const uri = image.originalImageUri;
  if (!uri) throw new Error('the image has no originalImageUri');
  if (!/^https?:\/\//i.test(uri)) {
    const blob = (await from.getArtifact(projectId, { path: uri })) as Blob;
    return new Uint8Array(await blob.arrayBuffer());
  }
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(uri).catch((e: Error) => e);
    if (!(res instanceof Error) && res.ok) return new Uint8Array(await res.arrayBuffer());
    if (attempt >= 2) throw new Error(res instanceof Error ? res.message : `HTTP ${res.status}`);
    await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
  }
}

function describe(image: TrainingModels.Image, tagNames: Map<string, string>): SourceImage {
  return {
    id: image.id!,
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

function signature(i: Omit<SourceImage, 'id'>): string {
  const round = (x: number) => x.toFixed(4);
  return JSON.stringify([
    [...i.tagNames].sort(),
    i.regions.map((r) => `${r.tagName}@${round(r.left)},${round(r.top)},${round(r.width)},${round(r.height)}`).sort(),
    Object.entries(i.metadata).sort(),
  ]);
}

async function compare(copied: SourceImage[], to: TrainingClient, projectId: string): Promise<string[]> {
  const expected = new Map<string, number>();
  for (const i of copied) expected.set(signature(i), (expected.get(signature(i)) ?? 0) + 1);
  const tagNames = new Map((await to.getTags(projectId)).map((t) => [t.id!, t.name!]));
  const mismatches: string[] = [];
  for await (const image of to.iterateImages(projectId)) {
    const sig = signature(describe(image, tagNames));
    const n = expected.get(sig) ?? 0;
    if (n === 0) mismatches.push(`destination image ${image.id} has no counterpart in the source: ${sig}`);
    else expected.set(sig, n - 1);
  }
  for (const [sig, n] of expected) if (n > 0) mismatches.push(`${n} source image(s) missing from the copy: ${sig}`);
  return mismatches;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The demonstration's source: an object-detection project with bounding boxes from azure-cv-fork-scissors'
 * annotations.json, metadata on every image, and two untagged images.
 */
export async function seedDemoProject(trainer: TrainingClient, out: Output, perTag = 6): Promise<string> {
  const annotations = JSON.parse(
    await readFile(join(datasetsDir(), 'azure-cv-fork-scissors', 'annotations.json'), 'utf8'),
  ) as {
    images: { file: string; regions: { tag: string; left: number; top: number; width: number; height: number }[] }[];
  };
  const domain = (await trainer.getDomains()).find((d) => d.type === 'ObjectDetection' && d.name === 'General');
  const project = await trainer.createProject({
    name: 'fork and scissors (demo source)',
    description: 'seeded by examples/migrate-from-azure.ts',
    domainId: domain!.id!,
  });
  const projectId = project.id!;
  const tags = new Map<string, string>();
  for (const name of ['fork', 'scissors']) tags.set(name, (await trainer.createTag(projectId, { name })).id!);
  const picked = ['fork', 'scissors'].flatMap((tag) =>
    annotations.images.filter((i) => i.file.startsWith(`train/${tag}/`)).slice(0, perTag),
  );
  const root = join(datasetsDir(), 'azure-cv-fork-scissors');
  for (const [k, group] of [picked.filter((_, i) => i % 2 === 0), picked.filter((_, i) => i % 2 === 1)].entries()) {
    const entries: UploadImage[] = [];
    for (const a of group)
      entries.push({
        image: await readFile(join(root, a.file)),
        name: a.file,
        regions: a.regions.map((r) => ({
          tagId: tags.get(r.tag)!,
          left: r.left,
          top: r.top,
          width: r.width,
          height: r.height,
        })),
      });
    await trainer.uploadImages(projectId, entries, { metadata: { camera: k ? 'B' : 'A', source: 'quickstart' } });
  }
  const spare = [
    ...listImages(join(datasetPath('azure-cv-fork-scissors', 'test'), 'fork')),
    ...listImages(join(datasetPath('azure-cv-fork-scissors'), 'scissors')).slice(-1),
  ];
  await trainer.uploadImages(projectId, await Promise.all(spare.map((f) => readFile(f))));
  out.log(`Seeded the demo source: ${picked.length} images with boxes and metadata, ${spare.length} untagged`);
  return projectId;
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      project: { type: 'string' },
      from: { type: 'string' },
      'from-key': { type: 'string' },
      to: { type: 'string' },
      'to-key': { type: 'string' },
      'to-project': { type: 'string' },
      'data-dir': { type: 'string' },
      name: { type: 'string' },
      train: { type: 'boolean' },
    },
  });
  run(() =>
    main({
      ...(values.from ? { source: { endpoint: values.from, trainingKey: values['from-key'] ?? '' } } : {}),
      ...(values.to
        ? { destination: { endpoint: values.to, trainingKey: values['to-key'] ?? 'cvkit-dev-training-key' } }
        : {}),
      ...(values.project ? { projectId: values.project } : {}),
      ...(values['to-project'] ? { destinationProjectId: values['to-project'] } : {}),
      ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
      ...(values.name ? { name: values.name } : {}),
      train: values.train ?? false,
    }),
  );
}
