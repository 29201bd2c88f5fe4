/**
 * The TF.js fallback (what runs when onnxruntime-node cannot load): a General-domain prediction of a 1 MP JPEG,
 * end to end (decode + the centre view + matrix-square-root bilinear pooling + the head, as heads trained since
 * 2026-12-02 predict), and where its time goes, stage by stage. Prints one JSON document.
 *
 *   npm run -s bench:fallback -w @cvkit/ml     (BENCH_PREDICTIONS=n, default 120, at least 100)
 *
 * onnxruntime-node is made unloadable the way tests do (`loadOrt` throws), so `loadBestBackbone` takes its real
 * fallback path and reports why. The head is trained (Regular, as TrainProject) on the 20 azure-cv-trees training
 * photos; the photo predicted is the first of them resized to 1155×866 (the server benchmarks' 1 MP JPEG).
 *
 * The fallback runs the backbone on worker threads (tfjs-worker-backbone.ts), one single-threaded engine each. For
 * comparison the same predictions run, interleaved in blocks of 10, on this thread's engine (`thread: 'main'`, what
 * the fallback did before the workers; its thread count is BENCH_ENGINE_THREADS, default 2 as the engine's default).
 *
 * Stages, timed one after another on the same photo on a single-threaded engine of this process (what each worker
 * runs): decode (sharp, the centre view and its mirror, as training embeds them), each view's forward pass through
 * the tapped block (the graph is executed up to the tap only), the pooling of both views, the head. cpuMs is this
 * process's CPU time per run (all threads, workers included), the fairer figure when other jobs share the cores; the
 * load average before and after is in the JSON.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { GraphModel, Tensor4D } from '@tensorflow/tfjs';
import sharp from 'sharp';
import { loadBundledModel } from '../src/backbones/nsfwjs-files.ts';
import { loadBestBackbone } from '../src/backbones/onnx-backbone.ts';
import { matrixSqrtRoots, upperTriangleL2 } from '../src/backbones/pooling-tf.ts';
import { BACKBONE_SPECS, DOMAIN_BACKBONES } from '../src/backbones/registry.ts';
import { classify, embedViews } from '../src/embed.ts';
import { getTf, initEngine } from '../src/engine/engine.ts';
import { predict } from '../src/heads/head.ts';
import { preprocessViews } from '../src/preprocess/views.ts';
import type { TrainingImage } from '../src/training/problem.ts';
import { trainHead } from '../src/training/train-head.ts';
import { loadDataset } from './datasets.ts';
import { summarise, timeRuns } from './timing.ts';

const PREDICTIONS = Math.max(100, Number(process.env.BENCH_PREDICTIONS) || 120);
const WARMUP = 5;
const VIEWS = ['centre', 'centre-mirrored'] as const;

const round = (x: number) => Number(x.toFixed(2));

/** Wall times and CPU per run of `fn`, after `warmup` runs. */
const time = (runs: number, fn: () => unknown, warmup = WARMUP) => timeRuns(runs, fn, warmup);

const loadBefore = os.loadavg().map(round);
const spec = BACKBONE_SPECS[DOMAIN_BACKBONES.general]!;
const noOrt = () => {
  throw new Error('made unloadable by the benchmark');
};
const engineThreads = Number(process.env.BENCH_ENGINE_THREADS) || 1;
await initEngine({ backend: 'wasm', threads: engineThreads });
const { backbone, runtime } = await loadBestBackbone(spec, { loadOrt: noOrt });
if (runtime.name !== 'tfjs') throw new Error(`expected the TF.js fallback, got ${runtime.description}`);
const mainThread = await loadBestBackbone(spec, { loadOrt: noOrt, thread: 'main' });

const trees = loadDataset('azure-cv-trees');
const train = trees.images.filter((i) => i.split === 'train');
const images: TrainingImage[] = [];
for (const img of train) {
  const { features } = await embedViews(backbone, readFileSync(img.path), VIEWS);
  images.push({ features, tags: [trees.tags.indexOf(img.tag)] });
}
const { head } = await trainHead({
  backbone: { ...backbone, defaultL2: spec.defaultL2 },
  tagIds: trees.tags,
  tagTypes: trees.tags.map(() => 'Regular'),
  images,
  classificationType: 'Multiclass',
  evaluate: false,
  seed: 1,
});
if (head.predictionViews.join() !== 'centre') throw new Error(`head predicts with ${head.predictionViews.join()}`);
const photo = await sharp(readFileSync(train[0]!.path))
  .rotate()
  .resize(1155, 866, { fit: 'fill' })
  .jpeg({ quality: 90 })
  .toBuffer();

// The stages, on a second copy of the graph (the backbone does not expose its parts).
const tf = getTf();
const tap = spec.taps[0]!;
const model: GraphModel = await tf.loadGraphModel(tf.io.fromMemory(loadBundledModel(spec.model).artifacts));
const pre = await preprocessViews(photo, VIEWS, { size: spec.inputSize, version: spec.preprocessing });
const view = (name: (typeof VIEWS)[number]): Tensor4D =>
  tf.tidy(() =>
    tf.tensor4d(pre.get(name)!.data, [1, spec.inputSize, spec.inputSize, 3]).mul<Tensor4D>(spec.inputScale),
  );
const inputs = VIEWS.map(view);
const forwardOne = (x: Tensor4D) => {
  const map = model.execute(x, tap.name) as Tensor4D;
  map.dataSync();
  return map;
};
const maps = inputs.map(forwardOne);
const both = tf.concat(maps) as Tensor4D;
const features = (await backbone.embed(VIEWS.map((v) => pre.get(v)!.data))) as Float32Array[];

const stages = {
  decodeBothViews: await time(PREDICTIONS, () =>
    preprocessViews(photo, VIEWS, { size: spec.inputSize, version: spec.preprocessing }),
  ),
  forwardCentre: await time(PREDICTIONS, () => forwardOne(inputs[0]!).dispose()),
  forwardMirrored: await time(PREDICTIONS, () => forwardOne(inputs[1]!).dispose()),
  poolingBothViews: await time(PREDICTIONS, () => {
    const { roots, traces } = tf.tidy(() => matrixSqrtRoots(both));
    const r = roots.dataSync() as Float32Array;
    const t = traces.dataSync() as Float32Array;
    const per = tap.channels * tap.channels;
    for (let i = 0; i < VIEWS.length; i++) upperTriangleL2(r.subarray(i * per, (i + 1) * per), t[i]!, tap.channels);
    roots.dispose();
    traces.dispose();
  }),
  head: await time(PREDICTIONS, () => predict(head, { centre: features[0]! })),
};
// End to end, the workers and this thread's engine in interleaved blocks of 10, so both see the same load.
const runs = { workers: { ms: [] as number[], cpuMs: 0 }, mainThread: { ms: [] as number[], cpuMs: 0 } };
const candidates = { workers: backbone, mainThread: mainThread.backbone };
for (const b of Object.values(candidates)) for (let i = 0; i < WARMUP; i++) await classify(head, b, photo);
for (let done = 0; done < PREDICTIONS; done += 10) {
  for (const key of ['workers', 'mainThread'] as const) {
    const block = await time(10, () => classify(head, candidates[key], photo), 0);
    runs[key].ms.push(...block.ms);
    runs[key].cpuMs += block.cpuTotalMs;
  }
}
const endToEnd = {
  workers: summarise(runs.workers.ms, runs.workers.cpuMs),
  mainThread: summarise(runs.mainThread.ms, runs.mainThread.cpuMs),
};
for (const t of [...inputs, ...maps, both]) t.dispose();
model.dispose();

console.log(
  JSON.stringify(
    {
      benchmark: 'fallback-latency',
      date: new Date().toISOString(),
      machine: { cpus: os.availableParallelism(), node: process.version },
      loadAverage: { before: loadBefore, after: os.loadavg().map(round) },
      runtime: runtime.description,
      fallback: runtime.fallback,
      mainThread: mainThread.runtime.description,
      backbone: backbone.cacheKey,
      photo: `${train[0]!.file} resized to 1155x866, JPEG ${photo.length} bytes`,
      unit: 'ms per prediction; p50/p90/min over runs after 5 warm-up runs; cpuMs = process CPU time per run',
      stagesEngine: `this process's engine, ${engineThreads} thread(s)`,
      target: 'endToEnd p50 <= 60 ms (issue 20)',
      endToEnd,
      stages,
    },
    null,
    2,
  ),
);
process.exit(0);
