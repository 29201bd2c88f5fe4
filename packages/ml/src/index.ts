/**
 * @cvkit/ml: the machine-learning layer of cvkit. Pure functions and objects: no HTTP, no storage.
 *
 * - engine/: picks tfjs-node, threaded wasm or cpu (`initEngine`, `engineInfo`).
 * - backbones/: pretrained networks from nsfwjs's bundled files, cut where features are general (`loadBackbone`).
 * - preprocess/: the one preprocessing path (EXIF orientation, centre square crop, resize, RGB 0–255).
 * - heads/: linear classifier heads fitted with L-BFGS (`fitLinear`, `activate`).
 * - export/: ONNX and TF.js graph-model exports of backbone + head.
 */
export { type Backbone, type BackboneSpec, loadBackbone } from './backbones/backbone.ts';
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
export { type EngineInfo, engineInfo, getTf, initEngine } from './engine/engine.ts';
export * from './errors.ts';
export * from './export/index.ts';
export { type FitProblem, fitLinear } from './heads/fit.ts';
export { type Activation, activate, type LinearModel } from './heads/linear-model.ts';
export { mirrorHorizontally, type PreprocessedImage, preprocess } from './preprocess/preprocess.ts';
