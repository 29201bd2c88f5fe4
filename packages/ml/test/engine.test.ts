import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Backbone, withPreprocessing } from '../src/backbones/backbone.ts';
import { getBackbone } from '../src/backbones/registry.ts';
import { classify, embedViews } from '../src/embed.ts';
import { engineInfo, initEngine } from '../src/engine/engine.ts';
import { HeadFormatError } from '../src/errors.ts';
import { predict } from '../src/heads/head.ts';
import { ANTIALIASED_PREPROCESSING, mirrorHorizontally, preprocess } from '../src/preprocess/preprocess.ts';
import { trainHead } from '../src/training/train-head.ts';
import { createRng } from '../src/util/random.ts';
import { fromFunction, type Rgb } from './helpers/images.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** A noisy picture dominated by one colour, with random stripes (seeded). */
function picture(seed: number, base: Rgb): Promise<Buffer> {
  const rng = createRng(seed);
  const stripe = 4 + Math.floor(rng() * 12);
  const phase = Math.floor(rng() * stripe);
  return fromFunction(160, 120, (x, y) => {
    const on = Math.floor((x + y + phase) / stripe) % 2 === 0;
    const n = () => Math.floor(rng() * 40);
    return on ? [base[0] + n(), base[1] + n(), base[2] + n()] : [n() * 3, n() * 3, n() * 3];
  })
    .jpeg({ quality: 90 })
    .toBuffer();
}

let backbone: Backbone;

beforeAll(async () => {
  await initEngine();
  backbone = await getBackbone('general');
}, 60_000);

describe('engine', () => {
  it('reports the backend it runs, threaded when it is wasm on several cores', () => {
    const info = engineInfo();
    expect(['tensorflow', 'wasm', 'cpu']).toContain(info.backend);
    expect(info.tfjsVersion).toBe('4.22.0');
    if (info.backend === 'wasm' && os.availableParallelism() >= 2) expect(info.threads).toBeGreaterThanOrEqual(2);
  });

  it('lets a plain node process exit once it is done (no cleanup call)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'fixtures', 'engine-exits.ts')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('did not exit within 30 s');
      }, 30_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c ?? -1);
      });
    });
    expect(code).toBe(0);
    expect(JSON.parse(out).dim).toBe(backbone.dim);
  }, 40_000);
});

describe('backbone', () => {
  it('has a stable id, version and cache key', async () => {
    expect(backbone.id).toBe('mnv2-140-b12-msqrt');
    expect(backbone.dim).toBe(9316);
    expect(backbone.cacheKey).toBe(`${backbone.id}@${backbone.version}`);
    // `+int8` when onnxruntime runs it quantized (onnx-backbone.ts), absent on TF.js.
    expect(backbone.version).toMatch(
      /^mobilenet_v2_mid@nsfwjs-4\.4\.0\+w[0-9a-f]{12}\+f1(\+int8)?\+cc-linear-srgb-v1$/,
    );
    expect((await getBackbone('general')).cacheKey).toBe(backbone.cacheKey);
    const compact = await getBackbone('compact');
    expect(compact.id).toBe('mnv2-140-gap');
    // Exportable: fed what customvision-tfjs feeds the exported model.
    expect(compact.version).toMatch(/\+f1\+cvtfjs-bilinear-srgb-v2$/);
    expect(compact.preprocessing.resize).toBe('crop-and-resize-bilinear');
    expect(backbone.preprocessing.resize).toBe('linear');
  }, 30_000);

  it('embeds deterministically, whatever the batch', async () => {
    const images = await Promise.all(
      [1, 2, 3].map(async (s) => (await preprocess(await picture(s, [200, 40, 40]), { size: 224 })).data),
    );
    const batch = await backbone.embed(images);
    const again = await backbone.embed(images);
    const alone = await backbone.embed([images[1]!]);
    expect(batch).toHaveLength(3);
    expect(batch[1]).toEqual(again[1]);
    expect(Buffer.from(alone[0]!.buffer).equals(Buffer.from(batch[1]!.buffer))).toBe(true);
    expect(batch[0]).not.toEqual(batch[1]);
    // Bilinear features are L2-normalised.
    const norm = Math.sqrt(batch[0]!.reduce((s, v) => s + v * v, 0));
    expect(norm).toBeCloseTo(1, 5);
  }, 30_000);

  it('embeds views: the mirrored view is the embedding of the mirrored pixels', async () => {
    const bytes = await picture(4, [40, 40, 200]);
    const { backboneKey, features } = await embedViews(backbone, bytes, ['centre', 'centre-mirrored']);
    expect(backboneKey).toBe(backbone.cacheKey);
    const centre = await preprocess(bytes, { size: 224, version: backbone.spec.preprocessing });
    const [direct, mirrored] = await backbone.embed([centre.data, mirrorHorizontally(centre).data]);
    expect(features.centre).toEqual(direct);
    expect(features['centre-mirrored']).toEqual(mirrored);
  }, 30_000);

  it('classifies end to end with a head trained on its features', async () => {
    const colours: Rgb[] = [
      [200, 30, 30],
      [30, 30, 200],
    ];
    const images = [];
    for (let i = 0; i < 12; i++) {
      const tag = i % 2;
      const { features } = await embedViews(backbone, await picture(100 + i, colours[tag]!), [
        'centre',
        'centre-mirrored',
      ]);
      images.push({ features, tags: [tag] });
    }
    const { head } = await trainHead({
      backbone: { ...backbone, defaultL2: backbone.spec.defaultL2 },
      tagIds: ['red', 'blue'],
      tagTypes: ['Regular', 'Regular'],
      images,
      classificationType: 'Multiclass',
      evaluate: false,
    });
    expect((await classify(head, backbone, await picture(500, colours[0]!)))[0]!.tagId).toBe('red');
    expect((await classify(head, backbone, await picture(501, colours[1]!)))[0]!.tagId).toBe('blue');
    // New heads read the centre view alone; heads stored with the centre and its mirror keep averaging both.
    expect(head.predictionViews).toEqual(['centre']);
    const photo = await picture(503, colours[0]!);
    const { features } = await embedViews(backbone, photo, ['centre', 'centre-mirrored']);
    const stored = { ...head, predictionViews: ['centre' as const, 'centre-mirrored' as const] };
    expect(await classify(head, backbone, photo)).toEqual(predict(head, { centre: features.centre! }));
    expect(await classify(stored, backbone, photo)).toEqual(predict(stored, features));
    expect(predict(stored, features)).not.toEqual(predict(head, { centre: features.centre! }));
    const compact = await getBackbone('compact');
    await expect(classify(head, compact, await picture(502, colours[1]!))).rejects.toBeInstanceOf(HeadFormatError);
  }, 30_000);

  it('predicts a head with the preprocessing it was trained on, whichever path the backbone now takes', async () => {
    // A compact head stored before compact backbones moved to crop_and_resize: trained on antialiased pixels.
    const compact = await getBackbone('compact');
    const earlier = withPreprocessing(compact, ANTIALIASED_PREPROCESSING);
    expect(earlier.cacheKey).toBe(compact.cacheKey.replace(/\+cvtfjs-bilinear-srgb-v2$/, '+cc-linear-srgb-v1'));
    expect(earlier.preprocessing).toMatchObject({ version: 'cc-linear-srgb-v1', resize: 'linear' });
    const images = [];
    for (let i = 0; i < 8; i++) {
      const { features } = await embedViews(earlier, await picture(200 + i, i % 2 ? [30, 30, 200] : [200, 30, 30]));
      images.push({ features, tags: [i % 2] });
    }
    const { head } = await trainHead({
      backbone: { ...earlier, defaultL2: earlier.spec.defaultL2 },
      tagIds: ['red', 'blue'],
      tagTypes: ['Regular', 'Regular'],
      images,
      classificationType: 'Multiclass',
      augment: false,
      evaluate: false,
    });
    expect(head.backbone.cacheKey).toBe(earlier.cacheKey);
    const bytes = await picture(600, [200, 30, 30]);
    const [antialiased, sampled] = await compact.embed([
      (await preprocess(bytes, { size: 224, version: ANTIALIASED_PREPROCESSING })).data,
      (await preprocess(bytes, { size: 224 })).data,
    ]);
    const got = await classify(head, compact, bytes);
    expect(got).toEqual(predict(head, { centre: antialiased! }));
    expect(got).not.toEqual(predict(head, { centre: sampled! }));
  }, 30_000);
});
