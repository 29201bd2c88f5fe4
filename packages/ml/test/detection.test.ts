/**
 * Object detection on the real fork/scissors photos of Custom Vision's detection quickstart (data/datasets), and
 * the detection metrics on hand-made cases.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { sameFeatureFamily } from '../src/backbones/backbone.ts';
import { type DetectionBackbone, getDetectionBackbone } from '../src/detection/detection-backbone.ts';
import { type DetectionEvaluation, detectionMetricsAt } from '../src/detection/detection-metrics.ts';
import { deserializeDetector, detect, proposeRegions, serializeDetector } from '../src/detection/detector.ts';
import { decodeDetections, type FeatureMap, type LabelledBox } from '../src/detection/detector-head.ts';
import { trainDetector } from '../src/detection/train-detector.ts';
import { trainDetectorOffThread } from '../src/training/train-head-off-thread.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const DIR = path.join(REPO_ROOT, 'data', 'datasets', 'azure-cv-fork-scissors');

interface Annotated {
  file: string;
  regions: { tag: string; left: number; top: number; width: number; height: number }[];
}

describe('detection metrics', () => {
  const box = (tag: number, left: number, top: number, width = 0.2, height = 0.2) => ({
    tag,
    left,
    top,
    width,
    height,
  });
  it('scores matched boxes, false positives and misses as Custom Vision does', () => {
    const evaluation: DetectionEvaluation = {
      tagIds: ['a', 'b'],
      images: [
        // a: one hit at 0.9, a duplicate at 0.8 (false positive: its truth is taken), b: a miss (no detection).
        {
          truth: [box(0, 0.1, 0.1), box(1, 0.6, 0.6)],
          detections: [
            { ...box(0, 0.1, 0.1), probability: 0.9 },
            { ...box(0, 0.11, 0.1), probability: 0.8 },
          ],
        },
        // b: a hit at 0.4 (below a 0.5 threshold), a: a box in the wrong place at 0.7.
        {
          truth: [box(1, 0.3, 0.3)],
          detections: [
            { ...box(1, 0.3, 0.3), probability: 0.4 },
            { ...box(0, 0.7, 0.7), probability: 0.7 },
          ],
        },
      ],
    };
    const m = detectionMetricsAt(evaluation, 0.5, 0.5);
    const [a, b] = m.perTag;
    // a: 3 detections ≥ 0.5, 1 true; 1 truth box found.
    expect(a!.precision).toBeCloseTo(1 / 3, 6);
    expect(a!.recall).toBe(1);
    expect(a!.averagePrecision).toBe(1);
    // b: nothing ≥ 0.5; AP over all detections: the 0.4 hit recalls half at precision 1.
    expect(b!.precision).toBe(0);
    expect(b!.recall).toBe(0);
    expect(b!.averagePrecision).toBe(0.5);
    expect(m.averagePrecision).toBe(0.75);
    // A lower threshold counts b's hit.
    expect(detectionMetricsAt(evaluation, 0.3, 0.5).perTag[1]!.recall).toBe(0.5);
  });
});

describe('fork / scissors detector (real photos)', () => {
  const annotations = JSON.parse(readFileSync(path.join(DIR, 'annotations.json'), 'utf8')) as { images: Annotated[] };
  const photos = annotations.images.filter((i) => i.file.startsWith('train/') && i.regions.length);
  const tags = ['fork', 'scissors'];
  let backbone: DetectionBackbone;
  const maps: FeatureMap[] = [];
  const boxes: LabelledBox[][] = [];

  beforeAll(async () => {
    backbone = await getDetectionBackbone();
    for (const p of photos) {
      maps.push(await backbone.featureMap(readFileSync(path.join(DIR, p.file))));
      boxes.push(p.regions.map((r) => ({ ...r, tag: tags.indexOf(r.tag) })));
    }
  }, 120_000);

  it('reaches mAP@0.5 ≥ 0.85 by 5-fold cross-validation on the 40 photos, deterministically', async () => {
    expect(photos).toHaveLength(40);
    const images = maps.map((map, i) => ({ map, boxes: boxes[i]! }));
    const result = await trainDetector({ tagIds: tags, images, seed: 1 });
    expect(result.folds).toBe(5);
    const m = detectionMetricsAt(result.evaluation!, 0.5, 0.5);
    expect(m.averagePrecision).toBeGreaterThanOrEqual(0.85);
    for (const t of m.perTag) expect(t.averagePrecision).toBeGreaterThanOrEqual(0.8);
    // Same inputs, same detector, on the worker thread too.
    const again = await trainDetectorOffThread({ tagIds: tags, images, seed: 1, evaluate: false });
    expect(again.weights).toEqual(result.weights);
  }, 180_000);

  it('detects the held-out test photo, round-trips through JSON and proposes regions', async () => {
    const { weights } = await trainDetector({
      tagIds: tags,
      images: maps.map((map, i) => ({ map, boxes: boxes[i]! })),
      seed: 1,
      evaluate: false,
    });
    const detector = deserializeDetector(
      serializeDetector({
        format: 'cvkit-detector',
        formatVersion: 1,
        backbone: { id: backbone.id, version: backbone.version },
        tagIds: tags,
        weights,
      }),
    );
    const found = await detect(detector, backbone, readFileSync(path.join(DIR, 'test/fork/test_image.jpg')));
    expect(found[0]!.tag).toBe(0);
    expect(found[0]!.probability).toBeGreaterThan(0.3);
    // Sorted, within the image, at most 200.
    for (let i = 1; i < found.length; i++) expect(found[i]!.probability).toBeLessThanOrEqual(found[i - 1]!.probability);
    for (const d of found) {
      expect(d.left).toBeGreaterThanOrEqual(0);
      expect(d.left + d.width).toBeLessThanOrEqual(1 + 1e-6);
      expect(d.width).toBeGreaterThan(0);
    }
    const proposals = proposeRegions(detector, maps[0]!);
    expect(proposals.length).toBeGreaterThan(0);
    expect(proposals.every((p) => p.tag === 0)).toBe(true);
    // NMS: no two kept boxes of one tag overlap by IoU ≥ 0.5 even with every candidate let through.
    const all = decodeDetections(
      weights,
      { scores: new Float32Array(196 * 2).fill(0.5), boxes: new Float32Array(196 * 4).fill(0.25) },
      {},
    );
    expect(all).toHaveLength(2);
    expect(() =>
      deserializeDetector('{"format":"cvkit-detector","formatVersion":1,"tagIds":[],"weights":{}}'),
    ).toThrow();
  }, 120_000);

  it('computes int8 maps for General domains: their own version, close to the float maps, the same mAP', async () => {
    const int8 = await getDetectionBackbone('int8');
    expect(backbone.precision).toBe('float32');
    expect(int8.precision).toBe('int8');
    expect(int8.runtime.description).toContain('int8');
    expect(int8.version).toBe(backbone.version.replace(/\+whole-/, '+int8+whole-'));
    expect(sameFeatureFamily(int8.version, backbone.version)).toBe(true);
    const quantized: FeatureMap[] = [];
    for (const p of photos) quantized.push(await int8.featureMap(readFileSync(path.join(DIR, p.file))));
    const cosines = quantized.map((q, i) => cosine(q.values, maps[i]!.values));
    expect(Math.min(...cosines)).toBeGreaterThan(0.99);
    expect(Math.max(...cosines)).toBeLessThan(1);
    const result = await trainDetector({
      tagIds: tags,
      images: quantized.map((map, i) => ({ map, boxes: boxes[i]! })),
      seed: 1,
    });
    expect(detectionMetricsAt(result.evaluation!, 0.5, 0.5).averagePrecision).toBeGreaterThanOrEqual(0.85);
  }, 180_000);
});

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}
