import {
  type Backbone,
  type DetectionEvaluation,
  type Detector,
  deserializeDetector,
  deserializeHead,
  type EvaluationData,
  type Head,
  serializeDetector,
  serializeHead,
} from '@cvkit/ml';

/**
 * How the engine stores an iteration's model and evaluation (JSON in the blob store), and how it reads what an
 * earlier version of cvkit stored, so iterations trained before an upgrade keep predicting and reporting.
 */

interface StoredModel {
  format: 'cvkit-server-model';
  formatVersion: 1;
  /** Tag names at training time, in the head's tag order: an export's labels.txt. */
  labels: string[];
  /** `serializeHead` text. */
  head: string;
}

/** cvkit ≤ 0.1's model: a linear head on MobileNetV2-mid's pooled features (the compact backbone), centre view. */
interface LegacyLinearModel {
  format: 'cvkit-linear-v1';
  tagIds: string[];
  labels: string[];
  activation: 'softmax' | 'sigmoid';
  inputDim: number;
  outputs: number;
  weights: string;
  bias: string;
}

export function encodeStoredModel(head: Head, labels: string[]): Buffer {
  const stored: StoredModel = { format: 'cvkit-server-model', formatVersion: 1, labels, head: serializeHead(head) };
  return Buffer.from(JSON.stringify(stored));
}

export async function decodeStoredModel(
  bytes: Uint8Array,
  compactBackbone: () => Promise<Backbone>,
): Promise<{ head: Head; labels: string[] }> {
  const stored = JSON.parse(Buffer.from(bytes).toString('utf8')) as StoredModel | LegacyLinearModel;
  if (stored.format === 'cvkit-server-model') return { head: deserializeHead(stored.head), labels: stored.labels };
  if (stored.format !== 'cvkit-linear-v1')
    throw new Error(`unknown stored model format ${String((stored as { format?: unknown }).format)}`);
  // Same features (the compact backbone's tap is the node the legacy engine read), same view: only the wrapper differs.
  const backbone = await compactBackbone();
  const f32 = (b64: string) => {
    const buf = Buffer.from(b64, 'base64');
    return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  };
  const head: Head = {
    format: 'cvkit-head',
    formatVersion: 1,
    classificationType: stored.activation === 'softmax' ? 'Multiclass' : 'Multilabel',
    tagIds: stored.tagIds,
    tagTypes: stored.tagIds.map(() => 'Regular'),
    backbone: { id: backbone.id, version: backbone.version, cacheKey: backbone.cacheKey, dim: backbone.dim },
    preprocessing: backbone.preprocessing,
    predictionViews: ['centre'],
    model: {
      activation: stored.activation,
      inputDim: stored.inputDim,
      outputs: stored.outputs,
      weights: f32(stored.weights),
      bias: f32(stored.bias),
    },
    outputTags: stored.tagIds.map((_, i) => i),
    negative: null,
    training: {
      trainingType: 'Regular',
      augment: false,
      seed: 0,
      l2: 0,
      trainingViews: ['centre'],
      imageCount: 0,
      balanced: true,
      iterations: 0,
      durationMs: 0,
    },
  };
  return { head, labels: stored.labels };
}

export interface StoredEvaluation {
  format: 'cvkit-evaluation';
  formatVersion: 1;
  /** The image each row of `data` is about. */
  imageIds: string[];
  data: EvaluationData;
}

/** cvkit ≤ 0.1's evaluation. */
interface LegacyEvaluation {
  classificationType: EvaluationData['classificationType'];
  tags: { id: string; negative: boolean }[];
  folds: number;
  images: { imageId: string; fold: number; truth: string[]; probabilities: number[] }[];
}

export function encodeStoredEvaluation(imageIds: string[], data: EvaluationData): Buffer {
  const stored: StoredEvaluation = { format: 'cvkit-evaluation', formatVersion: 1, imageIds, data };
  return Buffer.from(JSON.stringify(stored));
}

export function decodeStoredEvaluation(bytes: Uint8Array): { imageIds: string[]; data: EvaluationData } {
  const stored = JSON.parse(Buffer.from(bytes).toString('utf8')) as StoredEvaluation | LegacyEvaluation;
  if ('format' in stored && stored.format === 'cvkit-evaluation')
    return { imageIds: stored.imageIds, data: stored.data };
  const legacy = stored as LegacyEvaluation;
  const index = new Map(legacy.tags.map((t, i) => [t.id, i]));
  return {
    imageIds: legacy.images.map((i) => i.imageId),
    data: {
      classificationType: legacy.classificationType,
      tagIds: legacy.tags.map((t) => t.id),
      tagTypes: legacy.tags.map((t) => (t.negative ? 'Negative' : 'Regular')),
      folds: legacy.folds,
      fold: legacy.images.map((i) => i.fold),
      labels: legacy.images.map((i) => i.truth.filter((t) => index.has(t)).map((t) => index.get(t)!)),
      probabilities: legacy.images.map((i) => i.probabilities),
    },
  };
}

/** An object-detection iteration's model: the detector (`serializeDetector` text) and its labels. */
interface StoredDetector {
  format: 'cvkit-server-detector';
  formatVersion: 1;
  labels: string[];
  detector: string;
}

export function encodeStoredDetector(detector: Detector, labels: string[]): Buffer {
  const stored: StoredDetector = {
    format: 'cvkit-server-detector',
    formatVersion: 1,
    labels,
    detector: serializeDetector(detector),
  };
  return Buffer.from(JSON.stringify(stored));
}

/** The detector in a stored model, or undefined when the model is a classifier's. */
export function decodeStoredDetector(bytes: Uint8Array): { detector: Detector; labels: string[] } | undefined {
  const stored = JSON.parse(Buffer.from(bytes).toString('utf8')) as StoredDetector | { format?: unknown };
  if (stored.format !== 'cvkit-server-detector') return undefined;
  const d = stored as StoredDetector;
  return { detector: deserializeDetector(d.detector), labels: d.labels };
}

/** An object-detection iteration's evaluation: out-of-fold detections and truth per evaluated image. */
interface StoredDetectionEvaluation {
  format: 'cvkit-detection-evaluation';
  formatVersion: 1;
  imageIds: string[];
  data: DetectionEvaluation;
}

export function encodeStoredDetectionEvaluation(imageIds: string[], data: DetectionEvaluation): Buffer {
  const stored: StoredDetectionEvaluation = { format: 'cvkit-detection-evaluation', formatVersion: 1, imageIds, data };
  return Buffer.from(JSON.stringify(stored));
}

export function decodeStoredDetectionEvaluation(
  bytes: Uint8Array,
): { imageIds: string[]; data: DetectionEvaluation } | undefined {
  const stored = JSON.parse(Buffer.from(bytes).toString('utf8')) as StoredDetectionEvaluation | { format?: unknown };
  if (stored.format !== 'cvkit-detection-evaluation') return undefined;
  const d = stored as StoredDetectionEvaluation;
  return { imageIds: d.imageIds, data: d.data };
}
