/**
 * Few-shot benchmark (issue 20): train on n photos per tag drawn at random, predict every other photo of the set.
 * Prints one JSON document on stdout (progress on stderr).
 *
 *   npm run bench:fewshot -w @cvkit/ml
 *
 * Environment: FEWSHOT_DRAWS (random draws per setting, default 5), FEWSHOT_SHOTS (default "5,10"),
 * FEWSHOT_DATASETS (default "mlnet-flowers-small,ai102-fruit"), FEWSHOT_BACKBONES (default the General and compact
 * backbones), FEWSHOT_PROTOTYPES ("1" adds the class-prototype search, heads/prototypes.ts), FEWSHOT_TRAINING (Regular or
 * Advanced, default Regular), FEWSHOT_CROPS ("0" hands trainHead only the centre view and its mirror, as the server
 * embedded them for Regular training before small projects also trained on the crop views). Heads are trained as
 * the server trains them (cross-validated evaluation on, which
 * is also what picks any L2 strength or prototype weight, on the training photos only); the held-out photos are
 * only predicted.
 * Features come from the same on-disk cache as the classification benchmark.
 */
import {
  getBackboneWithRuntime,
  type ImageFeatures,
  initEngine,
  PROTOTYPE_WEIGHTS,
  predict,
  type TrainingType,
  trainHead,
} from '../src/index.ts';
import { loadDataset } from './datasets.ts';
import { drawPerTag, meanSd } from './draws.ts';
import { datasetFeatures } from './feature-cache.ts';
import { round, startReport } from './report.ts';

const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').filter(Boolean);
const DRAWS = Math.max(1, Number(process.env.FEWSHOT_DRAWS) || 5);
const SHOTS = list('FEWSHOT_SHOTS', '5,10').map(Number);
const DATASETS = list('FEWSHOT_DATASETS', 'mlnet-flowers-small,ai102-fruit');
const BACKBONES = list('FEWSHOT_BACKBONES', 'mnv2-140-b12-msqrt,mnv2-140-gap');
const PROTOTYPES = process.env.FEWSHOT_PROTOTYPES === '1' ? [...PROTOTYPE_WEIGHTS] : [0];
const TRAINING = (process.env.FEWSHOT_TRAINING ?? 'Regular') as TrainingType;
const CROPS = process.env.FEWSHOT_CROPS !== '0';
const trainingFeatures = (f: ImageFeatures): ImageFeatures =>
  CROPS ? f : { centre: f.centre!, 'centre-mirrored': f['centre-mirrored']! };

async function main() {
  const report = startReport('few-shot');
  await initEngine();
  const results: unknown[] = [];
  for (const name of DATASETS) {
    const ds = loadDataset(name);
    for (const id of BACKBONES) {
      const { backbone } = await getBackboneWithRuntime(id);
      const features = await datasetFeatures(backbone, ds);
      for (const shots of SHOTS) {
        const accs: number[] = [];
        const betas: number[] = [];
        const seconds: number[] = [];
        for (let d = 1; d <= DRAWS; d++) {
          const train = drawPerTag(
            ds.images.map((i) => i.tag),
            shots,
            1000 * shots + d,
          );
          const t0 = performance.now();
          const { head } = await trainHead({
            backbone: { ...backbone, defaultL2: backbone.spec.defaultL2 },
            tagIds: ds.tags,
            tagTypes: ds.tags.map(() => 'Regular'),
            images: ds.images
              .filter((_, i) => train.has(i))
              .map((img) => ({
                features: trainingFeatures(features.get(img.file)!),
                tags: [ds.tags.indexOf(img.tag)],
              })),
            classificationType: 'Multiclass',
            trainingType: TRAINING,
            prototypeWeights: PROTOTYPES,
            seed: d,
          });
          seconds.push((performance.now() - t0) / 1000);
          const test = ds.images.filter((_, i) => !train.has(i));
          const right = test.filter((img) => predict(head, features.get(img.file)!)[0]!.tagId === img.tag).length;
          accs.push(right / test.length);
          betas.push(head.training.prototypeWeight ?? 0);
        }
        const { mean, sd } = meanSd(accs);
        const row = {
          dataset: name,
          backbone: id,
          trainingType: TRAINING,
          shots,
          heldOut: ds.images.length - shots * ds.tags.length,
          draws: DRAWS,
          prototypes: PROTOTYPES.length > 1,
          cropViews: CROPS,
          accuracyMean: round(mean),
          accuracySd: round(sd),
          accuracyMin: round(Math.min(...accs)),
          accuracyMax: round(Math.max(...accs)),
          accuracyPerDraw: accs.map((a) => round(a)),
          prototypeWeightPerDraw: betas,
          trainSecondsMean: round(seconds.reduce((a, b) => a + b, 0) / seconds.length, 2),
        };
        results.push(row);
        process.stderr.write(`${JSON.stringify(row)}\n`);
      }
    }
  }
  report(results);
}

await main();
