/**
 * A pretrained network cut where its features transfer well, as `embed(images) → Float32Array[]`.
 */
import type { GraphModel, LayersModel, Tensor, Tensor4D } from '@tensorflow/tfjs';
import { getTf } from '../engine/engine.ts';
import { TrainingInputError } from '../errors.ts';
import {
  describePreprocessing,
  type PreprocessingDescription,
  type PreprocessingVersion,
} from '../preprocess/preprocess.ts';
import { type BundledModel, loadBundledModel, type NsfwjsModelName } from './nsfwjs-files.ts';
import { type Pooling, pooledSize, poolFeatureMap } from './pooling.ts';
import { matrixSqrtRoots, upperTriangleL2 } from './pooling-tf.ts';

/**
 * Where features are read: a graph node (GraphModel) or layer name (LayersModel). A 4-D output (NHWC) is pooled
 * over space (`pooling`, default mean); a 2-D output is taken as is. Several taps are concatenated in order.
 */
export interface FeatureTap {
  name: string;
  /** Channels at that point; checked at load. */
  channels: number;
  pooling?: Pooling;
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
  /** The network sees `pixel * inputScale + inputOffset` for pixels in 0–255. */
  inputScale: number;
  inputOffset: number;
  taps: FeatureTap[];
  /** L2 strength heads use by default with these features (chosen by cross-validation, see README). */
  defaultL2?: number;
  /** The preprocessing path images take to this backbone (see preprocess/preprocess.ts). */
  preprocessing: PreprocessingVersion;
  /**
   * 'int8': onnxruntime runs this backbone statically quantized (backbones/int8-ranges.ts), about twice as fast on
   * CPUs with 8-bit dot products. Only for backbones no export has to reproduce.
   */
  onnxPrecision?: 'int8';
}

/** Marks the version of features computed by an int8 model (see onnx-backbone.ts). */
export const INT8_VERSION_MARK = '+int8';

/**
 * Whether features under cache key `a` can stand in for features under `b`: equal keys, or the same network and
 * preprocessing at another precision (int8 features are within a few per cent of the float ones, so a head trained
 * on one predicts the same tags on the other; its probabilities move by about a per cent).
 */
export function sameFeatureFamily(a: string, b: string): boolean {
  return a.replace(INT8_VERSION_MARK, '') === b.replace(INT8_VERSION_MARK, '');
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
   * Features of images given as inputSize² × 3 RGB values in 0–255 (NHWC, as `preprocess` returns: `data`, or
   * `pixels` when the path made bytes). Batched; each image's features are the same whatever batch it is computed in.
   */
  embed(images: readonly PixelValues[]): Promise<Float32Array[]>;
  dispose(): void;
}

/** An image's RGB values in 0–255: floats, or bytes when its preprocessing produced whole numbers. */
export type PixelValues = Float32Array | Uint8Array;

/** Images per forward pass: enough to amortise per-call overhead, small enough to keep memory flat. */
const BATCH = 4;

/** Size of a spec's feature vector. */
export function featureDim(spec: BackboneSpec): number {
  return spec.taps.reduce((sum, t) => sum + pooledSize(t.pooling ?? 'mean', t.channels), 0);
}

/**
 * A backbone's `version`: what its features depend on (weights, feature revision, precision, preprocessing). Shared
 * by every runtime that computes the same features, so features cached by one are reused by the others. An int8
 * model computes features close to the float ones but not equal (backbones/int8-ranges.ts), so `+int8` gives them
 * their own version; it goes before the preprocessing suffix, which `withPreprocessing` rewrites.
 */
export function backboneVersion(
  spec: Pick<BackboneSpec, 'model' | 'featureRevision'> & { preprocessing: string },
  bundled: BundledModel,
  precision: 'int8' | 'float32' = 'float32',
): string {
  const int8 = precision === 'int8' ? INT8_VERSION_MARK : '';
  return `${spec.model}@nsfwjs-${bundled.nsfwjsVersion}+w${bundled.weightsSha256.slice(0, 12)}+f${spec.featureRevision}${int8}+${spec.preprocessing}`;
}

/**
 * The same network fed by another preprocessing path, e.g. for a head trained before the current path existed. It
 * shares the loaded model (its dispose does nothing) and reports the version and cache key that path gives.
 */
export function withPreprocessing(backbone: Backbone, version: PreprocessingVersion): Backbone {
  const current = backbone.spec.preprocessing;
  if (current === version) return backbone;
  const suffix = `+${current}`;
  if (!backbone.version.endsWith(suffix)) {
    throw new Error(`backbone version ${backbone.version} does not end with its preprocessing version ${current}`);
  }
  const otherVersion = `${backbone.version.slice(0, -suffix.length)}+${version}`;
  return {
    spec: { ...backbone.spec, preprocessing: version },
    id: backbone.id,
    version: otherVersion,
    cacheKey: `${backbone.id}@${otherVersion}`,
    inputSize: backbone.inputSize,
    dim: backbone.dim,
    preprocessing: describePreprocessing(backbone.inputSize, version),
    embed: (images) => backbone.embed(images),
    dispose: () => {},
  };
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
    // Only the nodes the taps need are executed: a tap inside the network skips everything after it.
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
  const dim = featureDim(spec);
  const size = spec.inputSize;
  const pixels = size * size * 3;

  const forward = (batch: readonly PixelValues[]): Float32Array[] => {
    const flat = new Float32Array(batch.length * pixels);
    batch.forEach((img, i) => {
      flat.set(img, i * pixels);
    });
    const outputs = tf.tidy(() => {
      const x = tf.tensor4d(flat, [batch.length, size, size, 3]).mul(spec.inputScale).add(spec.inputOffset) as Tensor4D;
      return run(x);
    });
    const extra: Tensor[] = [];
    try {
      // Mean and plain bilinear pooling happen in JavaScript with float64 sums: identical for an image whatever batch
      // it is in. The matrix square root's products run on the backend's kernels (pooling-tf.ts).
      const parts = outputs.map((t, k) => {
        const tap = spec.taps[k]!;
        const channels = t.shape[t.rank - 1]!;
        if (channels !== tap.channels) {
          throw new Error(`backbone ${spec.id}: tap ${tap.name} has ${channels} channels, spec says ${tap.channels}`);
        }
        if (t.rank === 4 && tap.pooling === 'bilinear-msqrt') {
          const { roots, traces } = tf.tidy(() => matrixSqrtRoots(t as Tensor4D));
          extra.push(roots, traces);
          const rootValues = roots.dataSync() as Float32Array;
          const traceValues = traces.dataSync() as Float32Array;
          const per = channels * channels;
          return Array.from({ length: batch.length }, (_, i) =>
            upperTriangleL2(rootValues.subarray(i * per, (i + 1) * per), traceValues[i]!, channels),
          );
        }
        const values = t.dataSync() as Float32Array;
        const positions = t.rank === 4 ? t.shape[1]! * t.shape[2]! : 1;
        const per = positions * channels;
        return Array.from({ length: batch.length }, (_, i) => {
          const slice = values.subarray(i * per, (i + 1) * per);
          return t.rank === 4 ? poolFeatureMap(slice, positions, channels, tap.pooling ?? 'mean') : slice.slice();
        });
      });
      return batch.map((_, i) => {
        if (parts.length === 1) return parts[0]![i]!;
        const out = new Float32Array(dim);
        let offset = 0;
        for (const p of parts) {
          out.set(p[i]!, offset);
          offset += p[i]!.length;
        }
        return out;
      });
    } finally {
      for (const t of [...outputs, ...extra]) t.dispose();
    }
  };

  // Warm-up: the first execution allocates kernels and is several times slower than the next ones.
  const warm = forward([new Float32Array(pixels)]);
  if (warm[0]!.length !== dim) {
    disposeModel();
    throw new Error(`backbone ${spec.id}: taps give ${warm[0]!.length} features, spec says ${dim}`);
  }

  const version = backboneVersion(spec, bundled);
  return {
    spec,
    id: spec.id,
    version,
    cacheKey: `${spec.id}@${version}`,
    inputSize: size,
    dim,
    preprocessing: describePreprocessing(size, spec.preprocessing),
    async embed(images) {
      for (const img of images) {
        if (img.length !== pixels) {
          throw new TrainingInputError(`embed: expected ${size}x${size}x3 = ${pixels} values, got ${img.length}`);
        }
      }
      const out: Float32Array[] = [];
      for (let start = 0; start < images.length; start += BATCH) {
        out.push(...forward(images.slice(start, start + BATCH)));
        // Let the event loop breathe between batches of a large embedding job.
        if (start + BATCH < images.length) await new Promise((r) => setImmediate(r));
      }
      return out;
    },
    dispose: disposeModel,
  };
}
