/**
 * Accuracy of the server's training pipeline (the engine TrainProject runs) on the shared datasets: top-1 accuracy
 * of the out-of-fold predictions of its stratified 5-fold cross-validation, plus held-out test images where a
 * dataset has them. Compact and general domains, Regular and Advanced training (BENCH_DOMAINS, BENCH_TYPES narrow
 * it). Prints JSON.
 * Run: `npm run bench:accuracy -w @cvkit/server`.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { accuracy } from '@cvkit/ml';
import { createLogger } from '../src/logging.ts';
import type { TrainingJob } from '../src/ml/classifier-engine.ts';
import { createMlEngine } from '../src/ml/ml-engine.ts';
import { decodeStoredEvaluation } from '../src/ml/stored-formats.ts';
import type { FeatureStore } from '../src/storage/types.ts';
import { datasetImages, datasetsDir } from '../test/helpers/datasets.ts';

const DATASETS = (
  process.env.BENCH_DATASETS ?? 'azure-cv-trees,ai102-fruit,azure-cv-fork-scissors,mlnet-flowers-small'
).split(',');

const memoryFeatures = (): Pick<FeatureStore, 'getMany' | 'put' | 'putMany'> => {
  const m = new Map<string, Float32Array[]>();
  return {
    async getMany(key, hashes) {
      return new Map(hashes.filter((h) => m.has(`${key}/${h}`)).map((h) => [h, m.get(`${key}/${h}`)!]));
    },
    async put(key, hash, views) {
      m.set(`${key}/${hash}`, views);
    },
    async putMany(entries) {
      for (const e of entries) m.set(`${e.backboneKey}/${e.hash}`, e.views);
    },
  };
};

const DOMAINS = (process.env.BENCH_DOMAINS ?? 'general,compact').split(',') as ('general' | 'compact')[];
const TYPES = (process.env.BENCH_TYPES ?? 'Regular,Advanced').split(',') as ('Regular' | 'Advanced')[];
const engine = createMlEngine({ logger: createLogger('warn'), features: memoryFeatures() });
const results: Record<string, unknown> = { engine: await engine.describe() };
for (const name of DATASETS) {
  const train = datasetImages(name, 'train');
  // mlnet-flowers-small has no test split.
  const test = existsSync(join(datasetsDir, name, 'test')) ? datasetImages(name, 'test') : new Map();
  const tags = [...train.keys()].map((t) => ({ id: t, name: t, type: 'Regular' as const }));
  const bytes = new Map<string, Buffer>();
  const images: TrainingJob['images'] = [];
  for (const [tag, files] of train)
    for (const f of files) {
      const hash = `${tag}/${f.file}`;
      bytes.set(hash, f.bytes);
      images.push({ id: hash, contentHash: hash, tagIds: [tag] });
    }
  const out: Record<string, unknown> = { images: images.length, tags: tags.length };
  for (const backbone of DOMAINS)
    for (const trainingType of TYPES) {
      const started = performance.now();
      // Training shares the server's event loop: the longest stall is what a concurrent request waits at worst.
      const stalls = monitorEventLoopDelay({ resolution: 5 });
      stalls.enable();
      const trained = await engine.train({
        backbone,
        classificationType: 'Multiclass',
        trainingType,
        augment: true,
        tags,
        images,
        loadImage: async (h) => bytes.get(h)!,
      });
      const ms = performance.now() - started;
      stalls.disable();
      const { data } = decodeStoredEvaluation(trained.evaluation);
      let heldOut: { correct: number; total: number } | undefined;
      if (test.size) {
        heldOut = { correct: 0, total: 0 };
        for (const [tag, files] of test)
          for (const f of files) {
            const [top] = await engine.predict(trained.model, f.bytes);
            heldOut.total++;
            if (top?.tagId === tag) heldOut.correct++;
          }
      }
      out[`${backbone}/${trainingType}`] = {
        cvAccuracy: Math.round(accuracy(data) * 1000) / 1000,
        folds: data.folds,
        heldOut,
        trainMs: Math.round(ms),
        eventLoopMaxStallMs: Math.round(stalls.max / 1e6),
      };
    }
  results[name] = out;
}
console.log(JSON.stringify(results, null, 2));
process.exit(0);
