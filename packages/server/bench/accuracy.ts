/**
 * Accuracy of the server's training pipeline (the engine TrainProject runs) on the shared datasets: top-1 accuracy
 * of the out-of-fold predictions of its stratified 5-fold cross-validation, plus held-out test images where a
 * dataset has them. Regular and Advanced training. Prints JSON.
 * Run: `npm run bench:accuracy -w @cvkit/server` (needs ../shared/datasets).
 */
import { createLogger } from '../src/logging.ts';
import type { TrainingJob } from '../src/ml/classifier-engine.ts';
import type { Evaluation } from '../src/ml/evaluation-metrics.ts';
import { createTfjsEngine } from '../src/ml/tfjs-engine.ts';
import type { FeatureStore } from '../src/storage/types.ts';
import { datasetImages, haveDataset } from '../test/helpers/datasets.ts';

const DATASETS = (
  process.env.BENCH_DATASETS ?? 'azure-cv-trees,ai102-fruit,azure-cv-fork-scissors,mlnet-flowers-small'
).split(',');

const memoryFeatures = (): FeatureStore => {
  const m = new Map<string, Float32Array[]>();
  return {
    async getMany(key, hashes) {
      return new Map(hashes.filter((h) => m.has(`${key}/${h}`)).map((h) => [h, m.get(`${key}/${h}`)!]));
    },
    async put(key, hash, views) {
      m.set(`${key}/${hash}`, views);
    },
  };
};

const engine = createTfjsEngine({ logger: createLogger('warn'), features: memoryFeatures() });
const results: Record<string, unknown> = { engine: await engine.describe() };
for (const name of DATASETS) {
  if (!haveDataset(name)) {
    results[name] = { skipped: 'not found' };
    continue;
  }
  const train = datasetImages(name, 'train');
  const test = datasetImages(name, 'test');
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
  for (const trainingType of ['Regular', 'Advanced'] as const) {
    const started = performance.now();
    const trained = await engine.train({
      backbone: 'general',
      classificationType: 'Multiclass',
      trainingType,
      augment: true,
      tags,
      images,
      loadImage: async (h) => bytes.get(h)!,
    });
    const ms = performance.now() - started;
    const evaluation = JSON.parse(Buffer.from(trained.evaluation).toString()) as Evaluation;
    const correct = evaluation.images.filter((img) => {
      const best = img.probabilities.indexOf(Math.max(...img.probabilities));
      return img.truth.includes(evaluation.tags[best]!.id);
    }).length;
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
    out[trainingType] = {
      cvAccuracy: Math.round((correct / evaluation.images.length) * 1000) / 1000,
      folds: evaluation.folds,
      heldOut,
      trainMs: Math.round(ms),
    };
  }
  results[name] = out;
}
console.log(JSON.stringify(results, null, 2));
process.exit(0);
