/**
 * The nsfwjs mid backbones on onnxruntime-node (converted in memory) vs the same backbones on TF.js: features within
 * 1e-4 on sharp-made images and, when the shared data set is there, azure-cv-trees photos; the same cacheKey; batching
 * that does not change features; and loadBestBackbone's fallback to TF.js when onnxruntime cannot load. The bilinear
 * backbones pool differently on each runtime (plain bilinear: the same JavaScript on the map onnxruntime returns;
 * matrix square root: float32 ONNX ops against the float64 JavaScript reference), so they are checked too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backbone, type BackboneSpec, loadBackbone, sameFeatureFamily } from '../src/backbones/backbone.ts';
import { int8Ranges } from '../src/backbones/int8-ranges.ts';
import { loadBestBackbone, loadOnnxBackbone, type OnnxBackbone } from '../src/backbones/onnx-backbone.ts';
import { BACKBONE_SPECS } from '../src/backbones/registry.ts';
import { backboneForHead } from '../src/embed.ts';
import { initEngine } from '../src/engine/engine.ts';
import { TrainingInputError } from '../src/errors.ts';
import { InvalidExportOptionsError } from '../src/export/errors.ts';
import { buildOnnxFeatureModel } from '../src/export/onnx/export-onnx.ts';
import { predict } from '../src/heads/head.ts';
import { mirrorHorizontally, preprocess } from '../src/preprocess/preprocess.ts';
import { trainHead } from '../src/training/train-head.ts';
import {
  loadMidBackbone,
  maxAbsDiff,
  syntheticImages,
  type TestImage,
  toNchw,
  treeImages,
} from './export/helpers/fixtures.ts';
import { ort, ortOrNull } from './export/helpers/onnxruntime.ts';

/** The compact domains' backbone: the graph's own global average pool. */
const MID: BackboneSpec = BACKBONE_SPECS['mnv2-140-gap']!;

const TOLERANCE = 1e-4;
const TREES = treeImages();

let tfjs: Backbone;
let onnx: OnnxBackbone | undefined;
let synthetic: { name: string; pixels: Float32Array }[];
const measured: string[] = [];

async function prepare(images: TestImage[]) {
  const out: { name: string; pixels: Float32Array }[] = [];
  for (const image of images) {
    const centre = await preprocess(image.bytes, { size: MID.inputSize });
    out.push(
      { name: image.name, pixels: centre.data },
      { name: `${image.name} (mirrored)`, pixels: mirrorHorizontally(centre).data },
    );
  }
  return out;
}

async function parity(set: { name: string; pixels: Float32Array }[], setName: string): Promise<number> {
  const expected = await tfjs.embed(set.map((s) => s.pixels));
  const got = await onnx!.embed(set.map((s) => s.pixels));
  let worst = 0;
  set.forEach((s, i) => {
    const diff = maxAbsDiff(got[i]!, expected[i]!);
    expect(diff, s.name).toBeLessThanOrEqual(TOLERANCE);
    worst = Math.max(worst, diff);
  });
  const magnitude = Math.max(...expected.flatMap((f) => Array.from(f, Math.abs)));
  measured.push(
    `${setName}: max |Δfeature| = ${worst.toExponential(2)} over ${set.length} images (max |feature| ${magnitude.toFixed(2)})`,
  );
  return worst;
}

beforeAll(async () => {
  const engine = await initEngine();
  measured.push(`tfjs ${engine.backend}, ${engine.threads} thread(s)`);
  tfjs = await loadBackbone(MID);
  // One intra-op thread: test files run side by side on two cores.
  if (ortOrNull) {
    onnx = await loadOnnxBackbone(MID, { threads: 1 });
    measured.push(`${onnx.runtime.description}, loaded in ${onnx.runtime.loadMs.toFixed(0)} ms`);
  }
  synthetic = await prepare(await syntheticImages());
}, 60_000);

afterAll(() => {
  tfjs?.dispose();
  onnx?.dispose();
  console.info(`ONNX backbone parity:\n  ${measured.join('\n  ')}`);
});

describe('loadOnnxBackbone (nsfwjs mid)', () => {
  it.skipIf(!ortOrNull)('has the TF.js backbone’s identity: cacheKey, version, dim, input size, preprocessing', () => {
    expect(onnx!.cacheKey).toBe(tfjs.cacheKey);
    expect(onnx!.version).toBe(tfjs.version);
    expect(onnx!.dim).toBe(1792);
    expect(onnx!.inputSize).toBe(tfjs.inputSize);
    expect(onnx!.preprocessing).toEqual(tfjs.preprocessing);
    expect(onnx!.runtime).toMatchObject({ name: 'onnxruntime-node', threads: 1 });
  });

  it.skipIf(!ortOrNull)(
    'features match TF.js within 1e-4 on sharp-made images (one with EXIF orientation)',
    async () => {
      await parity(synthetic, 'synthetic');
      // Not vacuous: another image, or the same one mirrored, moves features by far more than the tolerance.
      const [a, mirrored, other] = await onnx!.embed([
        synthetic[0]!.pixels,
        synthetic[1]!.pixels,
        synthetic[2]!.pixels,
      ]);
      expect(maxAbsDiff(a!, mirrored!)).toBeGreaterThan(100 * TOLERANCE);
      expect(maxAbsDiff(a!, other!)).toBeGreaterThan(100 * TOLERANCE);
    },
    30_000,
  );

  it.skipIf(!ortOrNull)(
    'features match TF.js within 1e-4 on azure-cv-trees photos',
    async () => {
      await parity(await prepare(TREES), 'azure-cv-trees');
    },
    30_000,
  );

  it.skipIf(!ortOrNull)(
    'batching does not change features',
    async () => {
      const pixels = synthetic.slice(0, 5).map((s) => s.pixels);
      const together = await onnx!.embed(pixels);
      let worst = 0;
      for (let i = 0; i < pixels.length; i++) {
        const [alone] = await onnx!.embed([pixels[i]!]);
        worst = Math.max(worst, maxAbsDiff(together[i]!, alone!));
      }
      measured.push(`batch of 5 vs one at a time: max |Δ| = ${worst.toExponential(2)}`);
      expect(worst).toBeLessThanOrEqual(1e-6);
    },
    30_000,
  );

  it.skipIf(!ortOrNull)(
    'concurrent embed calls give the same features as sequential ones',
    async () => {
      const pixels = synthetic.slice(0, 3).map((s) => s.pixels);
      const sequential = await onnx!.embed(pixels);
      const concurrent = await Promise.all(pixels.map((p) => onnx!.embed([p])));
      for (let i = 0; i < pixels.length; i++) {
        expect(maxAbsDiff(concurrent[i]![0]!, sequential[i]!)).toBeLessThanOrEqual(1e-6);
      }
    },
    30_000,
  );

  it.skipIf(!ortOrNull)('rejects images of the wrong size with TrainingInputError', async () => {
    await expect(onnx!.embed([new Float32Array(10)])).rejects.toBeInstanceOf(TrainingInputError);
  });

  it('throws, naming the cause, when onnxruntime cannot load or the spec is not convertible', async () => {
    const missing = () => {
      throw new Error("Cannot find module 'onnxruntime-node'");
    };
    await expect(loadOnnxBackbone(MID, { loadOrt: missing })).rejects.toThrow(/onnxruntime-node not loadable/);
    if (ortOrNull) {
      await expect(loadOnnxBackbone({ ...MID, format: 'layers' })).rejects.toThrow(/handles graph models/);
    }
  });
});

describe('loadBestBackbone', () => {
  it.skipIf(!ortOrNull)(
    'prefers onnxruntime',
    async () => {
      const best = await loadBestBackbone(MID, { threads: 1 });
      try {
        expect(best.runtime.name).toBe('onnxruntime-node');
        expect(best.runtime.fallback).toBeUndefined();
        expect(best.backbone.cacheKey).toBe(tfjs.cacheKey);
      } finally {
        best.backbone.dispose();
      }
    },
    30_000,
  );

  it('falls back to TF.js, with the reason, when onnxruntime cannot load', async () => {
    const best = await loadBestBackbone(MID, {
      loadOrt: () => {
        throw new Error('simulated: onnxruntime_binding.node: cannot open shared object file');
      },
    });
    try {
      expect(best.runtime.name).toBe('tfjs');
      expect(best.runtime.fallback).toMatch(/onnxruntime-node not loadable \(simulated/);
      expect(best.backbone.cacheKey).toBe(tfjs.cacheKey);
      const [got] = await best.backbone.embed([synthetic[0]!.pixels]);
      const [expected] = await tfjs.embed([synthetic[0]!.pixels]);
      expect(maxAbsDiff(got!, expected!)).toBe(0);
    } finally {
      best.backbone.dispose();
    }
  }, 30_000);

  it('uses TF.js when asked to', async () => {
    const best = await loadBestBackbone(MID, { prefer: 'tfjs' });
    try {
      expect(best.runtime).toMatchObject({ name: 'tfjs', fallback: 'tfjs preferred by the caller' });
    } finally {
      best.backbone.dispose();
    }
  }, 30_000);
});

describe('buildOnnxFeatureModel', () => {
  it.skipIf(!ortOrNull)(
    'NHWC with a free batch and NCHW with batch 1 declare their shapes and agree exactly',
    async () => {
      const graphBackbone = loadMidBackbone();
      const nhwc = buildOnnxFeatureModel(graphBackbone);
      const nchw = buildOnnxFeatureModel(graphBackbone, { layout: 'NCHW', batch: 1 });
      expect(nhwc.featureDim).toBe(1792);
      const { InferenceSession, Tensor } = ort();
      const a = await InferenceSession.create(nhwc.bytes, { intraOpNumThreads: 1 });
      const b = await InferenceSession.create(nchw.bytes, { intraOpNumThreads: 1 });
      try {
        expect(a.inputMetadata[0]).toMatchObject({ name: 'data', shape: ['batch', 224, 224, 3] });
        expect(a.outputMetadata[0]).toMatchObject({ name: 'features', shape: ['batch', 1792] });
        expect(b.inputMetadata[0]).toMatchObject({ name: 'data', shape: [1, 3, 224, 224] });
        const pixels = synthetic[0]!.pixels;
        const fa = (await a.run({ data: new Tensor('float32', pixels, [1, 224, 224, 3]) })).features!
          .data as Float32Array;
        const fb = (await b.run({ data: new Tensor('float32', toNchw(pixels), [1, 3, 224, 224]) })).features!
          .data as Float32Array;
        expect(maxAbsDiff(fa, fb)).toBe(0);
      } finally {
        await a.release();
        await b.release();
      }
    },
    30_000,
  );

  it('refuses an invalid batch size', () => {
    expect(() => buildOnnxFeatureModel(loadMidBackbone(), { batch: 0 })).toThrow(InvalidExportOptionsError);
  });
});

describe.each([
  ['mnv2-140-b12-msqrt', 'matrix square root pooled inside the ONNX model'],
  ['mnv2-140-b12-bilinear', 'bilinear pooled in JavaScript from the map the ONNX model returns'],
])('loadOnnxBackbone (%s: %s)', (id) => {
  const spec = BACKBONE_SPECS[id]!;
  let ortBackbone: OnnxBackbone | undefined;
  let tfBackbone: Backbone;
  beforeAll(async () => {
    tfBackbone = await loadBackbone(spec);
    // The float model: the int8 one (the General backbone's default) is checked below.
    if (ortOrNull) ortBackbone = await loadOnnxBackbone(spec, { threads: 1, precision: 'float32' });
  }, 60_000);
  afterAll(() => {
    tfBackbone?.dispose();
    ortBackbone?.dispose();
  });

  it.skipIf(!ortOrNull)(
    'gives the TF.js backbone’s features (unit vectors) within 1e-5, under the same cacheKey',
    async () => {
      expect(ortBackbone!.cacheKey).toBe(tfBackbone.cacheKey);
      expect(ortBackbone!.dim).toBe(9316);
      const set = [...synthetic, ...(await prepare(TREES)).slice(0, 6)];
      const expected = await tfBackbone.embed(set.map((s) => s.pixels));
      const got = await ortBackbone!.embed(set.map((s) => s.pixels));
      let worst = 0;
      set.forEach((s, i) => {
        const norm = Math.hypot(...got[i]!);
        expect(norm, s.name).toBeCloseTo(1, 5);
        worst = Math.max(worst, maxAbsDiff(got[i]!, expected[i]!));
      });
      expect(worst).toBeLessThanOrEqual(1e-5);
      // Not vacuous: a different image moves the features by far more.
      expect(maxAbsDiff(got[0]!, got[2]!)).toBeGreaterThan(1e-3);
      measured.push(`${id}: max |Δfeature| = ${worst.toExponential(2)} over ${set.length} images`);
    },
    60_000,
  );

  it.skipIf(!ortOrNull)(
    'gives an image the same features in a batch as alone',
    async () => {
      const pixels = synthetic.slice(0, 4).map((s) => s.pixels);
      const together = await ortBackbone!.embed(pixels);
      for (let i = 0; i < pixels.length; i++) {
        const [alone] = await ortBackbone!.embed([pixels[i]!]);
        expect(maxAbsDiff(together[i]!, alone!)).toBeLessThanOrEqual(1e-6);
      }
    },
    60_000,
  );
});

describe('loadOnnxBackbone int8 (the General backbone)', () => {
  const spec = BACKBONE_SPECS['mnv2-140-b12-msqrt']!;
  let int8: OnnxBackbone | undefined;
  let float: Backbone;
  beforeAll(async () => {
    float = await loadBackbone(spec);
    if (ortOrNull) int8 = await loadOnnxBackbone(spec, { threads: 1 });
  }, 60_000);
  afterAll(() => {
    float?.dispose();
    int8?.dispose();
  });

  it.skipIf(!ortOrNull)(
    'runs quantized under its own cache key, in the float features’ family, within cosine 0.99 of them',
    async () => {
      expect(int8!.precision).toBe('int8');
      expect(int8!.runtime.description).toContain('int8');
      expect(int8!.cacheKey).not.toBe(float.cacheKey);
      expect(int8!.cacheKey.replace('+int8', '')).toBe(float.cacheKey);
      expect(sameFeatureFamily(int8!.cacheKey, float.cacheKey)).toBe(true);
      expect(sameFeatureFamily(int8!.cacheKey, BACKBONE_SPECS['mnv2-140-gap']!.id)).toBe(false);

      const set = [...synthetic, ...(await prepare(TREES))];
      const expected = await float.embed(set.map((s) => s.pixels));
      const got = await int8!.embed(set.map((s) => s.pixels));
      const cosine = (a: Float32Array, b: Float32Array) => {
        let dot = 0;
        for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
        return dot / (Math.hypot(...a) * Math.hypot(...b));
      };
      const same = set.map((_, i) => cosine(got[i]!, expected[i]!));
      for (const [i, c] of same.entries()) expect(c, set[i]!.name).toBeGreaterThan(0.99);
      // Not vacuous: two different photos are much further apart than a photo and its int8 features.
      const trees = synthetic.length;
      const other = cosine(expected[trees]!, expected[trees + 4]!);
      expect(1 - other).toBeGreaterThan(5 * (1 - Math.min(...same)));
      measured.push(
        `int8 General: cosine to float ${Math.min(...same).toFixed(4)}–${Math.max(...same).toFixed(4)} over ${set.length} images; two tree photos ${other.toFixed(4)}`,
      );
    },
    60_000,
  );

  it.skipIf(!ortOrNull)(
    'predicts with a head trained on float features the tags the float features give',
    async () => {
      const photos = await prepare(TREES);
      const tagOf = (name: string) => (name.includes('japanese_cherry') ? 1 : 0);
      const floatFeatures = await float.embed(photos.map((p) => p.pixels));
      const { head } = await trainHead({
        backbone: float,
        tagIds: ['hemlock', 'cherry'],
        tagTypes: ['Regular', 'Regular'],
        images: photos.map((p, i) => ({ features: { centre: floatFeatures[i]! }, tags: [tagOf(p.name)] })),
        classificationType: 'Multiclass',
        trainingType: 'Regular',
        augment: false,
        evaluate: false,
        seed: 1,
      });
      // The int8 backbone is accepted for the float head.
      expect(backboneForHead(head, int8!)).toBe(int8);
      const int8Features = await int8!.embed(photos.map((p) => p.pixels));
      for (const [i, p] of photos.entries()) {
        const a = predict(head, { centre: floatFeatures[i]!, 'centre-mirrored': floatFeatures[i]! });
        const b = predict(head, { centre: int8Features[i]!, 'centre-mirrored': int8Features[i]! });
        expect(b[0]!.tagId, p.name).toBe(a[0]!.tagId);
        expect(Math.abs(b[0]!.probability - a[0]!.probability), p.name).toBeLessThan(0.05);
      }
    },
    60_000,
  );

  it.skipIf(!ortOrNull)(
    'gives the same features from two sessions on their own threads',
    async () => {
      const two = await loadOnnxBackbone(spec, { threads: 2, sessions: 2 });
      try {
        expect(two.runtime.description).toContain('2 sessions');
        const pixels = synthetic.map((s) => s.pixels);
        const [alone, pair] = [await int8!.embed(pixels), await two.embed(pixels)];
        for (let i = 0; i < pixels.length; i++) expect(maxAbsDiff(pair[i]!, alone[i]!)).toBeLessThanOrEqual(1e-6);
      } finally {
        two.dispose();
      }
    },
    60_000,
  );

  it.skipIf(!ortOrNull)(
    'runs in float32 when its calibration does not match the weights',
    async () => {
      expect(() => int8Ranges(spec.id, 'another-version')).toThrow(/calibration measured on/);
      expect(() => int8Ranges('no-such-backbone', 'x')).toThrow(/no int8 calibration/);
      const changed = await loadOnnxBackbone({ ...spec, featureRevision: spec.featureRevision + 1 }, { threads: 1 });
      try {
        expect(changed.precision).toBe('float32');
        expect(changed.runtime.description).toMatch(/int8 unavailable: .*calibration measured on/);
        expect(changed.cacheKey).not.toContain('+int8');
      } finally {
        changed.dispose();
      }
    },
    60_000,
  );

  it.skipIf(!ortOrNull)(
    'CVKIT_ML_PRECISION=float32 turns it off; other values are refused',
    async () => {
      const saved = process.env.CVKIT_ML_PRECISION;
      try {
        process.env.CVKIT_ML_PRECISION = 'float32';
        const off = await loadOnnxBackbone(spec, { threads: 1 });
        expect(off.precision).toBe('float32');
        expect(off.cacheKey).toBe(float.cacheKey);
        off.dispose();
        process.env.CVKIT_ML_PRECISION = 'int4';
        await expect(loadOnnxBackbone(spec, { threads: 1 })).rejects.toThrow(
          /CVKIT_ML_PRECISION must be int8 or float32/,
        );
      } finally {
        if (saved === undefined) delete process.env.CVKIT_ML_PRECISION;
        else process.env.CVKIT_ML_PRECISION = saved;
      }
    },
    60_000,
  );
});
