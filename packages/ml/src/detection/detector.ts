/**
 * A trained detector as stored (JSON), and what it answers for an image: tagged boxes, and class-agnostic region
 * proposals (the highest tag score at each cell, decoded as one heatmap).
 */
import { HeadFormatError } from '../errors.ts';
import type { DetectionBackbone } from './detection-backbone.ts';
import {
  type DecodeOptions,
  type Detection,
  type DetectorWeights,
  decodeDetections,
  detectorOutputs,
  type FeatureMap,
} from './detector-head.ts';

export interface Detector {
  format: 'cvkit-detector';
  formatVersion: 1;
  backbone: { id: string; version: string };
  tagIds: string[];
  weights: DetectorWeights;
}

export function serializeDetector(d: Detector): string {
  return JSON.stringify(d);
}

export function deserializeDetector(text: string): Detector {
  let d: Detector;
  try {
    d = JSON.parse(text) as Detector;
  } catch (e) {
    throw new HeadFormatError(`detector is not JSON: ${(e as Error).message}`);
  }
  const w = d?.weights;
  if (d?.format !== 'cvkit-detector' || d.formatVersion !== 1 || !w || !Array.isArray(d.tagIds))
    throw new HeadFormatError('not a cvkit detector (format 1)');
  const C = w.channels;
  const T = w.tags;
  if (
    T !== d.tagIds.length ||
    w.mean?.length !== C ||
    w.heatWeights?.length !== C * T ||
    w.heatBias?.length !== T ||
    w.boxWeights?.length !== (C + 1) * 4
  )
    throw new HeadFormatError('detector weights do not match their declared shape');
  return d;
}

/** Boxes for an image: tag index into `detector.tagIds`, highest probability first. */
export async function detect(
  detector: Detector,
  backbone: DetectionBackbone,
  bytes: Uint8Array,
  options?: DecodeOptions,
): Promise<Detection[]> {
  checkBackbone(detector, backbone);
  return detectOnMap(detector, await backbone.featureMap(bytes), options);
}

export function detectOnMap(detector: Detector, map: FeatureMap, options?: DecodeOptions): Detection[] {
  return decodeDetections(detector.weights, detectorOutputs(detector.weights, map), options);
}

/** Class-agnostic proposals: per cell the best tag's score, peaks and NMS as for detections; `tag` is always 0. */
export function proposeRegions(detector: Detector, map: FeatureMap, options?: DecodeOptions): Detection[] {
  const w = detector.weights;
  const out = detectorOutputs(w, map);
  const cells = w.grid * w.grid;
  const scores = new Float32Array(cells);
  for (let c = 0; c < cells; c++) {
    let best = 0;
    for (let t = 0; t < w.tags; t++) best = Math.max(best, out.scores[c * w.tags + t]!);
    scores[c] = best;
  }
  return decodeDetections({ ...w, tags: 1 }, { scores, boxes: out.boxes }, options);
}

function checkBackbone(detector: Detector, backbone: DetectionBackbone) {
  if (detector.backbone.id !== backbone.id || detector.backbone.version !== backbone.version)
    throw new HeadFormatError(
      `detector was trained on ${detector.backbone.id}@${detector.backbone.version}, not ${backbone.cacheKey}`,
    );
}
