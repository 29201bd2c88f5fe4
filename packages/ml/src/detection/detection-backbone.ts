/**
 * The frozen features object detection is built on: MobileNetV2 ×1.4 (nsfwjs's "mid" graph, the network the
 * classification backbones use) cut after block expanded_conv_12, a 14×14×136 map (stride 16) of the whole image
 * stretched to 224×224. Run on onnxruntime-node through the project's own TF.js → ONNX converter (≈7 ms per image
 * on 2 cores), or on TF.js when onnxruntime cannot load.
 *
 * Why this cut: the COCO CenterNet that @vladmandic/human ships has no licence upstream (docs/detection.md), so
 * detection uses weights the project already ships. Block 12 is the last 14×14 stage (the classification
 * backbone's general-domain tap too); 5-fold mAP@0.5 on fork/scissors measured 0.95 at 224 px against 0.82 for a
 * 20×20 map at 320 px (fewer images per cell of signal, slower), packages/ml/bench/detection.ts.
 */
import type { GraphModel } from '@tensorflow/tfjs';
import { backboneVersion } from '../backbones/backbone.ts';
import { coalescingBatcher } from '../backbones/coalescing-batcher.ts';
import { int8Ranges } from '../backbones/int8-ranges.ts';
import { loadBundledModel } from '../backbones/nsfwjs-files.ts';
import { cpuSessionOptions, type EmbedRuntime, requireOnnxRuntime } from '../backbones/onnx-backbone.ts';
import { workerRunner } from '../backbones/onnx-session-runner.ts';
import { BACKBONE_SPECS, DOMAIN_BACKBONES } from '../backbones/registry.ts';
import { getTf, initEngine } from '../engine/engine.ts';
import { buildOnnxFeatureModel } from '../export/onnx/export-onnx.ts';
import { encodeModel } from '../export/onnx/onnx-writer.ts';
import { quantizeGraph } from '../export/onnx/quantize-qdq.ts';
import type { TfjsGraphArtifacts } from '../export/tfjs/graph-def.ts';
import type { TfjsGraphBackbone } from '../export/types.ts';
import { preprocessWholeImage, WHOLE_IMAGE_PREPROCESSING } from '../preprocess/preprocess.ts';
import type { FeatureMap } from './detector-head.ts';

const NODE =
  'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/MobilenetV2/expanded_conv_12/add';

export const DETECTION_BACKBONE = {
  id: 'mnv2-140-b12-map',
  featureRevision: 1,
  model: 'mobilenet_v2_mid' as const,
  node: NODE,
  inputSize: 224,
  grid: 14,
  channels: 136,
  preprocessing: WHOLE_IMAGE_PREPROCESSING,
};

/** The detection map's network as the exporters take it (the bundled TF.js graph, cut at the map). */
export function detectionExportBackbone(): TfjsGraphBackbone {
  const spec = DETECTION_BACKBONE;
  return {
    artifacts: loadBundledModel(spec.model).artifacts as unknown as TfjsGraphArtifacts,
    featureNode: spec.node,
    inputSize: spec.inputSize,
    inputScale: 1 / 255,
    inputOffset: 0,
    name: 'MobileNetV2 x1.4 (nsfwjs mid), block expanded_conv_12 map',
  };
}

export interface DetectionBackbone {
  readonly id: string;
  /** What the maps depend on (weights, cut, preprocessing): part of every detector and of the feature cache key. */
  readonly version: string;
  readonly cacheKey: string;
  readonly grid: number;
  readonly channels: number;
  readonly runtime: EmbedRuntime;
  /** What the maps are computed in: 'int8' only when asked for and onnxruntime runs the quantized model. */
  readonly precision: DetectionPrecision;
  /** The feature map of one encoded image (whole image, EXIF orientation applied). */
  featureMap(bytes: Uint8Array): Promise<FeatureMap>;
}

/**
 * 'int8' is for General detection domains, which never export: onnxruntime runs the map's network statically
 * quantized, with the General classification backbone's calibration ranges (the same weights and cut, so every
 * tensor has its range): a third less CPU per DetectImage (docs/benchmarks.md). Compact domains stay 'float32', the
 * network their exports carry, so an export finds the server's boxes.
 */
export type DetectionPrecision = 'int8' | 'float32';

const loading = new Map<DetectionPrecision, Promise<DetectionBackbone>>();

/**
 * Loaded once per process and precision. onnxruntime unless it cannot load or CVKIT_ML_RUNTIME=tfjs; 'int8' falls
 * back to float32 (and says so in the runtime's description) on TF.js, with CVKIT_ML_PRECISION=float32, or when the
 * calibration ranges are stale.
 */
export function getDetectionBackbone(precision: DetectionPrecision = 'float32'): Promise<DetectionBackbone> {
  let pending = loading.get(precision);
  if (!pending) {
    pending = load(precision);
    loading.set(precision, pending);
    pending.catch(() => loading.delete(precision));
  }
  return pending;
}

async function load(asked: DetectionPrecision): Promise<DetectionBackbone> {
  const t0 = performance.now();
  const spec = DETECTION_BACKBONE;
  const bundled = loadBundledModel(spec.model);
  let precision: DetectionPrecision = 'float32';
  let precisionNote =
    asked === 'int8' && process.env.CVKIT_ML_PRECISION === 'float32' ? ' (CVKIT_ML_PRECISION=float32)' : '';
  const size = spec.inputSize;
  const perImage = spec.grid * spec.grid * spec.channels;
  // Pixels as bytes where preprocessing made them: onnxruntime's worker makes the floats, off the event loop.
  let run: (input: Float32Array | Uint8Array) => Promise<Float32Array>;
  let runtime: Omit<EmbedRuntime, 'loadMs'>;
  let fallback: string | undefined;
  try {
    if (process.env.CVKIT_ML_RUNTIME === 'tfjs') throw new Error('CVKIT_ML_RUNTIME=tfjs');
    const ort = requireOnnxRuntime();
    const built = buildOnnxFeatureModel(
      {
        artifacts: bundled.artifacts as unknown as TfjsGraphArtifacts,
        featureNode: spec.node,
        inputSize: size,
        inputScale: 1 / 255,
        inputOffset: 0,
        name: 'MobileNetV2 x1.4 block 12 map',
      },
      { layout: 'NHWC', batch: 'dynamic', taps: [{ node: spec.node, pooling: 'map' }] },
    );
    let modelBytes = built.bytes;
    if (asked === 'int8' && !precisionNote) {
      try {
        // The General classification backbone's ranges: its network up to block 12 is this one, tensor for tensor.
        const calibrated = BACKBONE_SPECS[DOMAIN_BACKBONES.general]!;
        const ranges = int8Ranges(calibrated.id, backboneVersion(calibrated, bundled));
        modelBytes = encodeModel({ ...built.model, graph: quantizeGraph(built.model.graph, ranges) });
        precision = 'int8';
      } catch (error) {
        precisionNote = ` (int8 unavailable: ${error instanceof Error ? error.message : String(error)})`;
      }
    }
    const threads = Math.max(1, Math.min(Number(process.env.CVKIT_ML_THREADS) || 4, 4));
    // On a worker thread, off the event loop; concurrent detections share forward passes (as the backbones do).
    const session = await workerRunner(modelBytes, cpuSessionOptions(threads));
    const output = built.outputs[0]!.name;
    const pixels = size * size * 3;
    const batcher = coalescingBatcher(async (batch: readonly (Float32Array | Uint8Array)[]) => {
      const flat = batch.every((b) => b instanceof Uint8Array)
        ? new Uint8Array(batch.length * pixels)
        : new Float32Array(batch.length * pixels);
      for (const [i, img] of batch.entries()) flat.set(img, i * pixels);
      const out = (await session.run(built.inputName, flat, [batch.length, size, size, 3], [output]))[output]!;
      return batch.map((_, i) => out.slice(i * perImage, (i + 1) * perImage));
    }, 8);
    run = async (input) => (await batcher.run([input]))[0]!;
    const v = ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown';
    runtime = {
      name: 'onnxruntime-node',
      version: v,
      threads,
      description: `onnxruntime-node ${v} cpu, ${precision}${precisionNote}, ${threads} threads`,
    };
  } catch (error) {
    fallback = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    const info = await initEngine();
    const tf = getTf();
    const model: GraphModel = await tf.loadGraphModel(tf.io.fromMemory(bundled.artifacts));
    run = async (input) => {
      const floats = input instanceof Float32Array ? input : Float32Array.from(input);
      const t = tf.tidy(() => model.execute(tf.tensor4d(floats, [1, size, size, 3]).div(255), spec.node) as never);
      try {
        return ((await (t as { data(): Promise<Float32Array> }).data()) as Float32Array).slice(0, perImage);
      } finally {
        (t as { dispose(): void }).dispose();
      }
    };
    runtime = {
      name: 'tfjs',
      version: info.tfjsVersion,
      threads: info.threads,
      description: `tfjs ${info.tfjsVersion} ${info.backend}`,
    };
  }
  // Warm-up: the first run plans memory.
  await run(new Float32Array(size * size * 3));
  // int8 maps are close to the float ones but not equal: cached and recorded under their own version.
  const version = backboneVersion(spec, bundled, precision);
  return {
    id: spec.id,
    version,
    precision,
    cacheKey: `${spec.id}@${version}`,
    grid: spec.grid,
    channels: spec.channels,
    runtime: { ...runtime, loadMs: performance.now() - t0, ...(fallback ? { fallback } : {}) },
    async featureMap(bytes) {
      const image = await preprocessWholeImage(bytes, size);
      return { grid: spec.grid, channels: spec.channels, values: await run(image.pixels ?? image.data) };
    },
  };
}
