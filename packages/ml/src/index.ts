/**
 * @cvkit/ml: the machine-learning layer of cvkit. Pure functions and objects: no HTTP, no storage; the caller
 * persists features, heads and evaluations.
 *
 * - engine/: picks tfjs-node, threaded wasm or cpu (`initEngine`, `engineInfo`).
 * - backbones/: pretrained networks from nsfwjs's bundled files, cut where features transfer (`getBackbone`).
 * - preprocess/: the preprocessing paths (EXIF orientation, centre square, customvision-tfjs crop_and_resize or
 *   antialiased resize, RGB 0–255) and views.
 * - heads/: linear heads fitted with L-BFGS, prediction, JSON serialisation.
 * - training/: `trainHead` (Regular / Advanced, Negative tag, class balancing, augmentation views), and
 *   `trainHeadOffThread`, the same on a worker thread.
 * - evaluation/: cross-validated out-of-fold probabilities and `metricsAt(evaluation, threshold)`.
 * - export/: ONNX, TF.js and Docker exports of backbone + head.
 *
 * Typical use:
 *
 *   await initEngine();                                            // once per process; log engineInfo()
 *   const backbone = await getBackbone('general');                 // or 'compact', or a backbone id
 *   const views = trainingViews('Regular', true, uploads.length);    // the views to embed for training
 *   const { features } = await embedViews(backbone, bytes, views); // cache per (sha256, backbone.cacheKey, view)
 *   const { head, evaluation } = await trainHead({
 *     backbone, tagIds, tagTypes, classificationType: 'Multiclass',
 *     images: [{ features, tags: [0] }, ...], trainingType: 'Regular', augment: true, seed: 1,
 *   });
 *   const stored = serializeHead(head);                            // JSON text
 *   const performance = metricsAt(evaluation!, 0.5);               // any threshold, no retraining
 *   const predictions = await classify(deserializeHead(stored), backbone, bytes);
 *
 * Errors are typed: ImageDecodeError (and ImageTooLargeError), TrainingInputError, HeadFormatError, EngineError,
 * all extending MlError.
 */

// Backbones
export {
  type Backbone,
  type BackboneSpec,
  backboneVersion,
  type FeatureTap,
  featureDim,
  INT8_VERSION_MARK,
  loadBackbone,
  sameFeatureFamily,
  withPreprocessing,
} from './backbones/backbone.ts';
export { loadBundledModel, type NsfwjsModelName } from './backbones/nsfwjs-files.ts';
export {
  type BestBackbone,
  type BestBackboneOptions,
  type EmbedRuntime,
  loadBestBackbone,
  loadOnnxBackbone,
  type OnnxBackbone,
  type OnnxBackboneOptions,
  type OrtLoader,
} from './backbones/onnx-backbone.ts';
export { type Pooling, pooledSize, poolFeatureMap } from './backbones/pooling.ts';
export {
  BACKBONE_SPECS,
  DOMAIN_BACKBONES,
  type DomainKind,
  getBackbone,
  getBackboneWithRuntime,
} from './backbones/registry.ts';
// Object detection
export {
  DETECTION_BACKBONE,
  type DetectionBackbone,
  type DetectionPrecision,
  detectionExportBackbone,
  getDetectionBackbone,
} from './detection/detection-backbone.ts';
export {
  DEFAULT_OVERLAP_THRESHOLD,
  type DetectionEvaluation,
  type DetectionMetrics,
  type DetectionTagMetrics,
  detectionMetricsAt,
} from './detection/detection-metrics.ts';
export {
  type Detector,
  deserializeDetector,
  detect,
  detectOnMap,
  proposeRegions,
  serializeDetector,
} from './detection/detector.ts';
export {
  type DecodeOptions,
  type Detection,
  type DetectorWeights,
  type FeatureMap,
  iou,
  type LabelledBox,
} from './detection/detector-head.ts';
export {
  type DetectorTrainingImage,
  type TrainDetectorOptions,
  type TrainDetectorResult,
  trainDetector,
} from './detection/train-detector.ts';
export { backboneForHead, classify, type EmbeddedViews, type EmbedOptions, embedViews } from './embed.ts';
// Engine
export {
  type BackendName,
  type EngineInfo,
  type EngineOptions,
  engineInfo,
  getTf,
  initEngine,
} from './engine/engine.ts';
// Errors
export * from './errors.ts';
// Evaluation
export {
  accuracy,
  averagePrecision,
  type ClassificationType,
  type EvaluationData,
  type Metrics,
  metricsAt,
  predictedTags,
  type TagMetrics,
  type TagType,
} from './evaluation/metrics.ts';
export {
  buildOnnxDetector,
  DETECTED_BOXES,
  DETECTED_CLASSES,
  DETECTED_SCORES,
  exportOnnxDetector,
} from './export/detection/onnx-detector.ts';
export { buildTfjsDetector, exportTfjsDetector } from './export/detection/tfjs-detector.ts';
// Exports (ONNX, TF.js, Docker)
export * from './export/index.ts';
// Heads
export { type FitProblem, type FitResult, fitLinear } from './heads/fit.ts';
export {
  type BackboneRef,
  type Head,
  type HeadTrainingInfo,
  type NegativeSource,
  predict,
  type TagPrediction,
  type TrainingType,
  tagProbabilities,
} from './heads/head.ts';
export { type Activation, activate, type LinearModel, meanFeatures } from './heads/linear-model.ts';
export { blendPrototypes, classPrototypes, type Prototypes, prototypeScores } from './heads/prototypes.ts';
export { deserializeHead, serializeHead } from './heads/serialize.ts';
export { cropAndResizeBilinear, customVisionCentreBox, type SquareBox } from './preprocess/crop-and-resize.ts';
// Preprocessing, views, embedding
export {
  ANTIALIASED_PREPROCESSING,
  type CropBox,
  CUSTOMVISION_TFJS_PREPROCESSING,
  cropRect,
  DEFAULT_MAX_DECODED_PIXELS,
  DEFAULT_MAX_INPUT_PIXELS,
  type DecodedImage,
  decodeImage,
  describePreprocessing,
  mirrorHorizontally,
  type PreprocessedImage,
  type PreprocessingDescription,
  type PreprocessingVersion,
  type PreprocessOptions,
  preprocess,
  sampleView,
  squareBox,
} from './preprocess/preprocess.ts';
export {
  CANONICAL_VIEW,
  type ImageFeatures,
  isViewName,
  preprocessViews,
  VIEW_CROPS,
  VIEW_NAMES,
  type ViewName,
} from './preprocess/views.ts';
// Training
export type { TrainingImage } from './training/problem.ts';
export {
  ADVANCED_L2_FACTORS,
  DEFAULT_ADVANCED_BUDGET_MS,
  PROTOTYPE_WEIGHTS,
  type TrainHeadOptions,
  type TrainHeadResult,
  type TrainingProgress,
  trainHead,
} from './training/train-head.ts';
export { type OffThreadOptions, trainDetectorOffThread, trainHeadOffThread } from './training/train-head-off-thread.ts';
export {
  CROP_GROUPS_MAX_IMAGES,
  predictionViewsFor,
  trainingViewGroups,
  trainingViews,
} from './training/views.ts';
