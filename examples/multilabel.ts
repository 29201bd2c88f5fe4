/**
 * A multilabel classifier: an image may carry several tags at once, and the model scores each tag on its own
 * (sigmoid per tag), so a photo of a cherry tree in bloom can come out as both `tree` and `blossom`.
 *
 *   npx tsx examples/multilabel.ts [folder=tag1,tag2 ...] [--per-folder n] [--threshold 0.5]
 *
 * Each argument is a folder of images and the tags every image in it carries. The default set mixes three
 * datasets: Hemlock → tree; Japanese cherry → tree + blossom; daisies and sunflowers → blossom; apples and bananas →
 * fruit. The last image of each folder is held out and classified through the Prediction API after publishing.
 */
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { TrainingModels, UploadImage } from '@cvkit/sdk';
import { imageFromFile } from '@cvkit/sdk/node';
import { isMain, run } from './lib/cli.ts';
import { type ConnectOptions, connect, requirePredictionResourceId } from './lib/connect.ts';
import { listImages } from './lib/folder-dataset.ts';
import { consoleOutput, pct, table } from './lib/output.ts';
import { datasetPath } from './lib/paths.ts';
import { createTags, printPerformance, projectName, trainAndWait, uploadEntries, whenPublished } from './lib/steps.ts';

export interface LabelledFolder {
  dir: string;
  tags: string[];
}

export function defaultFolders(): LabelledFolder[] {
  return [
    { dir: `${datasetPath('azure-cv-trees')}/Hemlock`, tags: ['tree'] },
    { dir: `${datasetPath('azure-cv-trees')}/Japanese_Cherry`, tags: ['tree', 'blossom'] },
    { dir: `${datasetPath('mlnet-flowers-small')}/daisy`, tags: ['blossom'] },
    { dir: `${datasetPath('mlnet-flowers-small')}/sunflowers`, tags: ['blossom'] },
    { dir: `${datasetPath('ai102-fruit')}/apple`, tags: ['fruit'] },
    { dir: `${datasetPath('ai102-fruit')}/banana`, tags: ['fruit'] },
  ];
}

export interface MultilabelOptions extends ConnectOptions {
  folders?: LabelledFolder[];
  /** Images taken from each folder, the last one held out for testing (default 9). */
  perFolder?: number;
  /** Probability from which a tag counts as predicted (default 0.5). */
  threshold?: number;
  publishName?: string;
}

export interface HoldoutResult {
  file: string;
  expected: string[];
  predicted: string[];
  probabilities: Record<string, number>;
}

export interface MultilabelResult {
  projectId: string;
  iteration: TrainingModels.Iteration;
  performance: TrainingModels.IterationPerformance;
  taggedCounts: Record<string, number>;
  holdouts: HoldoutResult[];
  /** Held-out images whose predicted tag set equals the expected one. */
  exactMatches: number;
}

export async function main(options: MultilabelOptions = {}): Promise<MultilabelResult> {
  const out = options.out ?? consoleOutput();
  const folders = options.folders ?? defaultFolders();
  const perFolder = options.perFolder ?? 9;
  const threshold = options.threshold ?? 0.5;
  const tagNames = [...new Set(folders.flatMap((f) => f.tags))];
  const picked = folders.map((f) => {
    const files = listImages(resolve(f.dir)).slice(0, perFolder);
    if (files.length < 2) throw new Error(`${f.dir} needs at least 2 images`);
    return { ...f, train: files.slice(0, -1), holdout: files.at(-1)! };
  });
  for (const f of picked) out.log(`${f.dir}: ${f.train.length} images → ${f.tags.join(' + ')}`);

  const conn = await connect({ ...options, out });
  const { trainer, predictor } = conn;
  try {
    const project = await trainer.createProject({ name: projectName('multilabel'), classificationType: 'Multilabel' });
    const projectId = project.id!;
    out.log(`Created project "${project.name}" (${projectId}), classification type Multilabel`);
    const tagIds = await createTags(trainer, projectId, tagNames, out);

    // Each image carries its folder's tags: entries with their own tagIds go as JSON (CreateImagesFromFiles).
    const entries: UploadImage[] = [];
    for (const f of picked)
      for (const file of f.train)
        entries.push({ image: await imageFromFile(file), tagIds: f.tags.map((t) => tagIds.get(t)!) });
    await uploadEntries(trainer, projectId, entries, out);

    const taggedCounts: Record<string, number> = {};
    for (const [name, id] of tagIds)
      taggedCounts[name] = await trainer.getTaggedImageCount(projectId, { tagIds: [id] });
    out.log(
      `Images per tag: ${Object.entries(taggedCounts)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}`,
    );

    const iteration = await trainAndWait(trainer, projectId, out, { pollMs: conn.pollMs });
    const performance = await printPerformance(trainer, projectId, iteration.id!, out, threshold);

    const publishName = options.publishName ?? 'multilabelModel';
    await trainer.publishIteration(projectId, iteration.id!, {
      publishName,
      predictionId: requirePredictionResourceId(conn),
    });
    out.log(`Published ${iteration.name} as "${publishName}"; classifying the held-out images:`);

    const holdouts: HoldoutResult[] = [];
    for (const f of picked) {
      const bytes = await readFile(f.holdout);
      const result = await whenPublished(() => predictor.classifyImage(projectId, publishName, bytes));
      const probabilities = Object.fromEntries((result.predictions ?? []).map((p) => [p.tagName!, p.probability!]));
      const predicted = tagNames.filter((t) => (probabilities[t] ?? 0) >= threshold);
      holdouts.push({ file: f.holdout, expected: [...f.tags].sort(), predicted: predicted.sort(), probabilities });
    }
    for (const line of table(
      ['image', 'expected', 'predicted', ...tagNames],
      holdouts.map((h) => [
        basename(h.file),
        h.expected.join('+'),
        h.predicted.join('+') || '(none)',
        ...tagNames.map((t) => pct(h.probabilities[t])),
      ]),
    ))
      out.log(`  ${line}`);
    const exactMatches = holdouts.filter((h) => h.expected.join() === h.predicted.join()).length;
    out.log(`${exactMatches} of ${holdouts.length} held-out images got exactly their tags at threshold ${threshold}`);
    return { projectId, iteration, performance, taggedCounts, holdouts, exactMatches };
  } finally {
    await conn.stop();
  }
}

if (isMain(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'per-folder': { type: 'string' }, threshold: { type: 'string' } },
  });
  const folders = positionals.map((arg) => {
    const [dir, tags] = arg.split('=');
    if (!dir || !tags) throw new Error(`expected folder=tag1,tag2, got ${arg}`);
    return { dir, tags: tags.split(',').map((t) => t.trim()) };
  });
  run(() =>
    main({
      ...(folders.length ? { folders } : {}),
      ...(values['per-folder'] ? { perFolder: Number(values['per-folder']) } : {}),
      ...(values.threshold ? { threshold: Number(values.threshold) } : {}),
    }),
  );
}
