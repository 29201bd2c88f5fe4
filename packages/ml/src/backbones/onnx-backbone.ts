/**
 * The same backbone run by onnxruntime-node instead of TensorFlow.js: the TF.js graph is converted in memory by our
 * own converter (`export/onnx`, features-only model) and run with onnxruntime's CPU provider, about 4× faster than
 * threaded wasm on 2 cores (MobileNetV2 mid: 4.5 vs 19 ms/image, docs/ml-measurements.md).
 *
 * onnxruntime-node is an optional dependency: it is loaded with `require` inside try/catch, and `loadBestBackbone`
 * falls back to the TF.js backbone (`loadBackbone`), returning why.
 *
 * Cache key. In float32 the ONNX backbone reports the same `version`/`cacheKey` as the TF.js one for the same spec:
 * both compute the same features from the same weights and preprocessing, within 1.5e-5 absolute on features of
 * magnitude up to ≈6 (test/onnx-backbone.test.ts checks ≤ 1e-4 on synthetic and real photos), far below what changes
 * a linear head's output. Features cached by one runtime are therefore reused by the other.
 *
 * int8. A spec with `onnxPrecision: 'int8'` (the General backbone) runs as a statically quantized model
 * (export/onnx/quantize-qdq.ts, ranges in int8-ranges.ts): 3.4 instead of 6.4 ms of CPU per view on this machine,
 * features at cosine ≥ 0.99 of the float ones, the same cross-validated and few-shot accuracy (docs/benchmarks.md).
 * Those features are cached under their own version (`+int8`), so a training never mixes the two; a head trained on
 * either precision predicts with the other (`sameFeatureFamily`), e.g. a model trained before int8 or on a server
 * without onnxruntime-node.
 *
 * Model build cost (2 cores, busy machine): decode bundled weights ≈ 90 ms, convert + encode ≈ 300 ms (17 MB),
 * session creation ≈ 60 ms: built in memory at every load, no file cache.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import type * as OrtModule from 'onnxruntime-node';
import { initEngine } from '../engine/engine.ts';
import { TrainingInputError } from '../errors.ts';
import { type BuiltOnnxFeatureModel, buildOnnxFeatureModel } from '../export/onnx/export-onnx.ts';
import { encodeModel } from '../export/onnx/onnx-writer.ts';
import { quantizeGraph } from '../export/onnx/quantize-qdq.ts';
import type { TfjsGraphArtifacts } from '../export/tfjs/graph-def.ts';
import { describePreprocessing } from '../preprocess/preprocess.ts';
import { yieldToEventLoop } from '../util/yield.ts';
import {
  type Backbone,
  type BackboneSpec,
  backboneVersion,
  featureDim,
  loadBackbone,
  type PixelValues,
} from './backbone.ts';
import { coalescingBatcher } from './coalescing-batcher.ts';
import { int8Ranges } from './int8-ranges.ts';
import { type BundledModel, loadBundledModel } from './nsfwjs-files.ts';
import { mainThreadRunner, type SessionOptions, type SessionRunner, workerRunner } from './onnx-session-runner.ts';
import { pooledSize, poolFeatureMap } from './pooling.ts';
import { loadTfjsWorkerBackbone } from './tfjs-worker-backbone.ts';

export type Ort = typeof OrtModule;

/** Returns the onnxruntime-node module or throws. Injectable so tests can simulate its absence. */
export type OrtLoader = () => Ort;

const requireHere = createRequire(import.meta.url);

/** The default loader: `require('onnxruntime-node')` (an optional dependency; its native binding may be missing). */
export const requireOnnxRuntime: OrtLoader = () => {
  // A variable specifier: bundlers and type checkers must not insist on the optional package.
  const name = 'onnxruntime-node';
  const mod = requireHere(name) as Ort & { default?: Ort };
  const ort = mod.InferenceSession ? mod : mod.default;
  if (!ort?.InferenceSession) throw new Error('onnxruntime-node loaded but exports no InferenceSession');
  return ort;
};

/** Which library computes a backbone's features, for logs and `describe()`. */
export interface EmbedRuntime {
  name: 'onnxruntime-node' | 'tfjs';
  /** Library version, e.g. '1.30.0' (onnxruntime-node) or '4.22.0' (tfjs). */
  version: string;
  /** onnxruntime: intra-op threads; tfjs: the engine's threads. */
  threads: number;
  /** One line for logs, e.g. 'onnxruntime-node 1.30.0 cpu, 2 intra-op threads, no spinning'. */
  description: string;
  /** Wall time to build and load the backbone (model conversion, session creation, warm-up). */
  loadMs: number;
  /** Set when onnxruntime was preferred but not used: why. */
  fallback?: string;
}

export interface OnnxBackboneOptions {
  /** Intra-op threads. Defaults to env CVKIT_ML_THREADS, else the core count capped at 4 (as the wasm engine). */
  threads?: number;
  /**
   * Let idle intra-op threads spin (onnxruntime's default). Off by default: with 2 threads spinning burned ≈ 40 ms of
   * CPU per 200 ms idle after each run, CPU that sharp's decoding, HTTP and other processes need, and on a busy
   * machine made latency worse, not better (bench/embed-latency.ts).
   */
  spinning?: boolean;
  /** Images per onnxruntime run; features do not depend on it (checked bit-exact in the tests). Default 4. */
  batchSize?: number;
  /**
   * 'int8' runs a spec that allows it (`onnxPrecision`) as a statically quantized model; 'float32' never does.
   * Defaults to env CVKIT_ML_PRECISION, else the spec's choice.
   */
  precision?: 'int8' | 'float32';
  /** Defaults to `requireOnnxRuntime`. A module given here runs on the calling thread. */
  loadOrt?: OrtLoader;
  /**
   * Sessions, each on its own worker thread with `threads / sessions` intra-op threads. Default 1. Two single-threaded
   * sessions cost about 3 % less CPU per General prediction at 8–16 clients than one of two threads (back-to-back
   * runs of bench:throughput), but the server answered other requests more slowly while it decoded hostile uploads
   * (test/hardening/abuse.test.ts, BMP case: 3 of 5 runs over its bound, against 0 of 6 with one session).
   */
  sessions?: number;
  /** 'worker' (default): the session runs on a worker thread, off the event loop; 'main': on the calling thread. */
  thread?: 'worker' | 'main';
}

export interface OnnxBackbone extends Backbone {
  readonly runtime: EmbedRuntime;
  /** What the session computes in: 'int8' only for specs that allow it and have current calibration ranges. */
  readonly precision: 'int8' | 'float32';
}

/**
 * Images per run. Measured per view on the General backbone (bench/_scratch, 1 intra-op thread): batch 1–2 costs
 * the least CPU per image, 8–16 about 15 % more (the activations stop fitting in cache).
 */
const DEFAULT_BATCH = 4;

function defaultThreads(): number {
  const env = Number(process.env.CVKIT_ML_THREADS);
  return Math.max(1, Math.floor(env > 0 ? env : Math.min(os.availableParallelism(), 4)));
}

/**
 * Loads `spec` on onnxruntime-node. Throws when onnxruntime cannot load, when the spec is not a single-tap graph
 * model (what the converter handles), or when the converter meets an unsupported op.
 */
export async function loadOnnxBackbone(spec: BackboneSpec, options: OnnxBackboneOptions = {}): Promise<OnnxBackbone> {
  const t0 = performance.now();
  let ort: Ort;
  try {
    ort = (options.loadOrt ?? requireOnnxRuntime)();
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    throw new Error(`onnxruntime-node not loadable (${message})`);
  }
  if (spec.format !== 'graph' || spec.taps.length === 0) {
    throw new Error(`backbone ${spec.id}: the ONNX converter handles graph models`);
  }

  // Each step holds the event loop for 100–200 ms: let requests through in between (the server loads backbones while
  // it already answers).
  const bundled = loadBundledModel(spec.model);
  await yieldToEventLoop();
  const built = buildBackboneFeatureModel(spec, bundled);
  await yieldToEventLoop();
  const floatVersion = backboneVersion(spec, bundled);
  let precision = onnxPrecision(spec, options);
  let precisionNote = '';
  let modelBytes = built.bytes;
  if (precision === 'int8') {
    try {
      const graph = quantizeGraph(built.model.graph, int8Ranges(spec.id, floatVersion));
      await yieldToEventLoop();
      modelBytes = encodeModel({ ...built.model, graph });
    } catch (error) {
      // Stale or missing ranges: the float model computes the same features more slowly.
      precision = 'float32';
      precisionNote = ` (int8 unavailable: ${error instanceof Error ? error.message : String(error)})`;
    }
  }
  const taps = spec.taps.map((tap, i) => {
    const shape = built.outputs[i]!.shape;
    // A map ([h, w, c]) is pooled here; otherwise the model pooled it to its final size.
    const expected = shape.length === 3 ? tap.channels : pooledSize(tap.pooling ?? 'mean', tap.channels);
    if (shape.at(-1) !== expected) {
      throw new Error(
        `backbone ${spec.id}: the ONNX model gives ${shape.at(-1)} values per position at ${tap.name}, expected ${expected}`,
      );
    }
    return {
      tap,
      output: built.outputs[i]!.name,
      // Pooled in the model ('mean', 'bilinear-msqrt') or here ('bilinear', from an [h, w, c] map).
      positions: shape.length === 3 ? shape[0]! * shape[1]! : 1,
      perImage: shape.reduce((a, d) => a * d, 1),
    };
  });
  const threads = Math.max(1, Math.floor(options.threads ?? defaultThreads()));
  const spinning = options.spinning ?? false;
  const sessionCount = Math.max(1, Math.floor(options.sessions ?? 1));
  // A caller's own onnxruntime module (tests) runs here; the real one runs on worker threads (onnx-session-runner.ts).
  const sessions =
    options.loadOrt || options.thread === 'main'
      ? [await mainThreadRunner(ort, modelBytes, cpuSessionOptions(threads, spinning))]
      : sessionCount === 1
        ? [await workerRunner(modelBytes, cpuSessionOptions(threads, spinning))]
        : await Promise.all(
            // Each worker takes its bytes (transferred, so the last one takes the original).
            Array.from({ length: sessionCount }, (_, i) =>
              workerRunner(
                i === sessionCount - 1 ? modelBytes : modelBytes.slice(),
                cpuSessionOptions(Math.max(1, Math.floor(threads / sessionCount)), spinning),
              ),
            ),
          );

  const size = spec.inputSize;
  const pixels = size * size * 3;
  const dim = featureDim(spec);
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH));

  const forward = async (session: SessionRunner, batch: readonly PixelValues[]): Promise<Float32Array[]> => {
    // A fresh array even for one image: the runner may hand it to another thread, detaching it. Bytes stay bytes
    // (a quarter of the copy and of the message); the runner makes the floats on its own thread.
    const flat = batch.every((b) => b instanceof Uint8Array)
      ? new Uint8Array(batch.length * pixels)
      : new Float32Array(batch.length * pixels);
    for (let i = 0; i < batch.length; i++) flat.set(batch[i]!, i * pixels);
    const out = await session.run(
      built.inputName,
      flat,
      [batch.length, size, size, 3],
      taps.map((t) => t.output),
    );
    return batch.map((_, i) => {
      const features = new Float32Array(dim);
      let offset = 0;
      for (const t of taps) {
        const values = out[t.output]!.subarray(i * t.perImage, (i + 1) * t.perImage);
        const pooled =
          t.positions === 1 ? values : poolFeatureMap(values, t.positions, t.tap.channels, t.tap.pooling ?? 'mean');
        features.set(pooled, offset);
        offset += pooled.length;
      }
      return features;
    });
  };
  // One run per session at a time (sessions share the cores), and the requests that arrive meanwhile share the next.
  const batcher = coalescingBatcher(
    sessions.map((session) => (batch: readonly PixelValues[]) => forward(session, batch)),
    batchSize,
  );
  const releaseAll = () => Promise.all(sessions.map((session) => session.release()));

  // Warm-up: the first run plans memory and pre-packs weights, several times slower than the next ones.
  const warm = await Promise.all(sessions.map((session) => forward(session, [new Uint8Array(pixels)])));
  const got = warm[0]![0]!.length;
  if (got !== dim) {
    await releaseAll();
    throw new Error(`backbone ${spec.id}: the ONNX model returned ${got} values, expected ${dim}`);
  }

  const version = backboneVersion(spec, bundled, precision);
  const ortVersion = ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown';
  const runtime: EmbedRuntime = {
    name: 'onnxruntime-node',
    version: ortVersion,
    threads,
    description: `onnxruntime-node ${ortVersion} cpu, ${precision}${precisionNote}, ${sessions.length === 1 ? `1 session of ${threads} intra-op thread${threads === 1 ? '' : 's'}` : `${sessions.length} sessions`}, ${spinning ? 'spinning' : 'no spinning'}`,
    loadMs: performance.now() - t0,
  };
  let released = false;
  return {
    spec,
    id: spec.id,
    version,
    // Same key as the TF.js backbone: see the module comment.
    cacheKey: `${spec.id}@${version}`,
    inputSize: size,
    dim,
    preprocessing: describePreprocessing(size, spec.preprocessing),
    runtime,
    precision,
    async embed(images) {
      for (const img of images) {
        if (img.length !== pixels) {
          throw new TrainingInputError(`embed: expected ${size}x${size}x3 = ${pixels} values, got ${img.length}`);
        }
      }
      return batcher.run(images);
    },
    dispose() {
      if (released) return;
      released = true;
      void batcher
        .idle()
        .then(releaseAll)
        .catch(() => undefined);
    },
  };
}

/**
 * The spec's network as a float ONNX model: RGB 0–255 NHWC in, one output per tap. Mean and matrix-square-root
 * bilinear pooling happen inside the model (float32 ONNX ops); plain bilinear taps come out as NHWC maps and are
 * pooled in JavaScript by the function the TF.js backbone uses.
 */
export function buildBackboneFeatureModel(spec: BackboneSpec, bundled: BundledModel): BuiltOnnxFeatureModel {
  return buildOnnxFeatureModel(
    {
      artifacts: bundled.artifacts as unknown as TfjsGraphArtifacts,
      featureNode: spec.taps[0]!.name,
      inputSize: spec.inputSize,
      inputScale: spec.inputScale,
      inputOffset: spec.inputOffset,
      name: spec.description,
    },
    {
      layout: 'NHWC',
      batch: 'dynamic',
      taps: spec.taps.map((t) => {
        const pooling = t.pooling ?? 'mean';
        return { node: t.name, pooling: pooling === 'bilinear' ? 'map' : pooling };
      }),
    },
  );
}

function onnxPrecision(spec: BackboneSpec, options: OnnxBackboneOptions): 'int8' | 'float32' {
  const asked = options.precision ?? process.env.CVKIT_ML_PRECISION;
  if (asked !== undefined && asked !== '' && asked !== 'int8' && asked !== 'float32') {
    throw new Error(`CVKIT_ML_PRECISION must be int8 or float32 (got ${JSON.stringify(asked)})`);
  }
  if (asked === 'float32' || spec.onnxPrecision !== 'int8') return 'float32';
  return 'int8';
}

/** Session options tuned for one small convolutional graph on few cores (the backbones and the detection map). */
export function cpuSessionOptions(threads: number, spinning = false): SessionOptions {
  return {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    // One graph, one branch at a time: a second (inter-op) pool would only compete for the same cores.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // Folds the Relu6 clips and residual adds into NCHWc convolutions.
    graphOptimizationLevel: 'all',
    enableCpuMemArena: true,
    enableMemPattern: true,
    // The node binding passes nested `extra` keys as session config entries: session.intra_op.allow_spinning.
    extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } },
  };
}

export interface BestBackboneOptions extends OnnxBackboneOptions {
  /** 'onnxruntime' (default; env CVKIT_ML_RUNTIME overrides) tries onnxruntime first; 'tfjs' skips it. */
  prefer?: 'onnxruntime' | 'tfjs';
  /**
   * The TF.js fallback's workers' bootstrap (tests simulate workers that cannot load). On TF.js, `threads` is the
   * number of workers and `thread: 'main'` runs the backbone on this thread's engine instead.
   */
  tfjsBootstrap?: string;
}

export interface BestBackbone {
  backbone: Backbone;
  /** Which runtime embeds, and (`fallback`) why onnxruntime is not it. */
  runtime: EmbedRuntime;
}

function preferredRuntime(options: BestBackboneOptions): 'onnxruntime' | 'tfjs' {
  if (options.prefer) return options.prefer;
  const env = process.env.CVKIT_ML_RUNTIME;
  if (env === undefined || env === '' || env === 'onnxruntime') return 'onnxruntime';
  if (env === 'tfjs') return 'tfjs';
  throw new Error(`CVKIT_ML_RUNTIME must be onnxruntime or tfjs (got ${JSON.stringify(env)})`);
}

/**
 * The backbone on onnxruntime-node when it loads, else on TF.js: on worker threads (`loadTfjsWorkerBackbone`), or on
 * this thread's engine (`initEngine()` + `loadBackbone`) when the workers cannot start. All give the same features
 * and the same cacheKey. The reason for a fallback is returned in `runtime.fallback`, for the caller to log.
 */
export async function loadBestBackbone(spec: BackboneSpec, options: BestBackboneOptions = {}): Promise<BestBackbone> {
  let fallback: string;
  if (preferredRuntime(options) === 'onnxruntime') {
    try {
      const backbone = await loadOnnxBackbone(spec, options);
      return { backbone, runtime: backbone.runtime };
    } catch (error) {
      fallback = error instanceof Error ? error.message : String(error);
    }
  } else {
    fallback = options.prefer ? 'tfjs preferred by the caller' : 'CVKIT_ML_RUNTIME=tfjs';
  }
  const t0 = performance.now();
  // The engine this process would use. Only its wasm backend is moved to workers: tfjs-node (native) runs its own
  // thread pool, and the cpu backend is a last resort that workers would not make fast.
  const engine = await initEngine();
  if (options.thread !== 'main' && engine.backend === 'wasm') {
    try {
      const backbone = await loadTfjsWorkerBackbone(spec, {
        workers: options.threads,
        bootstrap: options.tfjsBootstrap,
      });
      const e = backbone.engine;
      return {
        backbone,
        runtime: {
          name: 'tfjs',
          version: e.tfjsVersion,
          threads: backbone.workers,
          description: `tfjs ${e.tfjsVersion} ${e.backend}${e.simd ? ' simd' : ''} on ${backbone.workers} worker thread${backbone.workers === 1 ? '' : 's'} (one engine thread each)`,
          loadMs: performance.now() - t0,
          fallback,
        },
      };
    } catch (error) {
      fallback += `; ${error instanceof Error ? error.message : String(error)}, so TF.js runs on this thread`;
    }
  }
  const backbone = await loadBackbone(spec);
  const info = engine;
  return {
    backbone,
    runtime: {
      name: 'tfjs',
      version: info.tfjsVersion,
      threads: info.threads,
      description: `tfjs ${info.tfjsVersion} ${info.backend}, ${info.threads} thread${info.threads === 1 ? '' : 's'}${info.simd ? ', simd' : ''}`,
      loadMs: performance.now() - t0,
      fallback,
    },
  };
}
