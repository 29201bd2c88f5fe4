/**
 * Advanced training's fit alone on mlnet-flowers-small (General backbone, features cached on disk): process CPU
 * time, wall time, cross-validated accuracy and the search. Run: `nice -n 15 npx tsx bench/advanced-fit.ts`.
 */
import { accuracy, getBackboneWithRuntime, initEngine, trainHead } from '../src/index.ts';
import { loadDataset } from './datasets.ts';
import { datasetFeatures } from './feature-cache.ts';

await initEngine();
const ds = loadDataset('mlnet-flowers-small');
const { backbone } = await getBackboneWithRuntime(process.env.BENCH_BACKBONE ?? 'general');
const features = await datasetFeatures(backbone, ds);
const seeds = (process.env.BENCH_SEEDS ?? '1').split(',').map(Number);
for (const seed of seeds) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { head, evaluation } = await trainHead({
    backbone: { ...backbone, defaultL2: backbone.spec.defaultL2 },
    tagIds: ds.tags,
    tagTypes: ds.tags.map(() => 'Regular'),
    images: ds.images.map((img) => ({ features: features.get(img.file)!, tags: [ds.tags.indexOf(img.tag)] })),
    classificationType: 'Multiclass',
    trainingType: (process.env.BENCH_TYPE as 'Advanced' | 'Regular') ?? 'Advanced',
    augment: true,
    seed,
  });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      seed,
      backbone: backbone.id,
      accuracy: accuracy(evaluation!),
      l2: head.training.l2,
      iterations: head.training.iterations,
      search: head.training.search,
      wallS: +(wall / 1000).toFixed(2),
      cpuS: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    }),
  );
}
