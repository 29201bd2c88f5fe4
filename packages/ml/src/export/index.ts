/**
 * Model export: turn a trained classifier (TF.js graph backbone + linear head) into the files
 * Custom Vision's export packages contain. Pure: no I/O, no HTTP, no storage; the server zips the
 * returned files (fflate) and stores them.
 *
 * ```ts
 * const backbone: TfjsGraphBackbone = {
 *   artifacts,                       // tf.io.ModelArtifacts of the graph model (e.g. nsfwjs mid)
 *   inputNode: 'input',              // optional: the single Placeholder feeding featureNode
 *   featureNode: '…/feature_vector/SpatialSqueeze',
 *   inputSize: 224,
 *   inputScale: 1 / 255,             // the backbone's input is pixel·scale + offset
 *   name: 'nsfwjs 4.4.0 MobileNetV2 ×1.4 (mid)',
 * };
 * const head: LinearHead = { W, b, activation: 'softmax', labels };  // W: [featureDim × numTags]
 * // A heads/LinearModel (weights [outputs × inputDim]) fits with weightLayout: 'tagsByFeatures'.
 * // A backbones/BackboneSpec maps as { artifacts: loadBundledModel(spec.model).artifacts,
 * //   featureNode: spec.taps[0].name, inputSize, inputScale, inputOffset, name: spec.description }
 * // (graph format, one tap).
 *
 * const onnxFiles = await exportOnnx({ backbone, head, flavor: null });      // or 'ONNX12'
 * const tfjsFiles = await exportTfjs({ backbone, head });
 * const dockerFiles = await exportDocker({ backbone, head, flavor: 'Linux' }); // or 'ARM'; 'Windows' throws
 * // → ExportFile[]: { path: 'model.onnx' | 'model.json' | 'group1-shard1of2.bin' | 'labels.txt' |
 * //                   'cvexport.manifest' | 'metadata_properties.json' | 'README.md', bytes }
 * ```
 *
 * Flavors (Custom Vision's ONNX flavor names are ONNX releases): default → ONNX 1.8 (IR 7,
 * opset 13); 'ONNX12' → ONNX 1.2 (IR 3, opset 7, plus WinML-style `classLabel`/`loss` outputs);
 * 'ONNX10' (ONNX 1.0, opset 1) throws InvalidExportOptionsError. Errors are ExportError
 * subclasses with a `code` (see errors.ts). README.md beside this file has the details.
 */

export {
  type BuiltCoreMlModel,
  buildCoreMlModel,
  COREML_CLASS_LABEL_OUTPUT,
  COREML_INPUT_NAME,
  COREML_PROBABILITIES_OUTPUT,
  type CoreMlExportOptions,
  exportCoreMl,
} from './coreml/export-coreml.ts';
export { encodeMlModel, type MlModelOptions } from './coreml/mlmodel-writer.ts';
export {
  DOCKER_MODEL_DIR,
  type DockerExportOptions,
  type DockerFlavor,
  exportDocker,
} from './docker/export-docker.ts';
export {
  ExportError,
  type ExportErrorCode,
  InvalidBackboneError,
  InvalidExportOptionsError,
  InvalidHeadError,
  OnnxEncodingError,
  UnsupportedOpError,
} from './errors.ts';
export { linearHeadFromTrained } from './head.ts';
export {
  type BuiltOnnxFeatureModel,
  type BuiltOnnxModel,
  buildOnnxFeatureModel,
  buildOnnxModel,
  exportOnnx,
  ONNX_CLASS_LABEL_OUTPUT,
  ONNX_FEATURES_OUTPUT,
  ONNX_INPUT_NAME,
  ONNX_LOSS_OUTPUT,
  ONNX_PROBABILITIES_OUTPUT,
  type OnnxExportOptions,
  type OnnxFeatureModelOptions,
  type OnnxFlavor,
} from './onnx/export-onnx.ts';
export { appendStockBackbone, buildStockClassifier, type StockClassifierOptions } from './stock/classifier.ts';
export { appendTfjsNodes, StockGraphBuilder } from './stock/from-tfjs.ts';
export type { StockGraph, StockNode, StockValue } from './stock/graph.ts';
export {
  type BuiltTensorFlowModel,
  buildTensorFlowModel,
  exportTensorFlow,
  TENSORFLOW_FLAVORS,
  type TensorFlowExportOptions,
  type TensorFlowFlavor,
  TF_INPUT_NAME,
  TF_OUTPUT_NAME,
  tensorFlowFlavor,
} from './tensorflow/export-tensorflow.ts';
export { encodeGraphDef } from './tensorflow/graph-def.ts';
export {
  type BuiltTfjsModel,
  buildTfjsGraphModel,
  exportTfjs,
  TFJS_INPUT_NAME,
  TFJS_OUTPUT_NAME,
  type TfjsExportOptions,
} from './tfjs/export-tfjs.ts';
export type { TfjsGraphArtifacts, TfjsWeightSpec } from './tfjs/graph-def.ts';
export { encodeTflite, type TfliteWriteOptions } from './tflite/tflite-writer.ts';
export type { ExportFile, ExportSource, HeadActivation, LinearHead, TfjsGraphBackbone } from './types.ts';
