/** Types shared by the export formats. */
import type { TfjsGraphArtifacts } from './tfjs/graph-def.ts';

/** One file of an export package, in memory. `path` is relative and uses '/'. */
export interface ExportFile {
  path: string;
  bytes: Uint8Array;
}

/** softmax: multiclass (probabilities sum to 1); sigmoid: multilabel (independent per tag). */
export type HeadActivation = 'softmax' | 'sigmoid';

/** A trained linear classifier over backbone features: activation(features · W + b). */
export interface LinearHead {
  /** Weights, row-major, laid out as `weightLayout` says. */
  W: Float32Array;
  /**
   * 'featuresByTags' (default): W is [featureDim × numTags], W[f * numTags + t].
   * 'tagsByFeatures': W is [numTags × featureDim], W[t * featureDim + f] (the ml heads' LinearModel.weights).
   */
  weightLayout?: 'featuresByTags' | 'tagsByFeatures';
  /** [numTags]. */
  b: Float32Array;
  activation: HeadActivation;
  /** Tag names in output order; written one per line to labels.txt. */
  labels: readonly string[];
}

/**
 * A TF.js graph-model backbone and where to cut it. For nsfwjs's MobileNetV2 ×1.4 "mid":
 * inputNode 'input', featureNode '…/feature_vector/SpatialSqueeze', inputSize 224, inputScale 1/255.
 */
export interface TfjsGraphBackbone {
  /** modelTopology (a GraphDef), weightSpecs and weightData, e.g. a tf.io.ModelArtifacts. */
  artifacts: TfjsGraphArtifacts;
  /**
   * The image Placeholder: NHWC float32 [batch, inputSize, inputSize, 3], RGB. Optional when the
   * feature node depends on a single Placeholder.
   */
  inputNode?: string;
  /** The node whose output is the feature vector: [batch, featureDim], or [batch, h, w, featureDim] which is mean-pooled over h and w. */
  featureNode: string;
  /** Square input side, in pixels. */
  inputSize: number;
  /** The backbone's input is `pixel * inputScale + inputOffset` for RGB pixels in 0–255 (1/255 and 0 for x/255). */
  inputScale: number;
  /** Defaults to 0. */
  inputOffset?: number;
  /** Human-readable name for manifests and READMEs, e.g. 'nsfwjs 4.4.0 MobileNetV2 ×1.4 (mid)'. */
  name: string;
}

/** What every export is made from. */
export interface ExportSource {
  backbone: TfjsGraphBackbone;
  head: LinearHead;
  /** Iteration id or similar, recorded in cvexport.manifest. */
  iterationId?: string;
  /** ISO timestamp recorded in cvexport.manifest; defaults to now. Fixed values make exports reproducible. */
  exportedDate?: string;
}
