/**
 * The General domain's backbone when onnxruntime-node cannot load (simulated with `loadOrt`): loadBestBackbone picks
 * TF.js on worker threads and says why; its features are onnxruntime-node's within 1e-5 (unit vectors) and exactly
 * those of TF.js on this thread, under the same cacheKey, however the images are shared out among the workers; a
 * worker that dies is replaced. When the workers cannot start either, TF.js runs on this thread and the reason says
 * so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backbone, loadBackbone } from '../src/backbones/backbone.ts';
import { type BestBackbone, loadBestBackbone, loadOnnxBackbone } from '../src/backbones/onnx-backbone.ts';
import { BACKBONE_SPECS, DOMAIN_BACKBONES } from '../src/backbones/registry.ts';
import { loadTfjsWorkerBackbone } from '../src/backbones/tfjs-worker-backbone.ts';
import { embedViews } from '../src/embed.ts';
import { initEngine } from '../src/engine/engine.ts';
import { TrainingInputError } from '../src/errors.ts';
import { preprocessViews, type ViewName } from '../src/preprocess/views.ts';
import { workerBootstrap } from '../src/util/worker-bootstrap.ts';
import { maxAbsDiff, syntheticImages, type TestImage, treeImages } from './export/helpers/fixtures.ts';
import { ortOrNull } from './export/helpers/onnxruntime.ts';

const GENERAL = BACKBONE_SPECS[DOMAIN_BACKBONES.general]!;
/** The views a General prediction embeds. */
const VIEWS: ViewName[] = ['centre', 'centre-mirrored'];
const unloadable = () => {
  throw new Error('simulated: onnxruntime_binding.node: cannot open shared object file');
};

let fallback: BestBackbone;
let mainThread: Backbone;
let images: TestImage[];
const measured: string[] = [];

/** Features of every image under the prediction views, in order: image 0 centre, image 0 mirrored, image 1 … */
async function features(backbone: Backbone): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const image of images) {
    const { features: f } = await embedViews(backbone, image.bytes, VIEWS);
    out.push(...VIEWS.map((v) => f[v]!));
  }
  return out;
}

beforeAll(async () => {
  // Two workers whatever the core count, so images are shared out in every run of this test.
  fallback = await loadBestBackbone(GENERAL, { loadOrt: unloadable, threads: 2 });
  await initEngine();
  mainThread = await loadBackbone(GENERAL);
  images = [...treeImages().slice(0, 3), ...(await syntheticImages()).slice(0, 2)];
}, 120_000);

afterAll(() => {
  fallback?.backbone.dispose();
  mainThread?.dispose();
  console.info(`TF.js fallback (General):\n  ${measured.join('\n  ')}`);
});

describe('loadBestBackbone without onnxruntime-node (General domain)', () => {
  it('falls back to TF.js on worker threads, saying why', () => {
    expect(fallback.runtime).toMatchObject({ name: 'tfjs', threads: 2 });
    expect(fallback.runtime.description).toMatch(/on 2 worker threads/);
    expect(fallback.runtime.fallback).toMatch(/^onnxruntime-node not loadable \(simulated: onnxruntime_binding/);
    expect(fallback.backbone.cacheKey).toBe(mainThread.cacheKey);
    expect(fallback.backbone.dim).toBe(9316);
    measured.push(`${fallback.runtime.description}, loaded in ${fallback.runtime.loadMs.toFixed(0)} ms`);
  });

  it.skipIf(!ortOrNull)(
    'gives onnxruntime-node’s float32 features within 1e-5, under the same cacheKey (int8: onnx-backbone.test.ts)',
    async () => {
      const onnx = await loadOnnxBackbone(GENERAL, { threads: 1, precision: 'float32' });
      try {
        expect(fallback.backbone.cacheKey).toBe(onnx.cacheKey);
        const expected = await features(onnx);
        const got = await features(fallback.backbone);
        let worst = 0;
        got.forEach((f, i) => {
          worst = Math.max(worst, maxAbsDiff(f, expected[i]!));
        });
        measured.push(`against onnxruntime-node: max |Δfeature| = ${worst.toExponential(2)} over ${got.length} views`);
        expect(worst).toBeLessThanOrEqual(1e-5);
        // Not vacuous: the mirrored view of the same photo differs by far more.
        expect(maxAbsDiff(got[0]!, got[1]!)).toBeGreaterThan(1e-3);
      } finally {
        onnx.dispose();
      }
    },
    120_000,
  );

  it('gives exactly the features of TF.js on this thread, however the images are shared out', async () => {
    const expected = await features(mainThread);
    const got = await features(fallback.backbone);
    got.forEach((f, i) => {
      expect(maxAbsDiff(f, expected[i]!)).toBe(0);
    });
    // All ten views in one call (five per worker), and concurrent calls of one image each.
    const pixels: Float32Array[] = [];
    for (const image of images) {
      const pre = await preprocessViews(image.bytes, VIEWS, { size: 224, version: GENERAL.preprocessing });
      pixels.push(...VIEWS.map((v) => pre.get(v)!.data));
    }
    const together = await fallback.backbone.embed(pixels);
    const concurrent = await Promise.all(pixels.map((p) => fallback.backbone.embed([p])));
    pixels.forEach((_, i) => {
      expect(maxAbsDiff(together[i]!, expected[i]!)).toBe(0);
      expect(maxAbsDiff(concurrent[i]![0]!, expected[i]!)).toBe(0);
    });
  }, 120_000);

  it('rejects images of the wrong size with TrainingInputError', async () => {
    await expect(fallback.backbone.embed([new Float32Array(10)])).rejects.toBeInstanceOf(TrainingInputError);
  });

  it('replaces a worker that died: the call it was serving fails, the next ones succeed', async () => {
    // The real worker, plus a hook that ends the thread on an image whose first value is -1.
    const bootstrap = `${workerBootstrap(new URL('../src/backbones/tfjs-worker-backbone.ts', import.meta.url).href, 'tfjs-backbone-worker')}
require('node:worker_threads').parentPort.on('message', (m) => {
  if (m.kind === 'embed' && m.images[0][0] === -1) process.exit(3);
});`;
    const backbone = await loadTfjsWorkerBackbone(GENERAL, { workers: 1, bootstrap });
    try {
      const image = images[0]!;
      const pre = await preprocessViews(image.bytes, ['centre'], { size: 224, version: GENERAL.preprocessing });
      const pixels = pre.get('centre')!.data;
      const [before] = await backbone.embed([pixels]);
      const poison = new Float32Array(pixels.length).fill(-1);
      await expect(backbone.embed([poison])).rejects.toThrow(/exited with code 3/);
      const [after] = await backbone.embed([pixels]);
      expect(maxAbsDiff(after!, before!)).toBe(0);
    } finally {
      backbone.dispose();
    }
  }, 120_000);

  it('runs TF.js on this thread, saying why, when the workers cannot start either', async () => {
    const best = await loadBestBackbone(GENERAL, {
      loadOrt: unloadable,
      tfjsBootstrap: "throw new Error('simulated: no TypeScript loader')",
    });
    try {
      expect(best.runtime.name).toBe('tfjs');
      expect(best.runtime.description).not.toMatch(/worker/);
      expect(best.runtime.fallback).toMatch(
        /^onnxruntime-node not loadable \(simulated.*; TF\.js workers could not load mnv2-140-b12-msqrt \(simulated: no TypeScript loader\), so TF\.js runs on this thread$/,
      );
      expect(best.backbone.cacheKey).toBe(mainThread.cacheKey);
    } finally {
      best.backbone.dispose();
    }
  }, 60_000);
});
