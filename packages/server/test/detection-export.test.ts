/**
 * The real engine's detection path without HTTP: feature maps cached per image (a retraining embeds nothing), and
 * the ONNX export of a trained detector giving, with its README's recipe, the boxes the server predicts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DETECTED_BOXES, DETECTED_CLASSES, DETECTED_SCORES } from '@cvkit/ml';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { type TrainingJob, UnsupportedExportError } from '../src/ml/classifier-engine.ts';
import { createMlEngine } from '../src/ml/ml-engine.ts';
import type { FeatureStore } from '../src/storage/types.ts';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../data/datasets/azure-cv-fork-scissors');
const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');

describe('detection in the real engine', () => {
  it('caches maps, exports ONNX, and the export reproduces the predicted boxes', async () => {
    const memory = new Map<string, Float32Array[]>();
    let puts = 0;
    const features: Pick<FeatureStore, 'getMany' | 'put' | 'putMany'> = {
      async getMany(key, hashes) {
        return new Map(hashes.filter((h) => memory.has(`${key}|${h}`)).map((h) => [h, memory.get(`${key}|${h}`)!]));
      },
      async put(key, hash, views) {
        puts++;
        memory.set(`${key}|${hash}`, views);
      },
      async putMany(entries) {
        for (const e of entries) await this.put(e.backboneKey, e.hash, e.views);
      },
    };
    const engine = createMlEngine({ logger: createLogger('silent'), features });
    const photos = (
      JSON.parse(readFileSync(path.join(DIR, 'annotations.json'), 'utf8')) as {
        images: {
          file: string;
          regions: { tag: string; left: number; top: number; width: number; height: number }[];
        }[];
      }
    ).images.filter((p) => p.file.startsWith('train/'));
    const job: TrainingJob = {
      task: 'detection',
      backbone: 'compact',
      classificationType: 'Multiclass',
      trainingType: 'Regular',
      augment: false,
      tags: [
        { id: 'f', name: 'fork', type: 'Regular' },
        { id: 's', name: 'scissors', type: 'Regular' },
      ],
      images: photos.map((p) => ({
        id: p.file,
        contentHash: p.file,
        tagIds: [],
        regions: p.regions.map((r) => ({ ...r, tagId: r.tag === 'fork' ? 'f' : 's' })),
      })),
      loadImage: async (hash) => readFileSync(path.join(DIR, hash)),
    };
    const trained = await engine.train(job);
    expect(puts).toBe(40);
    const again = await engine.train(job);
    expect(puts).toBe(40);
    expect(Buffer.from(again.model).equals(Buffer.from(trained.model))).toBe(true);

    await expect(
      engine.exportModel(trained.model, { platform: 'DockerFile', flavor: null, iterationId: 'x' }),
    ).rejects.toBeInstanceOf(UnsupportedExportError);
    const files = await engine.exportModel(trained.model, { platform: 'ONNX', flavor: null, iterationId: 'x' });
    expect(files.map((f) => f.path).sort()).toEqual([
      'README.md',
      'labels.txt',
      'metadata_properties.json',
      'model.onnx',
    ]);
    expect(new TextDecoder().decode(files.find((f) => f.path === 'labels.txt')!.bytes)).toBe('fork\nscissors');
    const session = await ort.InferenceSession.create(files.find((f) => f.path === 'model.onnx')!.bytes);
    const tfjsFiles = await engine.exportModel(trained.model, {
      platform: 'TensorFlow',
      flavor: 'TensorFlowJs',
      iterationId: 'x',
    });
    expect(tfjsFiles.map((f) => f.path)).toEqual(expect.arrayContaining(['model.json', 'labels.txt', 'README.md']));

    const photo = readFileSync(path.join(DIR, 'test/fork/test_image.jpg'));
    const predicted = await engine.predict(trained.model, photo);
    // The README's recipe: whole image, EXIF applied, resized to 224×224 (aspect not kept), RGB 0–255, NCHW.
    const { data } = await sharp(photo)
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .resize(224, 224, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const nchw = new Float32Array(3 * 224 * 224);
    for (let i = 0; i < 224 * 224; i++) for (let c = 0; c < 3; c++) nchw[c * 224 * 224 + i] = data[i * 3 + c]!;
    const out = await session.run({ data: new ort.Tensor('float32', nchw, [1, 3, 224, 224]) });
    const boxes = out[DETECTED_BOXES]!.data as Float32Array;
    const classes = out[DETECTED_CLASSES]!.data as BigInt64Array;
    const scores = out[DETECTED_SCORES]!.data as Float32Array;
    expect(predicted.length).toBeGreaterThan(0);
    expect(scores.length).toBe(predicted.length);
    predicted.forEach((p, i) => {
      expect(['f', 's'][Number(classes[i])]).toBe(p.tagId);
      expect(scores[i]).toBeCloseTo(p.probability, 4);
      expect(boxes[i * 4]).toBeCloseTo(p.boundingBox!.left, 4);
      expect(boxes[i * 4 + 3]).toBeCloseTo(p.boundingBox!.top + p.boundingBox!.height, 4);
    });
  }, 180_000);
});
