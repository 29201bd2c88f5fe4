/**
 * The real engine (@cvkit/ml backbones and heads) on small generated images: what the server relies on beyond
 * accuracy. Features are embedded once per image, backbone and view; new models predict on the centre view (what a
 * compact model's export computes); General detection runs on int8 maps, compact detection on its exports' float ones.
 */
import {
  ANTIALIASED_PREPROCESSING,
  detectOnMap,
  embedViews,
  getBackbone,
  getDetectionBackbone,
  predict,
  preprocess,
  trainHead,
  trainingViews,
  withPreprocessing,
} from '@cvkit/ml';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import type { ClassifierEngine, TrainingJob } from '../src/ml/classifier-engine.ts';
import { createMlEngine } from '../src/ml/ml-engine.ts';
import {
  decodeStoredDetector,
  decodeStoredModel,
  encodeStoredDetector,
  encodeStoredModel,
} from '../src/ml/stored-formats.ts';
import type { FeatureStore } from '../src/storage/types.ts';
import { jpeg } from './helpers/images.ts';

const puts: string[] = [];
const memory = new Map<string, Float32Array[]>();
const features: Pick<FeatureStore, 'getMany' | 'put' | 'putMany'> = {
  async getMany(key, hashes) {
    return new Map(hashes.filter((h) => memory.has(`${key}|${h}`)).map((h) => [h, memory.get(`${key}|${h}`)!]));
  },
  async put(key, hash, views) {
    puts.push(`${key}|${hash}`);
    memory.set(`${key}|${hash}`, views);
  },
  async putMany(entries) {
    for (const e of entries) await this.put(e.backboneKey, e.hash, e.views);
  },
};

let engine: ClassifierEngine;
const bytes = new Map<string, Buffer>();
const tags = [
  { id: 'red', name: 'Red', type: 'Regular' as const },
  { id: 'blue', name: 'Blue', type: 'Regular' as const },
];

async function addImage(i: number, tag: 'red' | 'blue'): Promise<TrainingJob['images'][number]> {
  const shade = 20 * (i % 5);
  const rgb: [number, number, number] =
    tag === 'red' ? [200 + (shade % 50), shade, 30] : [30, shade, 200 + (shade % 50)];
  bytes.set(`h${i}`, await jpeg(48 + i, 40, rgb));
  return { id: `img${i}`, contentHash: `h${i}`, tagIds: [tag] };
}

function job(images: TrainingJob['images'], backbone: 'compact' | 'general'): TrainingJob {
  return {
    backbone,
    classificationType: 'Multiclass',
    trainingType: 'Regular',
    augment: true,
    tags,
    images,
    loadImage: async (hash) => bytes.get(hash)!,
  };
}

const warnings: string[] = [];

beforeAll(() => {
  engine = createMlEngine({ logger: createLogger('warn', (line) => warnings.push(line)), features });
});

describe('ml engine', () => {
  it('embeds each image once per backbone and view: a retraining after adding one image embeds only that image', async () => {
    const images = [];
    for (let i = 0; i < 10; i++) images.push(await addImage(i, i % 2 ? 'blue' : 'red'));
    await engine.train(job(images, 'general'));
    // A small project trains Regular on two corner crops too: 10 images × 4 views.
    const views = trainingViews('Regular', true, images.length);
    expect(views).toHaveLength(4);
    expect(puts).toHaveLength(10 * views.length);
    const before = puts.length;
    images.push(await addImage(10, 'red'));
    const trained = await engine.train(job(images, 'general'));
    expect(puts.slice(before).map((k) => k.split('|')[1])).toEqual(views.map(() => 'h10'));
    expect(new Set(puts.slice(before).map((k) => k.split('#')[1]!.split('|')[0]))).toEqual(new Set(views));
    const [top] = await engine.predict(trained.model, await jpeg(50, 40, [230, 20, 30]));
    expect(top!.tagId).toBe('red');
    // The head was fitted on the worker thread, not on the server's event loop.
    expect(warnings.filter((w) => w.includes('head fitting runs on the main thread'))).toEqual([]);
  }, 60_000);

  it('keeps compact and general features apart, and compact heads predict on the centre view only', async () => {
    const images = [];
    for (let i = 20; i < 30; i++) images.push(await addImage(i, i % 2 ? 'blue' : 'red'));
    const before = puts.length;
    const compact = await engine.train(job(images, 'compact'));
    const general = await engine.train(job(images, 'general'));
    const keys = new Set(puts.slice(before).map((k) => k.split('@')[0]));
    expect(keys).toEqual(new Set(['mnv2-140-gap', 'mnv2-140-b12-msqrt']));
    const load = async () => {
      throw new Error('not a legacy model');
    };
    expect((await decodeStoredModel(compact.model, load)).head.predictionViews).toEqual(['centre']);
    expect((await decodeStoredModel(general.model, load)).head.predictionViews).toEqual(['centre']);
    const report = await engine.performance(compact.evaluation, 0.5);
    expect(report.images.map((i) => i.imageId).sort()).toEqual(images.map((i) => i.id).sort());
    expect(report.perTag.map((t) => t.tagId)).toEqual(['red', 'blue']);
  }, 60_000);

  it('predicts a compact model stored before compact images moved to crop_and_resize with the resize it was trained on', async () => {
    // Such a model's head names the compact backbone on sharp's antialiased resize (cc-linear-srgb-v1).
    const compact = await getBackbone('compact');
    const earlier = withPreprocessing(compact, ANTIALIASED_PREPROCESSING);
    const training = [];
    for (let i = 40; i < 48; i++) {
      const image = await addImage(i, i % 2 ? 'blue' : 'red');
      const { features } = await embedViews(earlier, bytes.get(image.contentHash)!);
      training.push({ features, tags: [i % 2] });
    }
    const { head } = await trainHead({
      backbone: { ...earlier, defaultL2: earlier.spec.defaultL2 },
      tagIds: ['red', 'blue'],
      tagTypes: ['Regular', 'Regular'],
      images: training,
      classificationType: 'Multiclass',
      augment: false,
      evaluate: false,
    });
    const stored = encodeStoredModel(head, ['Red', 'Blue']);
    // Detailed enough (noise, downscaled) for the two resizes to differ.
    const photo = await sharp({
      create: {
        width: 640,
        height: 360,
        channels: 3,
        background: '#000',
        noise: { type: 'gaussian', mean: 120, sigma: 60 },
      },
    })
      .jpeg()
      .toBuffer();
    const [antialiased, sampled] = await compact.embed([
      (await preprocess(photo, { size: 224, version: ANTIALIASED_PREPROCESSING })).data,
      (await preprocess(photo, { size: 224 })).data,
    ]);
    const got = await engine.predict(stored, photo);
    const expected = predict(head, { centre: antialiased! });
    expect(got.map((p) => p.tagId)).toEqual(expected.map((p) => p.tagId));
    got.forEach((p, i) => {
      expect(p.probability).toBeCloseTo(expected[i]!.probability, 12);
    });
    expect(predict(head, { centre: sampled! })[0]!.probability).not.toBeCloseTo(got[0]!.probability, 6);
  }, 60_000);

  it('keeps two iterations of one project apart (same tags and image count: their stored models share a long prefix)', async () => {
    const images = [];
    for (let i = 50; i < 60; i++) images.push(await addImage(i, i % 2 ? 'blue' : 'red'));
    const swapped = images.map((img) => ({ ...img, tagIds: [img.tagIds[0] === 'red' ? 'blue' : 'red'] }));
    const first = await engine.train(job(images, 'compact'));
    const second = await engine.train(job(swapped, 'compact'));
    const red = await jpeg(50, 40, [230, 20, 30]);
    expect((await engine.predict(first.model, red))[0]!.tagId).toBe('red');
    expect((await engine.predict(second.model, red))[0]!.tagId).toBe('blue');
  }, 60_000);

  it('trains General detection on int8 maps and compact detection on float ones; a stored detector predicts on its own', async () => {
    const images: TrainingJob['images'] = [];
    for (let i = 0; i < 12; i++) {
      const img = await addImage(200 + i, i % 2 ? 'blue' : 'red');
      images.push({ ...img, regions: [{ tagId: img.tagIds[0]!, left: 0.1, top: 0.15, width: 0.8, height: 0.7 }] });
    }
    const detection = (backbone: 'compact' | 'general'): TrainingJob => ({
      ...job(images, backbone),
      task: 'detection',
    });
    const general = decodeStoredDetector((await engine.train(detection('general'))).model)!;
    const compact = decodeStoredDetector((await engine.train(detection('compact'))).model)!;
    expect(general.detector.backbone.version).toContain('+int8+');
    expect(compact.detector.backbone.version).not.toContain('int8');
    expect(general.detector.backbone.version.replace('+int8', '')).toBe(compact.detector.backbone.version);
    const photo = bytes.get('h200')!;
    const onInt8 = await engine.predict(encodeStoredDetector(general.detector, general.labels), photo);
    // The same detector recorded on the float maps (a General detector trained before int8) runs on those.
    const asFloat = { ...general.detector, backbone: compact.detector.backbone };
    const onFloat = await engine.predict(encodeStoredDetector(asFloat, general.labels), photo);
    const expected = async (precision: 'int8' | 'float32') =>
      detectOnMap(general.detector, await (await getDetectionBackbone(precision)).featureMap(photo)).map(
        (d) => d.probability,
      );
    expect(onInt8.map((p) => p.probability)).toEqual(await expected('int8'));
    expect(onFloat.map((p) => p.probability)).toEqual(await expected('float32'));
    expect(onFloat[0]!.probability).not.toBe(onInt8[0]!.probability);
    expect(onInt8[0]!.tagId).toBe('red');
  }, 120_000);

  it('reports undecodable training images as UndecodableImageError', async () => {
    bytes.set('bad', Buffer.concat([(await jpeg()).subarray(0, 200)]));
    const images = [
      ...(await Promise.all([40, 41, 42, 43].map((i) => addImage(i, i % 2 ? 'blue' : 'red')))),
      { id: 'broken', contentHash: 'bad', tagIds: ['red'] },
    ];
    await expect(engine.train(job(images, 'compact'))).rejects.toMatchObject({ name: 'UndecodableImageError' });
  }, 60_000);
});
