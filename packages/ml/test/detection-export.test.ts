/**
 * The ONNX export of a detector gives the server's boxes: a detector trained on the fork/scissors photos, exported,
 * run with onnxruntime-node on the whole image resized to 224×224 (the export's recipe), against `detect`.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadBundledModel } from '../src/backbones/nsfwjs-files.ts';
import { DETECTION_BACKBONE, getDetectionBackbone } from '../src/detection/detection-backbone.ts';
import type { Detector } from '../src/detection/detector.ts';
import { detect } from '../src/detection/detector.ts';
import { trainDetector } from '../src/detection/train-detector.ts';
import {
  buildOnnxDetector,
  DETECTED_BOXES,
  DETECTED_CLASSES,
  DETECTED_SCORES,
} from '../src/export/detection/onnx-detector.ts';
import { preprocessWholeImage } from '../src/preprocess/preprocess.ts';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../data/datasets/azure-cv-fork-scissors');
const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');

describe('ONNX detection export', () => {
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
    const bytes = buildOnnxDetector(detector, {
      artifacts: loadBundledModel(DETECTION_BACKBONE.model).artifacts as never,
      featureNode: DETECTION_BACKBONE.node,
      inputSize: 224,
      inputScale: 1 / 255,
      inputOffset: 0,
      name: 'detector',
    });
    const session = await ort.InferenceSession.create(bytes);
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
