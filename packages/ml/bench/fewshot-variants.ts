/**
 * What feature-side and head-side changes buy at few shots (issue 20), on the same draws as bench/fewshot.ts, with
 * the General backbone's network. Prints one JSON document on stdout (progress on stderr).
 *
 *   npm run bench:fewshot-variants -w @cvkit/ml
 *
 * Environment: FEWSHOT_DRAWS (default 5), FEWSHOT_SHOTS (default "5,10"), FEWSHOT_DATASETS (default
 * "mlnet-flowers-small"), FEWSHOT_VARIANTS (default all, names below).
 *
 * Features come from experimental specs of the mid network, embedded once under every view and cached like the
 * other benchmarks': one forward pass gives block 12 (the General tap), block 11 and block 15 with matrix-square-root
 * bilinear pooling, and the final global average (the compact features); block 12 is also read with a 320-pixel
 * input. Each variant's head is fitted by `trainHead` (Regular, the backbone's default L2 strength) on the drawn
 * photos; the held-out photos are only predicted. The CPU time per view of each spec is measured on the same
 * machine, since anything beyond block 12 costs every prediction.
 */
import { readFileSync } from 'node:fs';
import { pooledSize } from '../src/backbones/pooling.ts';
import {
  BACKBONE_SPECS,
  type Backbone,
  type BackboneSpec,
  type ImageFeatures,
  initEngine,
  loadBestBackbone,
  preprocessViews,
  tagProbabilities,
  trainHead,
  VIEW_NAMES,
  type ViewName,
} from '../src/index.ts';
import { type Dataset, loadDataset } from './datasets.ts';
import { drawPerTag, meanSd } from './draws.ts';
import { datasetFeatures } from './feature-cache.ts';
import { round, startReport } from './report.ts';

const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').filter(Boolean);
const DRAWS = Math.max(1, Number(process.env.FEWSHOT_DRAWS) || 5);
const SHOTS = list('FEWSHOT_SHOTS', '5,10').map(Number);
const DATASETS = list('FEWSHOT_DATASETS', 'mlnet-flowers-small');

const GENERAL = BACKBONE_SPECS['mnv2-140-b12-msqrt']!;
const [B12] = GENERAL.taps;
const NODE = B12!.name.replace(/expanded_conv_12\/add$/, '');
const TAPS = {
  b12: B12!,
  gap: BACKBONE_SPECS['mnv2-140-gap']!.taps[0]!,
  b11: { name: `${NODE}expanded_conv_11/add`, channels: 136, pooling: 'bilinear-msqrt' as const },
  b15: { name: `${NODE}expanded_conv_15/add`, channels: 224, pooling: 'bilinear-msqrt' as const },
};
type TapName = keyof typeof TAPS | 'b12@320';
const SPECS: { id: string; inputSize: number; taps: (keyof typeof TAPS)[]; names: TapName[] }[] = [
  {
    id: 'fewshot-b12-gap-b11-b15',
    inputSize: 224,
    taps: ['b12', 'gap', 'b11', 'b15'],
    names: ['b12', 'gap', 'b11', 'b15'],
  },
  { id: 'fewshot-b12-320', inputSize: 320, taps: ['b12'], names: ['b12@320'] },
];
const specOf = (s: (typeof SPECS)[number]): BackboneSpec => ({
  ...GENERAL,
  id: s.id,
  description: `experimental: ${s.taps.join(', ')} at ${s.inputSize}`,
  inputSize: s.inputSize,
  taps: s.taps.map((t) => TAPS[t]),
});

/** One image's features per view, split by tap. */
type Split = Partial<Record<ViewName, Partial<Record<TapName, Float32Array>>>>;

const unit = (v: Float32Array): Float32Array => {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  return v.map((x) => x / n);
};
const concat = (parts: Float32Array[]): Float32Array => {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const scaled = (v: Float32Array, w: number) => v.map((x) => x * w);

interface Variant {
  /** What it is, for the report. */
  what: string;
  /** Feature vectors of one view; `mean` is each tap's mean over the drawn photos' centre views. */
  features: (
    taps: Partial<Record<TapName, Float32Array>>,
    mean: Partial<Record<TapName, Float32Array>>,
  ) => Float32Array;
  /** Hand the crop views to trainHead (Regular then uses the ones it trains small projects on). */
  crops?: boolean;
  /** Advanced's rows (every crop and mirror) at the default L2 strength instead of Regular's. */
  advancedRows?: boolean;
  /** Views averaged at prediction (default centre and mirror). */
  predictionViews?: ViewName[];
  /** Late fusion: a second head on these features, its log-probabilities added with weight `weight`. */
  second?: { features: Variant['features']; weight: number };
}

const b12 = (t: Partial<Record<TapName, Float32Array>>) => t.b12!;
const VARIANTS: Record<string, Variant> = {
  general: { what: 'General features, centre and mirror (the Regular training before this change)', features: b12 },
  'general+corners': {
    what: 'two opposite corner crops as extra training rows (Regular on at most 100 images now)',
    features: b12,
    crops: true,
  },
  'general+advanced-crops': {
    what: "Advanced's rows: four corners and a zoom, each with its mirror (default L2, no search)",
    features: b12,
    crops: true,
    advancedRows: true,
  },
  'general+advanced-crops+tta': {
    what: "Advanced's rows and all 12 views averaged at prediction (6x the backbone cost per prediction)",
    features: b12,
    crops: true,
    advancedRows: true,
    predictionViews: [...VIEW_NAMES],
  },
  centred: {
    what: 'SimpleShot CL2N: centred on the drawn photos, unit norm',
    features: (t, m) => unit(t.b12!.map((x, i) => x - m.b12![i]!)),
  },
  power: {
    what: 'power transform: signed square root, unit norm',
    features: (t) => unit(t.b12!.map((x) => Math.sign(x) * Math.sqrt(Math.abs(x)))),
  },
  gap: { what: 'final global average (1792), unit norm', features: (t) => unit(t.gap!) },
  'b12+gap/2': {
    what: 'early fusion: block 12 ‖ ½ final average',
    features: (t) => concat([t.b12!, scaled(unit(t.gap!), 0.5)]),
  },
  'b12+gap': { what: 'early fusion: block 12 ‖ final average', features: (t) => concat([t.b12!, unit(t.gap!)]) },
  'b12+2gap': {
    what: 'early fusion: block 12 ‖ 2 final average',
    features: (t) => concat([t.b12!, scaled(unit(t.gap!), 2)]),
  },
  'late-gap/4': {
    what: 'late fusion: log p(block-12 head) + ¼ log p(final-average head)',
    features: b12,
    second: { features: (t) => unit(t.gap!), weight: 0.25 },
  },
  'late-gap': {
    what: 'late fusion: log p(block-12 head) + log p(final-average head)',
    features: b12,
    second: { features: (t) => unit(t.gap!), weight: 1 },
  },
  b11: { what: 'block 11 bilinear (msqrt)', features: (t) => t.b11! },
  b15: { what: 'block 15 bilinear (msqrt), 7×7×224: 25200 features', features: (t) => t.b15! },
  'b11+b12': { what: 'blocks 11 and 12 bilinear', features: (t) => concat([t.b11!, t.b12!]) },
  'b12+b15': { what: 'blocks 12 and 15 bilinear', features: (t) => concat([t.b12!, t.b15!]) },
  'b12+b15+gap': {
    what: 'blocks 12, 15 bilinear and final average',
    features: (t) => concat([t.b12!, t.b15!, unit(t.gap!)]),
  },
  'b12@320': { what: 'block 12 bilinear, 320-pixel input (20×20 map)', features: (t) => t['b12@320']! },
  'b12@224+320': { what: 'block 12 bilinear at 224 and 320', features: (t) => concat([t.b12!, t['b12@320']!]) },
};
const CHOSEN = list('FEWSHOT_VARIANTS', Object.keys(VARIANTS).join(','));

/**
 * Backbone CPU milliseconds (every thread of this process) per view, one image per run as a lone prediction runs,
 * over the data set's first photos; decoding and resizing are not counted (the same for every spec).
 */
async function cpuMsPerView(backbone: Backbone, ds: Dataset): Promise<number> {
  const inputs: Float32Array[] = [];
  for (const img of ds.images.slice(0, 24)) {
    const views = await preprocessViews(readFileSync(img.path), ['centre'], {
      size: backbone.inputSize,
      version: backbone.spec.preprocessing,
    });
    inputs.push(views.get('centre')!.data);
  }
  await backbone.embed([inputs[0]!]);
  const t0 = process.cpuUsage();
  for (const x of inputs) await backbone.embed([x]);
  const cpu = process.cpuUsage(t0);
  return (cpu.user + cpu.system) / 1000 / inputs.length;
}

async function main() {
  const report = startReport('few-shot variants');
  await initEngine();
  const results: unknown[] = [];
  for (const name of DATASETS) {
    const ds = loadDataset(name);
    const split: Split[] = ds.images.map(() => ({}));
    const cost: Record<string, number> = {};
    for (const s of SPECS) {
      const { backbone } = await loadBestBackbone(specOf(s));
      const features = await datasetFeatures(backbone, ds);
      const dims = s.taps.map((t) => pooledSize(TAPS[t].pooling ?? 'mean', TAPS[t].channels));
      ds.images.forEach((img, i) => {
        const f = features.get(img.file)!;
        for (const view of VIEW_NAMES) {
          let offset = 0;
          const perView = split[i]![view] ?? {};
          split[i]![view] = perView;
          s.names.forEach((tap, k) => {
            perView[tap] = f[view]!.subarray(offset, offset + dims[k]!);
            offset += dims[k]!;
          });
        }
      });
      cost[s.id] = round(await cpuMsPerView(backbone, ds), 1);
      backbone.dispose();
    }
    const { backbone: general } = await loadBestBackbone(GENERAL);
    cost[GENERAL.id] = round(await cpuMsPerView(general, ds), 1);
    general.dispose();
    results.push({ dataset: name, backboneCpuMsPerView: cost });
    process.stderr.write(`${JSON.stringify({ dataset: name, backboneCpuMsPerView: cost })}\n`);
    const tags = ds.images.map((i) => i.tag);
    for (const key of CHOSEN) {
      const v = VARIANTS[key];
      if (!v) throw new Error(`unknown variant ${key}; known: ${Object.keys(VARIANTS).join(', ')}`);
      const row: Record<string, unknown> = { dataset: name, variant: key, what: v.what };
      for (const shots of SHOTS) {
        const accs: number[] = [];
        for (let d = 1; d <= DRAWS; d++) {
          const train = [...drawPerTag(tags, shots, 1000 * shots + d)];
          const mean: Partial<Record<TapName, Float32Array>> = {};
          for (const tap of Object.keys(split[0]!.centre!) as TapName[]) {
            const m = new Float32Array(split[0]!.centre![tap]!.length);
            for (const i of train) {
              const x = split[i]!.centre![tap]!;
              for (let k = 0; k < m.length; k++) m[k]! += x[k]! / train.length;
            }
            mean[tap] = m;
          }
          const predictionViews = v.predictionViews ?? (['centre', 'centre-mirrored'] as ViewName[]);
          const featuresOf = (fn: Variant['features'], i: number, views: readonly ViewName[]): ImageFeatures =>
            Object.fromEntries(views.map((view) => [view, fn(split[i]![view]!, mean)]));
          const fit = async (fn: Variant['features']) => {
            const trainViews = v.crops ? VIEW_NAMES : (['centre', 'centre-mirrored'] as const);
            const dim = fn(split[0]!.centre!, mean).length;
            const { head } = await trainHead({
              backbone: { id: key, version: '0', cacheKey: key, dim, preprocessing: general.preprocessing },
              tagIds: ds.tags,
              tagTypes: ds.tags.map(() => 'Regular'),
              images: train.map((i) => ({
                features: featuresOf(fn, i, trainViews),
                tags: [ds.tags.indexOf(tags[i]!)],
              })),
              classificationType: 'Multiclass',
              ...(v.advancedRows ? { trainingType: 'Advanced' as const, l2: GENERAL.defaultL2 } : {}),
              evaluate: false,
              predictionViews,
              seed: d,
            });
            return head;
          };
          const head = await fit(v.features);
          const second = v.second ? await fit(v.second.features) : undefined;
          const held = tags.flatMap((_, i) => (train.includes(i) ? [] : [i]));
          const right = held.filter((i) => {
            const p = tagProbabilities(head, featuresOf(v.features, i, predictionViews));
            const q = second ? tagProbabilities(second, featuresOf(v.second!.features, i, predictionViews)) : undefined;
            const score = p.map((x, k) => Math.log(x) + (q ? v.second!.weight * Math.log(q[k]!) : 0));
            return ds.tags[score.indexOf(Math.max(...score))] === tags[i];
          }).length;
          accs.push(right / held.length);
        }
        const { mean, sd } = meanSd(accs);
        row[`shots${shots}`] = { mean: round(mean), sd: round(sd), perDraw: accs.map((a) => round(a)) };
      }
      results.push(row);
      process.stderr.write(`${JSON.stringify(row)}\n`);
    }
  }
  report(results);
}

await main();
