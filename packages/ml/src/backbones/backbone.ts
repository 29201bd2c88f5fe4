/**
 * A pretrained network cut where its features are general, turned into `embed(images) → Float32Array[]`.
 */
import type { GraphModel, LayersModel, Tensor, Tensor4D } from '@tensorflow/tfjs';
import { getTf } from '../engine/engine.ts';
import { TrainingInputError } from '../errors.ts';
import {
  describePreprocessing,
  PREPROCESSING_VERSION,
  type PreprocessingDescription,
} from '../preprocess/preprocess.ts';
import { type BundledModel, loadBundledModel, type NsfwjsModelName } from './nsfwjs-files.ts';

/** Where features are read: a graph node (GraphModel) or layer name (LayersModel), mean-pooled over space. */
export interface FeatureTap {
  name: string;
  /** Channels at that point; checked at load. */
  channels: number;
}

export interface BackboneSpec {
  /** Stable identifier; part of every head and of the server's feature-cache key. */
  id: string;
  /** Bump when the feature definition changes (taps, pooling, scaling) so cached features are invalidated. */
  featureRevision: number;
  description: string;
  model: NsfwjsModelName;
  format: 'graph' | 'layers';
  inputSize: number;
  /** The network's input is `pixel * inputScale + inputOffset` for pixels in 0–255. */
  inputScale: number;
  inputOffset: number;
  taps: FeatureTap[];
}

export interface Backbone {
  readonly spec: BackboneSpec;
  readonly id: string;
  /** Changes whenever the same image could produce a different feature vector (weights, taps, preprocessing). */
  readonly version: string;
  /** `${id}@${version}`: the key the server caches features under. */
  readonly cacheKey: string;
  readonly inputSize: number;
  readonly dim: number;
  readonly preprocessing: PreprocessingDescription;
  /**
   * Features for images of `inputSize`² × 3 RGB values in 0–255 (NHWC, as `preprocess` returns). Batched;
   * results do not depend on how images are grouped into batches.
   */
  embed(images: readonly Float32Array[]): Promise<Float32Array[]>;
  dispose(): void;
}

const DEFAULT_BATCH = 8;

/**
 * A backbone's `version`: what its features depend on (weights, feature revision, preprocessing). Shared by every
 * runtime that computes the same features, so features cached by one are reused by the others.
 */
export function backboneVersion(spec: BackboneSpec, bundled: BundledModel): string {
  return `${spec.model}@nsfwjs-${bundled.nsfwjsVersion}+w${bundled.weightsSha256.slice(0, 12)}+f${spec.featureRevision}+${PREPROCESSING_VERSION}`;
}

export async function loadBackbone(spec: BackboneSpec): Promise<Backbone> {
  const tf = getTf();
  const bundled = loadBundledModel(spec.model);
  const handler = tf.io.fromMemory(bundled.artifacts);
  let run: (input: Tensor4D) => Tensor[];
  let disposeModel: () => void;
  if (spec.format === 'graph') {
    const model: GraphModel = await tf.loadGraphModel(handler);
    const names = spec.taps.map((t) => t.name);
    run = (input) => {
      const out = model.execute(input, names);
      return Array.isArray(out) ? out : [out];
    };
    disposeModel = () => model.dispose();
  } else {
    const full: LayersModel = await tf.loadLayersModel(handler);
    const cut = tf.model({ inputs: full.inputs, outputs: spec.taps.map((t) => full.getLayer(t.name).output as never) });
    run = (input) => {
      const out = cut.predict(input);
      return Array.isArray(out) ? out : [out];
    };
    disposeModel = () => full.dispose();
  }
  const dim = spec.taps.reduce((sum, t) => sum + t.channels, 0);
  const size = spec.inputSize;
  const pixels = size * size * 3;

  const forward = (batch: readonly Float32Array[]): Float32Array => {
    const flat = new Float32Array(batch.length * pixels);
    batch.forEach((img, i) => {
      flat.set(img, i * pixels);
    });
    return tf.tidy(() => {
      const x = tf.tensor4d(flat, [batch.length, size, size, 3]).mul(spec.inputScale).add(spec.inputOffset) as Tensor4D;
      const pooled = run(x).map((t) => (t.rank === 4 ? t.mean([1, 2]) : t.reshape([batch.length, -1])));
      const features = pooled.length === 1 ? pooled[0]! : tf.concat(pooled, 1);
      return features.dataSync() as Float32Array;
    });
  };

  // One warm-up pass: the first execution allocates kernels and is several times slower.
  const warm = forward([new Float32Array(pixels)]);
  if (warm.length !== dim) {
    disposeModel();
    throw new Error(`backbone ${spec.id}: taps give ${warm.length} features, spec says ${dim}`);
  }

  const version = backboneVersion(spec, bundled);
  return {
    spec,
    id: spec.id,
    version,
    cacheKey: `${spec.id}@${version}`,
    inputSize: size,
    dim,
    preprocessing: describePreprocessing(size),
    async embed(images) {
      for (const img of images) {
        if (img.length !== pixels) {
          throw new TrainingInputError(`embed: expected ${size}x${size}x3 = ${pixels} values, got ${img.length}`);
        }
      }
      const out: Float32Array[] = [];
      for (let start = 0; start < images.length; start += DEFAULT_BATCH) {
        const batch = images.slice(start, start + DEFAULT_BATCH);
        const flat = forward(batch);
        for (let i = 0; i < batch.length; i++) out.push(flat.slice(i * dim, (i + 1) * dim));
        // Let the event loop breathe between batches of a large embedding job.
        if (start + DEFAULT_BATCH < images.length) await new Promise((r) => setImmediate(r));
      }
      return out;
    },
    dispose: disposeModel,
  };
}
