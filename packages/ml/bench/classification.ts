/**
 * Classification benchmark on the shared data sets, through the public API (embedViews → trainHead → metrics).
 * Prints one JSON document on stdout (progress lines on stderr); redirect it to keep it. Not written into the
 * package: biome would lint it.
 *
 *   npm run bench -w @cvkit/ml            (BENCH_SEEDS=n for the number of fold shuffles, default 3)
 *   (BENCH_DATASETS, BENCH_BACKBONES, BENCH_TRAINING: comma-separated subsets of the data sets, backbones, training types)
 *
 * Accuracy is top-1 over the out-of-fold predictions of k-fold cross-validation (k = 5 here) on all labelled images
 * of a set, the same evaluation trainHead returns to the server; "heldOut" trains on train/ and predicts test/
 * where a set has one (1–3 images, so only a sanity check). Features are cached in bench-results/feature-cache
 * (keyed by backbone cache key, bench/feature-cache.ts) so reruns only retrain heads.
 */
import {
  accuracy,
  type Backbone,
  getBackboneWithRuntime,
  type ImageFeatures,
  initEngine,
  metricsAt,
  predict,
  type TrainingType,
  trainHead,
  VIEW_NAMES,
  type ViewName,
} from '../src/index.ts';
import { type Dataset, loadDataset } from './datasets.ts';
import { datasetFeatures } from './feature-cache.ts';
import { round, startReport } from './report.ts';

const SEEDS = Math.max(1, Number(process.env.BENCH_SEEDS) || 3);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Config {
  backbone: string;
  trainingType: TrainingType;
  augment: boolean;
  /** Test-time views when not the default (centre + mirror). */
  predictionViews?: ViewName[];
}

async function crossValidate(ds: Dataset, features: Map<string, ImageFeatures>, backbone: Backbone, cfg: Config) {
  const tagIds = ds.tags;
  const images = ds.images.map((img) => ({ features: features.get(img.file)!, tags: [tagIds.indexOf(img.tag)] }));
  const accs: number[] = [];
  const times: number[] = [];
  const aps: number[] = [];
  let l2: number[] = [];
  let views = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const t0 = performance.now();
    const { head, evaluation } = await trainHead({
      backbone: { ...backbone, defaultL2: backbone.spec.defaultL2 },
      tagIds,
      tagTypes: tagIds.map(() => 'Regular'),
      images,
      classificationType: 'Multiclass',
      trainingType: cfg.trainingType,
      augment: cfg.augment,
      ...(cfg.predictionViews ? { predictionViews: cfg.predictionViews } : {}),
      seed,
    });
    times.push(performance.now() - t0);
    accs.push(accuracy(evaluation!));
    aps.push(metricsAt(evaluation!, 0.5).averagePrecision ?? 0);
    l2 = [...l2, head.training.l2];
    views = head.predictionViews.length;
  }
  return {
    ...cfg,
    folds: 5,
    seeds: SEEDS,
    accuracy: round(median(accs)),
    accuracyPerSeed: accs.map((a) => round(a)),
    meanAveragePrecision: round(median(aps)),
    chosenL2: l2,
    predictionViews: views,
    trainSecondsMedian: round(median(times) / 1000, 2),
  };
}

async function heldOut(ds: Dataset, features: Map<string, ImageFeatures>, backbone: Backbone, cfg: Config) {
  const train = ds.images.filter((i) => i.split === 'train');
  const test = ds.images.filter((i) => i.split === 'test');
  if (test.length === 0) return null;
  const { head } = await trainHead({
    backbone: { ...backbone, defaultL2: backbone.spec.defaultL2 },
    tagIds: ds.tags,
    tagTypes: ds.tags.map(() => 'Regular'),
    images: train.map((img) => ({ features: features.get(img.file)!, tags: [ds.tags.indexOf(img.tag)] })),
    classificationType: 'Multiclass',
    trainingType: cfg.trainingType,
    augment: cfg.augment,
    evaluate: false,
    seed: 1,
  });
  const correct = test.filter((img) => predict(head, features.get(img.file)!)[0]!.tagId === img.tag).length;
  return { correct, total: test.length };
}

async function main() {
  const report = startReport('classification');
  await initEngine();
  const names = (process.env.BENCH_DATASETS ?? 'azure-cv-trees,ai102-fruit,azure-cv-fork-scissors,mlnet-flowers-small')
    .split(',')
    .filter(Boolean);
  const results: unknown[] = [];
  for (const name of names) {
    process.stderr.write(`${name}\n`);
    const ds = loadDataset(name);
    const hard = name === 'mlnet-flowers-small';
    const configs: Config[] = hard
      ? [
          { backbone: 'mnv2-140-gap', trainingType: 'Regular', augment: false },
          { backbone: 'mnv2-140-gap', trainingType: 'Regular', augment: true },
          { backbone: 'mnv2-140-gap', trainingType: 'Advanced', augment: true },
          { backbone: 'mnv2-140-b12-bilinear', trainingType: 'Regular', augment: true },
          { backbone: 'mnv2-140-b12-msqrt', trainingType: 'Regular', augment: false },
          { backbone: 'mnv2-140-b12-msqrt', trainingType: 'Regular', augment: true },
          { backbone: 'mnv2-140-b12-msqrt', trainingType: 'Advanced', augment: true },
          {
            backbone: 'mnv2-140-b12-msqrt',
            trainingType: 'Advanced',
            augment: true,
            predictionViews: [...VIEW_NAMES],
          },
        ]
      : [
          { backbone: 'mnv2-140-gap', trainingType: 'Regular', augment: true },
          { backbone: 'mnv2-140-b12-bilinear', trainingType: 'Regular', augment: true },
          { backbone: 'mnv2-140-b12-msqrt', trainingType: 'Regular', augment: true },
        ];
    const only = (variable: string, value: string) =>
      !process.env[variable] || process.env[variable]!.split(',').includes(value);
    for (const cfg of configs.filter(
      (c) => only('BENCH_BACKBONES', c.backbone) && only('BENCH_TRAINING', c.trainingType),
    )) {
      const { backbone, runtime } = await getBackboneWithRuntime(cfg.backbone);
      const features = await datasetFeatures(backbone, ds);
      const cv = await crossValidate(ds, features, backbone, cfg);
      const held = await heldOut(ds, features, backbone, cfg);
      const row = {
        dataset: name,
        images: ds.images.length,
        tags: ds.tags.length,
        embedRuntime: runtime.name,
        ...cv,
        heldOut: held,
      };
      results.push(row);
      process.stderr.write(`${JSON.stringify(row)}\n`);
    }
  }
  report(results);
}

await main();
