/**
 * The `cvkit` command. Exit codes: 0 everything was done, 1 something was not (the summary says what), 2 the
 * command line was wrong.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CustomVisionError, TrainingClient } from '@cvkit/sdk';
import { readTree, writeTree } from './file-tree.ts';
import { formatByName, formatNames } from './formats/index.ts';
import { copied, migrate, type ProjectReport, succeeded } from './migrate.ts';
import { StateFile } from './migrate-state.ts';
import { formatTable, type Output, terminalOutput } from './output.ts';
import { projectKind, readProject, writeProject } from './project-dataset.ts';

const usage = `cvkit: move Custom Vision projects and datasets (Azure or cvkit)

  cvkit migrate --source-endpoint URL --source-key KEY --target-endpoint URL --target-key KEY
                [--project ID ...] [--state FILE] [--train] [--batch-size N]
      Copies every project (or those named) with settings, tags, images, regions and metadata.
      Rerun with the same --state file after an interruption: it continues without duplicating anything.

  cvkit dataset export --endpoint URL --training-key KEY --project ID --format FORMAT --out DIR
  cvkit dataset import --endpoint URL --training-key KEY --format FORMAT --in DIR [--name NAME] [--project ID]
      Formats: classification folders, csv; object detection coco, yolo, voc.

Environment: CUSTOM_VISION_ENDPOINT / CUSTOM_VISION_TRAINING_KEY stand for --endpoint / --training-key
(and for the migration source).
`;

class UsageError extends Error {}

/** Retries enough to ride out Azure's throttling (the client honours Retry-After). */
const retry = { maxRetries: 10, maxRetryAfterMs: 120_000 };

export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env, out: Output = terminalOutput()) {
  try {
    const [command, sub] = argv;
    if (command === 'migrate') return await migrateCommand(argv.slice(1), env, out);
    if (command === 'dataset' && sub === 'export') return await exportCommand(argv.slice(2), env, out);
    if (command === 'dataset' && sub === 'import') return await importCommand(argv.slice(2), env, out);
    if (!command || command === 'help' || command === '--help' || command === '-h') {
      out.log(usage);
      return 0;
    }
    throw new UsageError(`Unknown command "${argv.join(' ')}".`);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      out.log(`${(e as Error).message}\n\n${usage}`);
      return 2;
    }
    if (e instanceof CustomVisionError)
      out.log(`${e.name}${e.code ? ` ${e.code}` : ''}${e.status ? ` (HTTP ${e.status})` : ''}: ${e.message}`);
    else out.log(`Error: ${(e as Error).message}`);
    return 1;
  }
}

function required(values: Record<string, unknown>, name: string, fallback?: string): string {
  const v = (values[name] as string | undefined) ?? fallback;
  if (!v) throw new UsageError(`--${name} is required.`);
  return v;
}

async function migrateCommand(args: string[], env: NodeJS.ProcessEnv, out: Output): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'source-endpoint': { type: 'string' },
      'source-key': { type: 'string' },
      'target-endpoint': { type: 'string' },
      'target-key': { type: 'string' },
      project: { type: 'string', multiple: true },
      state: { type: 'string' },
      train: { type: 'boolean' },
      'batch-size': { type: 'string' },
    },
  });
  const from = new TrainingClient({
    endpoint: required(values, 'source-endpoint', env.CUSTOM_VISION_ENDPOINT),
    trainingKey: required(values, 'source-key', env.CUSTOM_VISION_TRAINING_KEY),
    retry,
  });
  const to = new TrainingClient({
    endpoint: required(values, 'target-endpoint', env.CVKIT_ENDPOINT),
    trainingKey: required(values, 'target-key', env.CVKIT_TRAINING_KEY),
    retry,
  });
  const batchSize = values['batch-size'] ? Number(values['batch-size']) : undefined;
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 64))
    throw new UsageError('--batch-size is a whole number from 1 to 64.');
  const statePath = resolve(values.state ?? 'cvkit-migrate-state.json');
  const state = await StateFile.open(statePath, from.baseUrl, to.baseUrl);
  out.log(`Migrating from ${from.baseUrl} to ${to.baseUrl} (progress kept in ${statePath})`);
  const reports = await migrate(from, to, {
    ...(values.project ? { projectIds: values.project } : {}),
    state,
    train: values.train ?? false,
    ...(batchSize ? { batchSize } : {}),
    out,
  });
  out.log('');
  out.log(
    formatTable(
      ['project', 'target', 'images', 'copied', 'skipped', 'failed', 'regions', 'result'],
      reports.map((r) => [
        r.name,
        r.targetProjectId ?? '-',
        r.images.total,
        r.images.copied,
        r.images.skipped,
        r.images.failed.length,
        r.regions,
        outcome(r),
      ]),
    ),
  );
  for (const r of reports)
    for (const f of r.images.failed.slice(0, 20)) out.log(`  ${r.name}: image ${f.id} failed: ${f.reason}`);
  const allCopied = reports.every(copied);
  if (!allCopied) out.log('Not everything was copied: fix the causes above and run the same command again.');
  else if (!reports.every(succeeded)) out.log('Everything was copied, but not every copy trained (see the table).');
  else out.log('Everything was copied.');
  if (allCopied && !values.train) out.log('Iterations are not copied: train each project (or rerun with --train).');
  return reports.every(succeeded) ? 0 : 1;
}

function outcome(r: ProjectReport): string {
  if (r.error) return r.error;
  if (r.images.failed.length) return 'incomplete: rerun to retry';
  if (r.mismatches.length) return 'differs from the source';
  if (r.trainingError) return `copied; training failed: ${r.trainingError}`;
  return r.iteration ? `ok, trained ${r.iteration.name}` : 'ok';
}

const datasetOptions = {
  endpoint: { type: 'string' },
  'training-key': { type: 'string' },
  project: { type: 'string' },
  format: { type: 'string' },
} as const;

function datasetClient(values: Record<string, unknown>, env: NodeJS.ProcessEnv): TrainingClient {
  return new TrainingClient({
    endpoint: required(values, 'endpoint', env.CUSTOM_VISION_ENDPOINT),
    trainingKey: required(values, 'training-key', env.CUSTOM_VISION_TRAINING_KEY),
    retry,
  });
}

function formatOption(values: Record<string, unknown>) {
  const name = required(values, 'format');
  if (!formatNames.includes(name as never)) throw new UsageError(`--format is one of ${formatNames.join(', ')}.`);
  return formatByName(name);
}

function lossNotice(format: ReturnType<typeof formatByName>, out: Output) {
  out.log(`The ${format.name} format cannot carry: ${format.cannotCarry.join('; ')}.`);
}

async function exportCommand(args: string[], env: NodeJS.ProcessEnv, out: Output): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...datasetOptions, out: { type: 'string' } },
  });
  const format = formatOption(values);
  const client = datasetClient(values, env);
  const projectId = required(values, 'project');
  const dir = resolve(required(values, 'out'));
  const kind = await projectKind(client, projectId);
  if (kind !== format.kind)
    throw new UsageError(`Project ${projectId} is ${kind}; ${format.name} holds ${format.kind} datasets.`);
  // One line per 64 images (an upload batch) is enough in a log.
  const dataset = await readProject(client, projectId, (d, t) => {
    if (d % 64 === 0 || d === t) out.progress('Downloading images', d, t);
  });
  await writeTree(dir, format.write(dataset));
  out.log(`Exported ${dataset.images.length} images and ${dataset.tags.length} tags as ${format.name} to ${dir}`);
  lossNotice(format, out);
  return 0;
}

async function importCommand(args: string[], env: NodeJS.ProcessEnv, out: Output): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...datasetOptions, in: { type: 'string' }, name: { type: 'string' } },
  });
  const format = formatOption(values);
  const client = datasetClient(values, env);
  const dir = resolve(required(values, 'in'));
  const dataset = format.read(await readTree(dir));
  lossNotice(format, out);
  if (values.project) {
    const kind = await projectKind(client, values.project);
    if (kind !== format.kind)
      throw new UsageError(`Project ${values.project} is ${kind}; ${format.name} is ${format.kind}.`);
  }
  const result = await writeProject(client, dataset, {
    ...(values.project ? { projectId: values.project } : {}),
    name: values.name ?? dir.split(/[\\/]/).filter(Boolean).at(-1) ?? 'imported dataset',
    kind: format.kind,
    onProgress: (d, t) => out.progress('Uploading images', d, t),
  });
  out.log(
    `Imported into project ${result.projectId}: ${result.created} images created, ${result.duplicates} already there, ` +
      `${result.failed.length} failed`,
  );
  for (const f of result.failed.slice(0, 20)) out.log(`  ${f.file}: ${f.reason}`);
  return result.failed.length ? 1 : 0;
}
