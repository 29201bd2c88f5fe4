/**
 * The ONNX and TF.js exports of a detector give the server's boxes: a detector trained on the fork/scissors photos,
 * exported, run with onnxruntime-node and TF.js (executeAsync) on the whole image resized to 224×224 (the exports'
 * recipe), against `detect`.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectionExportBackbone, getDetectionBackbone } from '../src/detection/detection-backbone.ts';
import type { Detector } from '../src/detection/detector.ts';
import { detect } from '../src/detection/detector.ts';
import { trainDetector } from '../src/detection/train-detector.ts';
import { getTf, initEngine } from '../src/engine/engine.ts';
import {
  buildOnnxDetector,
  DETECTED_BOXES,
  DETECTED_CLASSES,
  DETECTED_SCORES,
} from '../src/export/detection/onnx-detector.ts';
import { buildTfjsDetector } from '../src/export/detection/tfjs-detector.ts';
import { preprocessWholeImage } from '../src/preprocess/preprocess.ts';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../data/datasets/azure-cv-fork-scissors');
const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');

describe('ONNX and TF.js detection exports', () => {
  it('matches detect() box for box on held-out and training photos', async () => {
    const annotations = JSON.parse(readFileSync(path.join(DIR, 'annotations.json'), 'utf8')) as {
      images: { file: string; regions: { tag: string; left: number; top: number; width: number; height: number }[] }[];
    };
    const photos = annotations.images.filter((i) => i.file.startsWith('train/'));
    const tags = ['fork', 'scissors'];
    const backbone = await getDetectionBackbone();
    const images = [];
    for (const p of photos)
      images.push({
        map: await backbone.featureMap(readFileSync(path.join(DIR, p.file))),
        boxes: p.regions.map((r) => ({ ...r, tag: tags.indexOf(r.tag) })),
      });
    const { weights } = await trainDetector({ tagIds: tags, images, seed: 1, evaluate: false });
    const detector: Detector = {
      format: 'cvkit-detector',
      formatVersion: 1,
      backbone: { id: backbone.id, version: backbone.version },
      tagIds: tags,
      weights,
    };
    const source = detectionExportBackbone();
    const bytes = buildOnnxDetector(detector, source);
    const session = await ort.InferenceSession.create(bytes);
    await initEngine();
    const tf = getTf();
    const built = buildTfjsDetector(detector, source);
    const json = built.modelJson as { modelTopology: unknown; weightsManifest: { weights: never[] }[] };
    const weightData = new Uint8Array(built.shards.reduce((n, s) => n + s.bytes.length, 0));
    let at = 0;
    for (const s of built.shards) {
      weightData.set(s.bytes, at);
      at += s.bytes.length;
    }
    const tfjsModel = await tf.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology as never,
        weightSpecs: json.weightsManifest[0]!.weights,
        weightData: weightData.buffer,
      }),
    );
    for (const file of ['test/fork/test_image.jpg', photos[0]!.file, photos[25]!.file]) {
      const photo = readFileSync(path.join(DIR, file));
      const expected = await detect(detector, backbone, photo);
      const { data } = await preprocessWholeImage(photo, 224);
      const nchw = new Float32Array(3 * 224 * 224);
      for (let i = 0; i < 224 * 224; i++) for (let c = 0; c < 3; c++) nchw[c * 224 * 224 + i] = data[i * 3 + c]!;
      const out = await session.run({ data: new ort.Tensor('float32', nchw, [1, 3, 224, 224]) });
      const boxes = out[DETECTED_BOXES]!.data as Float32Array;
      const classes = out[DETECTED_CLASSES]!.data as BigInt64Array;
      const scores = out[DETECTED_SCORES]!.data as Float32Array;
      expect(expected.length).toBeGreaterThan(0);
      const tfOut = (await tfjsModel.executeAsync(tf.tensor4d(data, [1, 224, 224, 3]), [
        DETECTED_BOXES,
        DETECTED_CLASSES,
        DETECTED_SCORES,
      ])) as import('@tensorflow/tfjs').Tensor[];
      const [tfBoxes, tfClasses, tfScores] = await Promise.all(tfOut.map((t) => t.data()));
      expect(tfScores!.length).toBe(expected.length);
      expected.forEach((d, i) => {
        expect(tfClasses![i]).toBe(d.tag);
        expect(tfScores![i]).toBeCloseTo(d.probability, 3);
        expect(tfBoxes![i * 4]).toBeCloseTo(d.left, 3);
        expect(tfBoxes![i * 4 + 3]).toBeCloseTo(d.top + d.height, 3);
      });
      expect(scores.length).toBe(expected.length);
      expected.forEach((d, i) => {
        expect(Number(classes[i])).toBe(d.tag);
        expect(scores[i]).toBeCloseTo(d.probability, 4);
        expect(boxes[i * 4]).toBeCloseTo(d.left, 4);
        expect(boxes[i * 4 + 1]).toBeCloseTo(d.top, 4);
        expect(boxes[i * 4 + 2]).toBeCloseTo(d.left + d.width, 4);
        expect(boxes[i * 4 + 3]).toBeCloseTo(d.top + d.height, 4);
      });
    }
  }, 180_000);
});
