/**
 * Copies a Custom Vision project from Azure (or any Custom Vision endpoint) to a cvkit server: project settings,
 * tags, and every image with its tags, regions and metadata, through `migrate` from @cvkit/cli (the code behind
 * `npx cvkit migrate`, which copies every project of a resource and resumes after an interruption).
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
import { migrate as migrateProjects } from '@cvkit/cli';
import { type BaseClientOptions, TrainingClient, type TrainingModels, type UploadImage } from '@cvkit/sdk';
import { isMain, run } from './lib/cli.ts';
import { type LocalServer, type ServiceTarget, startLocalServer, targetFromEnv } from './lib/connect.ts';
import { listImages } from './lib/folder-dataset.ts';
import { consoleOutput, type Output } from './lib/output.ts';
import { datasetPath, datasetsDir } from './lib/paths.ts';

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

/**
 * The copy itself, between two connected clients: `migrate` from @cvkit/cli (what `npx cvkit migrate` runs), for
 * one project, reported in this example's terms.
 */
export async function migrate(
  from: TrainingClient,
  to: TrainingClient,
  options: Omit<MigrateOptions, 'source' | 'destination' | 'env'> & { out: Output },
): Promise<Omit<MigrateResult, 'destination' | 'demo'>> {
  const { out } = options;
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
  out.log(`Source project ${sourceId}: ${await from.getImageCount(sourceId)} images`);
  const [report] = await migrateProjects(from, to, {
    projectIds: [sourceId],
    ...(options.destinationProjectId ? { targetProjectId: options.destinationProjectId } : {}),
    ...(options.name ? { name: options.name } : {}),
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    train: options.train ?? false,
    out: {
      log: (line) => out.log(line),
      progress: (_label, done, total) => out.progress('Copying images', done, total),
    },
  });
  if (!report?.targetProjectId) throw new Error(report?.error ?? 'The project was not copied.');
  const { images } = report;
  out.log(
    `Copied ${images.copied + images.skipped} of ${images.total} images (${images.duplicates} already there), ` +
      `${report.regions} regions; ${images.failed.length} failed`,
  );
  for (const f of images.failed.slice(0, 10)) out.log(`  failed ${f.id}: ${f.reason}`);
  out.log(report.mismatches.length ? 'The copy differs from the source (see above).' : 'The copy matches the source.');
  if (report.error || report.trainingError) throw new Error(report.error ?? `training failed: ${report.trainingError}`);
  if (!options.train) out.log('Iterations are not copied: train the new project (or run again with --train).');
  return {
    sourceProjectId: sourceId,
    projectId: report.targetProjectId,
    tags: report.tags,
    images: {
      total: images.total,
      copied: images.copied + images.skipped,
      duplicates: images.duplicates,
      failed: images.failed,
    },
    regions: report.regions,
    mismatches: report.mismatches,
    ...(report.iteration ? { iteration: report.iteration } : {}),
  };
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
