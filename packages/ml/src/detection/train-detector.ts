/**
 * Training of a project's detector: the heads fitted on every image (the model), and the same fit cross-validated
 * to give each image out-of-fold detections (the evaluation, from which any threshold's metrics are computed).
 */
import { TrainingInputError } from '../errors.ts';
import { chooseFoldCount, rarestTagStrata, stratifiedFolds } from '../evaluation/folds.ts';
import type { DetectionEvaluation } from './detection-metrics.ts';
import {
  type DecodeOptions,
  type DetectorWeights,
  decodeDetections,
  detectorOutputs,
  type FeatureMap,
  fitDetector,
  type LabelledBox,
} from './detector-head.ts';

export interface DetectorTrainingImage {
  map: FeatureMap;
  boxes: LabelledBox[];
}

export interface TrainDetectorOptions {
  tagIds: string[];
  images: DetectorTrainingImage[];
  seed: number;
  /** Skip cross-validation (e.g. the benchmark's own folds). */
  evaluate?: boolean;
  steps?: number;
  onProgress?: (progress: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

export interface TrainDetectorResult {
  weights: DetectorWeights;
  evaluation?: DetectionEvaluation;
  /** Folds used for cross-validation (0 when not evaluated). */
  folds: number;
}

/** Decoding used for stored evaluations: low probabilities kept, as prediction does, so any threshold can be applied. */
export const EVALUATION_DECODE: DecodeOptions = { minProbability: 0.01 };

export async function trainDetector(o: TrainDetectorOptions): Promise<TrainDetectorResult> {
  const T = o.tagIds.length;
  if (!T) throw new TrainingInputError('trainDetector: no tags');
  if (o.images.some((i) => !i.boxes.length)) throw new TrainingInputError('trainDetector: every image needs a box');
  const fit = (indices: number[]) =>
    fitDetector({
      tags: T,
      maps: indices.map((i) => o.images[i]!.map),
      boxes: indices.map((i) => o.images[i]!.boxes),
      ...(o.steps !== undefined ? { steps: o.steps } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  const all = o.images.map((_, i) => i);
  if (o.evaluate === false) {
    const weights = fit(all);
    o.onProgress?.({ done: 1, total: 1 });
    return { weights, folds: 0 };
  }
  // Images per tag (an image counts once per tag it has boxes of); strata: the image's rarest tag.
  const counts = new Array<number>(T).fill(0);
  const labels = o.images.map((img) => [...new Set(img.boxes.map((b) => b.tag))]);
  for (const l of labels) for (const t of l) counts[t]!++;
  const k = chooseFoldCount(
    counts.filter((c) => c > 0),
    o.images.length,
  );
  const folds = stratifiedFolds(rarestTagStrata(labels, counts), k, o.seed);
  const images: DetectionEvaluation['images'] = new Array(o.images.length);
  for (let f = 0; f < k; f++) {
    const weights = fit(all.filter((i) => folds[i] !== f));
    for (const i of all) {
      if (folds[i] !== f) continue;
      const img = o.images[i]!;
      images[i] = {
        truth: img.boxes,
        detections: decodeDetections(weights, detectorOutputs(weights, img.map), EVALUATION_DECODE),
      };
    }
    o.onProgress?.({ done: f + 1, total: k + 1 });
    await new Promise((r) => setImmediate(r));
  }
  const weights = fit(all);
  o.onProgress?.({ done: k + 1, total: k + 1 });
  return { weights, evaluation: { tagIds: o.tagIds, images }, folds: k };
}
