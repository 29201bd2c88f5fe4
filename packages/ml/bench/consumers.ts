/**
 * Every held-out photo through Microsoft's export consumers, against the server's own answer.
 *
 * For azure-cv-trees and ai102-fruit: embed the first half of each tag's training photos with the
 * compact backbone exactly as the server does (embedViews, centre + mirror), train with the server's
 * trainHead (Regular), then for every other photo compare classify() — the server's prediction —
 * with (1) the TF.js export loaded by @microsoft/customvision-tfjs 1.3.0 on its own tfjs 3 (CPU
 * backend, ≈ 3 s per photo), given the photo's RGBA pixels as a browser's <img> would, and (2) the
 * ONNX export run with the steps of Azure-Samples' python/onnx sample (Pillow-exact squash).
 * The tests run a few photos of each; this runs them all.
 *
 *   npm run -s bench:consumers -w @cvkit/ml          (about 1.5 minutes)
 *   BENCH_DATASETS=azure-cv-fork-scissors,mlnet-flowers-small npm run -s bench:consumers -w @cvkit/ml
 *
 * Any data set laid out as train/<tag>/ (and optionally test/<tag>/) works; without test/ the held-out photos are
 * the second half of each tag's train/ folder.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { getBackbone } from '../src/backbones/registry.ts';
import { classify, embedViews } from '../src/embed.ts';
import { initEngine } from '../src/engine/engine.ts';
import { exportOnnx, exportTfjs, linearHeadFromTrained } from '../src/export/index.ts';
import type { TrainingImage } from '../src/training/problem.ts';
import { trainHead } from '../src/training/train-head.ts';
import { type RunnerImage, runCustomVisionTfjs, serveExports } from '../test/export/consumers/customvision-tfjs.ts';
import { argmax, type Dataset, loadDataset, loadDatasets } from '../test/export/consumers/dataset-heads.ts';
import { OnnxSampleModel } from '../test/export/consumers/onnx-sample.ts';
import { initTf, loadMidBackbone, maxAbsDiff } from '../test/export/helpers/fixtures.ts';
import { ortOrNull } from '../test/export/helpers/onnxruntime.ts';

const NEAR_TIE = 0.9;

function datasetsToRun(): { datasets: Dataset[] } {
  const names = process.env.BENCH_DATASETS?.split(',').filter(Boolean);
  if (!names?.length) return loadDatasets();
  return { datasets: names.map(loadDataset) };
}

const loaded = datasetsToRun();
if (!ortOrNull) {
  console.error('onnxruntime-node is not installed: the ONNX sample cannot run');
  process.exit(2);
}
await initEngine();
await initTf();
const compact = await getBackbone('compact');
const exportBackbone = loadMidBackbone();
const workDir = mkdtempSync(path.join(tmpdir(), 'cvkit-consumers-'));

interface Row {
  photo: string;
  server: number[];
  tfjs?: number[];
  sample: number[];
}
const report: Record<string, unknown> = { backbone: compact.cacheKey };
try {
  const exports: Record<string, Awaited<ReturnType<typeof exportTfjs>>> = {};
  const jobs: { dataset: string; images: RunnerImage[] }[] = [];
  const rows = new Map<string, Row[]>();
  const labels = new Map<string, string[]>();
  for (const dataset of loaded.datasets) {
    const images: TrainingImage[] = [];
    for (const photo of dataset.training) {
      const { features } = await embedViews(compact, photo.bytes, ['centre', 'centre-mirrored']);
      images.push({ features, tags: [photo.tag] });
    }
    const { head } = await trainHead({
      backbone: { ...compact, defaultL2: compact.spec.defaultL2 },
      tagIds: dataset.tags,
      tagTypes: dataset.tags.map(() => 'Regular' as const),
      images,
      classificationType: 'Multiclass',
      trainingType: 'Regular',
      predictionViews: ['centre'],
      evaluate: false,
    });
    const linear = linearHeadFromTrained(head, dataset.tags);
    exports[dataset.name] = await exportTfjs({ backbone: exportBackbone, head: linear });
    const onnx = await exportOnnx({ backbone: exportBackbone, head: linear, flavor: null });
    const sample = await OnnxSampleModel.create(ortOrNull, onnx.find((f) => f.path === 'model.onnx')!.bytes);
    const runnerImages: RunnerImage[] = [];
    const datasetRows: Row[] = [];
    for (const photo of dataset.heldOut) {
      const predictions = await classify(head, compact, photo.bytes);
      const byTag = new Map(predictions.map((p) => [p.tagId, p.probability]));
      const server = dataset.tags.map((t) => byTag.get(t)!);
      const sampled = (await sample.predict(photo.bytes)).model_output!;
      datasetRows.push({ photo: photo.name, server, sample: Array.from(sampled) });
      const { data, info } = await sharp(photo.bytes)
        .rotate()
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const file = path.join(workDir, `${dataset.name}-${runnerImages.length}.rgba`);
      writeFileSync(file, data);
      runnerImages.push({ name: photo.name, rgbaFile: file, width: info.width, height: info.height });
    }
    await sample.release();
    rows.set(dataset.name, datasetRows);
    labels.set(dataset.name, dataset.tags);
    jobs.push({ dataset: dataset.name, images: runnerImages });
  }

  const served = await serveExports(exports);
  try {
    const output = await runCustomVisionTfjs(
      jobs.map((job) => ({ modelUrl: served.modelUrl(job.dataset), images: job.images })),
      15 * 60_000,
    );
    report.customVisionTfjs = `@microsoft/customvision-tfjs on tfjs ${output.tfjsVersion} (${output.backend})`;
    jobs.forEach((job, j) => {
      output.jobs[j]!.results.forEach((r, i) => {
        rows.get(job.dataset)![i]!.tfjs = r.probabilities;
      });
    });
  } finally {
    await served.close();
  }

  for (const [dataset, datasetRows] of rows) {
    const tags = labels.get(dataset)!;
    const summary = (consumer: 'tfjs' | 'sample') => {
      const diffs = datasetRows.map((r) => maxAbsDiff(r[consumer]!, r.server));
      const flips = datasetRows.filter((r) => argmax(r[consumer]!) !== argmax(r.server)).map((r) => r.photo);
      return {
        photos: datasetRows.length,
        sameTopTag: datasetRows.length - flips.length,
        over002: diffs.filter((d) => d > 0.02).length,
        maxAbsDiff: Number(Math.max(...diffs).toExponential(2)),
        flips,
      };
    };
    report[dataset] = {
      customVisionTfjs: summary('tfjs'),
      onnxSample: summary('sample'),
      nearTies: datasetRows
        .filter((r) => Math.max(...r.server) < NEAR_TIE)
        .map((r) => ({
          photo: r.photo,
          server: `${tags[argmax(r.server)]} ${Math.max(...r.server).toFixed(3)}`,
          customVisionTfjs: `${tags[argmax(r.tfjs!)]} ${Math.max(...r.tfjs!).toFixed(3)}`,
          onnxSample: `${tags[argmax(r.sample)]} ${Math.max(...r.sample).toFixed(3)}`,
        })),
    };
  }
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
console.log(JSON.stringify(report, null, 2));
