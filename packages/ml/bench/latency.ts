/**
 * Latency benchmark: end-to-end embedding of ~1 MP JPEGs at batch 1 (sharp decode + preprocessing + backbone),
 * the same with mirror test-time augmentation (what `classify` does), and head training time for 20 images.
 * Prints one JSON document on stdout; redirect it to keep it.
 *
 *   npm run bench:latency -w @cvkit/ml     (BENCH_RUNS=n: images timed per figure, at least 30; default 45)
 *
 * Images: ai102-fruit (45 photos of 1024x768 = 0.79 MP), else synthetic 1024x1024 JPEGs. Training: the 20
 * azure-cv-trees training photos. Timings depend on what else runs: the load average is in the JSON.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import sharp from 'sharp';
import {
  type Backbone,
  embedViews,
  engineInfo,
  getBackboneWithRuntime,
  initEngine,
  loadBackbone,
  preprocess,
  type TrainingImage,
  trainHead,
} from '../src/index.ts';
import { loadDataset } from './datasets.ts';

const RUNS = Math.max(30, Number(process.env.BENCH_RUNS) || 45);

const round = (x: number) => Number(x.toFixed(2));
function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))]!;
  return { p50: round(q(0.5)), p90: round(q(0.9)), min: round(s[0]!), runs: s.length };
}

async function images(): Promise<{ source: string; bytes: Buffer[] }> {
  const fruit = loadDataset('ai102-fruit');
  if (fruit) {
    const files = fruit.images.filter((i) => i.split === 'train').map((i) => readFileSync(i.path));
    return { source: 'ai102-fruit train (1024x768 JPEG)', bytes: files };
  }
  const bytes: Buffer[] = [];
  for (let i = 0; i < RUNS; i++) {
    const noise = Buffer.alloc(1024 * 1024 * 3);
    for (let j = 0; j < noise.length; j++) noise[j] = (j * 7 + i * 13 + (j >> 10) * 31) & 255;
    bytes.push(
      await sharp(noise, { raw: { width: 1024, height: 1024, channels: 3 } })
        .jpeg()
        .toBuffer(),
    );
  }
  return { source: 'synthetic 1024x1024 JPEG', bytes };
}

async function embedLatency(backbone: Backbone, bytes: Buffer[]) {
  for (let i = 0; i < 5; i++) await embedViews(backbone, bytes[i % bytes.length]!);
  const decode: number[] = [];
  const forward: number[] = [];
  const endToEnd: number[] = [];
  const tta: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const b = bytes[i % bytes.length]!;
    const t0 = performance.now();
    const pre = await preprocess(b, { size: backbone.inputSize, version: backbone.spec.preprocessing });
    const t1 = performance.now();
    await backbone.embed([pre.data]);
    const t2 = performance.now();
    decode.push(t1 - t0);
    forward.push(t2 - t1);
    endToEnd.push(t2 - t0);
    const t3 = performance.now();
    await embedViews(backbone, b, ['centre', 'centre-mirrored']);
    tta.push(performance.now() - t3);
  }
  return {
    decodeAndPreprocess: stats(decode),
    backboneBatch1: stats(forward),
    endToEndCentreView: stats(endToEnd),
    endToEndCentreAndMirror: stats(tta),
  };
}

async function trainingTime(backbone: Backbone) {
  const trees = loadDataset('azure-cv-trees');
  const train = trees.images.filter((i) => i.split === 'train');
  const images: TrainingImage[] = [];
  for (const img of train) {
    const { features } = await embedViews(backbone, readFileSync(img.path), ['centre', 'centre-mirrored']);
    images.push({ features, tags: [trees.tags.indexOf(img.tag)] });
  }
  const run = async (evaluate: boolean) => {
    const ms: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      await trainHead({
        backbone: { ...backbone, defaultL2: backbone.spec.defaultL2 },
        tagIds: trees.tags,
        tagTypes: trees.tags.map(() => 'Regular'),
        images,
        classificationType: 'Multiclass',
        evaluate,
        seed: i,
      });
      ms.push(performance.now() - t0);
    }
    return stats(ms);
  };
  return { images: images.length, finalFitOnly: await run(false), withFiveFoldEvaluation: await run(true) };
}

async function main() {
  await initEngine();
  const loadBefore = os.loadavg();
  const { source, bytes } = await images();
  const results: Record<string, unknown> = {};
  for (const id of ['mnv2-140-b12-msqrt', 'mnv2-140-gap']) {
    const { backbone, runtime } = await getBackboneWithRuntime(id);
    results[id] = {
      runtime: runtime.description,
      ...(runtime.fallback ? { runtimeFallback: runtime.fallback } : {}),
      dim: backbone.dim,
      embedding: await embedLatency(backbone, bytes),
      headTraining20Images: await trainingTime(backbone),
    };
    if (runtime.name !== 'tfjs') {
      const tfjs = await loadBackbone(backbone.spec);
      results[`${id} (tfjs)`] = { runtime: 'tfjs', embedding: await embedLatency(tfjs, bytes) };
      tfjs.dispose();
    }
  }
  const doc = {
    benchmark: 'latency',
    date: new Date().toISOString(),
    images: source,
    engine: engineInfo(),
    node: process.version,
    cpus: os.cpus().length,
    loadAverage: { before: loadBefore.map(round), after: os.loadavg().map(round) },
    results,
  };
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
}

await main();
