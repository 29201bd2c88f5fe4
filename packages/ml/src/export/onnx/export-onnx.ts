/**
 * ONNX export: backbone + linear head in one model.onnx, with labels.txt, cvexport.manifest,
 * metadata_properties.json and README.md beside it.
 *
 * Contract (what Azure-Samples/customvision-export-samples' ONNX loaders rely on):
 * - one graph input, `data`, float32 NCHW [1, 3, S, S], RGB, values 0–255 — announced by the
 *   metadata_props Image.BitmapPixelFormat = Rgb8 and Image.NominalPixelRange = NominalRange_0_255
 *   (the loaders reverse channels only for Bgr8 and divide by 255 unless NominalRange_0_255;
 *   the C# loader indexes both keys, so both must exist);
 * - first output `model_output`, float32 [1, numTags]: probabilities in labels.txt order (the C#
 *   loader reads the first output as a float tensor, the ML.NET one reads `model_output`).
 *
 * Flavors. Custom Vision's flavor names are ONNX *release* numbers, not opsets:
 * - default (no flavor): ONNX 1.8 — IR 7, opset 13.
 * - ONNX12: ONNX 1.2 — IR 3, opset 7, ai.onnx.ml 1, for Windows ML on Windows 10 1809. Adds the
 *   outputs Custom Vision's ONNX12 models had for WinML-generated code: `classLabel` (string [1],
 *   the top tag) and `loss` (seq(map(string, float)), tag → probability). IR 3 also requires every
 *   initializer to be listed as a graph input.
 * - ONNX10: ONNX 1.0 — opset 1, whose Add/Mul/Gemm need legacy broadcast attributes. onnxruntime
 *   runs opset ≥ 7 only, so such a model could not be verified here: refused.
 */
import { MSQRT_ITERATIONS } from '../../backbones/pooling.ts';
import { InvalidBackboneError, InvalidExportOptionsError } from '../errors.ts';
import { validateHead, weightsFeaturesByTags } from '../head.ts';
import {
  customVisionMetadata,
  type InputDescription,
  labelsFile,
  manifestFile,
  metadataPropertiesFile,
  type OutputDescription,
  PYTHON_CROP_AND_RESIZE,
  postprocessMethod,
  preprocessingReadme,
  textFile,
} from '../package-files.ts';
import { resolveInputNode } from '../tfjs/cut.ts';
import { graphDefOf } from '../tfjs/graph-def.ts';
import { indexWeights } from '../tfjs/weights.ts';
import type { ExportFile, ExportSource, TfjsGraphBackbone } from '../types.ts';
import { appendTfjsGraphOutputs, type ConvertedOutput } from './from-tfjs-graph.ts';
import { OnnxGraphBuilder } from './graph-builder.ts';
import { encodeModel, OnnxDataType, type OnnxDim, type OnnxModel, type OnnxValueInfo } from './onnx-writer.ts';

/** Custom Vision's ONNX flavors; undefined/null is the platform's default flavor. */
export type OnnxFlavor = 'ONNX10' | 'ONNX12';

export interface OnnxExportOptions extends ExportSource {
  flavor?: OnnxFlavor | null;
}

interface FlavorSpec {
  flavor: string;
  onnxRelease: string;
  irVersion: number;
  opset: number;
  /** ai.onnx.ml opset, when the flavor adds the WinML-style classLabel/loss outputs. */
  mlOpset?: number;
}

const DEFAULT_FLAVOR: FlavorSpec = { flavor: '', onnxRelease: '1.8', irVersion: 7, opset: 13 };
const ONNX12_FLAVOR: FlavorSpec = { flavor: 'ONNX12', onnxRelease: '1.2', irVersion: 3, opset: 7, mlOpset: 1 };

export const ONNX_INPUT_NAME = 'data';
export const ONNX_PROBABILITIES_OUTPUT = 'model_output';
export const ONNX_CLASS_LABEL_OUTPUT = 'classLabel';
export const ONNX_LOSS_OUTPUT = 'loss';

function flavorSpec(flavor: OnnxFlavor | null | undefined): FlavorSpec {
  if (flavor === undefined || flavor === null) return DEFAULT_FLAVOR;
  if (flavor === 'ONNX12') return ONNX12_FLAVOR;
  if (flavor === 'ONNX10') {
    throw new InvalidExportOptionsError(
      'flavor ONNX10 is ONNX 1.0 (opset 1); onnxruntime cannot run opset < 7, so cvkit does not emit it unverified: use ONNX12 or the default flavor',
    );
  }
  throw new InvalidExportOptionsError(`unknown ONNX flavor ${String(flavor)}`);
}

export interface BuiltOnnxModel {
  bytes: Uint8Array;
  input: InputDescription;
  outputs: OutputDescription[];
  metadata: [string, string][];
  flavor: FlavorSpec;
}

/** Builds and encodes model.onnx. Exposed for tests and tools; the server wants exportOnnx. */
export function buildOnnxModel(options: OnnxExportOptions): BuiltOnnxModel {
  const spec = flavorSpec(options.flavor);
  const { backbone, head } = options;
  const size = backbone.inputSize;
  const b = new OnnxGraphBuilder(spec.opset);

  const input: InputDescription = {
    name: ONNX_INPUT_NAME,
    shape: [1, 3, size, size],
    layout: 'NCHW',
    dtype: 'float32',
    channelOrder: 'RGB',
    pixelRange: [0, 255],
    size,
  };
  b.addInput({
    name: input.name,
    type: {
      kind: 'tensor',
      elemType: OnnxDataType.FLOAT,
      shape: input.shape,
      // Lets Windows ML bind an image (VideoFrame) to the input.
      denotation: 'IMAGE',
      dimDenotations: ['DATA_BATCH', 'DATA_CHANNEL', 'DATA_FEATURE', 'DATA_FEATURE'],
    },
  });
  const features = appendBackboneFeatures(b, backbone, input.name, 1);
  const featureDim = features.tfShape[1]!;
  const numTags = validateHead(head, featureDim);

  const W = b.floatConst('cvkit/head/W', [featureDim, numTags], weightsFeaturesByTags(head, featureDim));
  const bias = b.floatConst('cvkit/head/b', [numTags], head.b);
  const logits = b.op('Gemm', [features.tensor, W, bias], 'cvkit/head/logits');
  const activation =
    head.activation === 'softmax'
      ? b.op('Softmax', [logits], 'cvkit/head/softmax', [{ name: 'axis', kind: 'int', value: 1 }], {
          name: ONNX_PROBABILITIES_OUTPUT,
          exact: true,
        })
      : b.op('Sigmoid', [logits], 'cvkit/head/sigmoid', undefined, { name: ONNX_PROBABILITIES_OUTPUT, exact: true });

  const outputs: OutputDescription[] = [
    {
      name: activation,
      shape: [1, numTags],
      description: `${head.activation} probabilities, in labels.txt order`,
    },
  ];
  b.addOutput({ name: activation, type: { kind: 'tensor', elemType: OnnxDataType.FLOAT, shape: [1, numTags] } });

  if (spec.mlOpset !== undefined) {
    const top = b.op('ArgMax', [activation], 'cvkit/top_tag', [
      { name: 'axis', kind: 'int', value: 1 },
      { name: 'keepdims', kind: 'int', value: 0 },
    ]);
    const labels = b.stringConst('cvkit/labels', [numTags], head.labels);
    const classLabel = b.op('Gather', [labels, top], 'cvkit/class_label', [{ name: 'axis', kind: 'int', value: 0 }], {
      name: ONNX_CLASS_LABEL_OUTPUT,
      exact: true,
    });
    const loss = b.node('ZipMap', [activation], {
      name: 'cvkit/zipmap',
      outputs: [ONNX_LOSS_OUTPUT],
      exactOutputs: true,
      domain: 'ai.onnx.ml',
      attributes: [{ name: 'classlabels_strings', kind: 'strings', value: head.labels }],
    })[0]!;
    b.addOutput({ name: classLabel, type: { kind: 'tensor', elemType: OnnxDataType.STRING, shape: [1] } });
    b.addOutput({
      name: loss,
      type: {
        kind: 'sequence',
        elem: { kind: 'map', keyType: OnnxDataType.STRING, value: { kind: 'tensor', elemType: OnnxDataType.FLOAT } },
      },
    });
    outputs.push(
      { name: classLabel, shape: [1], description: 'the most probable tag (string)' },
      { name: loss, shape: [1], description: 'sequence of one map tag → probability' },
    );
  }

  const metadata = customVisionMetadata(input, head.activation);
  const built = b.build('cvkit_classifier', `${backbone.name} features → linear head → ${head.activation}`);
  const graphInputs: OnnxValueInfo[] = [...built.inputs];
  if (spec.irVersion < 4) {
    // IR < 4: "initializers must be a subset of graph inputs".
    for (const t of built.initializers) {
      graphInputs.push({ name: t.name, type: { kind: 'tensor', elemType: t.dataType, shape: t.dims } });
    }
  }
  const model: OnnxModel = {
    irVersion: spec.irVersion,
    opsetImports: [
      { domain: '', version: spec.opset },
      ...(spec.mlOpset !== undefined ? [{ domain: 'ai.onnx.ml', version: spec.mlOpset }] : []),
    ],
    producerName: 'cvkit',
    producerVersion: '0.1.0',
    docString: `Custom Vision-compatible classifier exported by cvkit (${postprocessMethod(head.activation)})`,
    graph: { ...built, inputs: graphInputs },
    metadataProps: metadata,
  };
  return { bytes: encodeModel(model), input, outputs, metadata, flavor: spec };
}

/**
 * The part every ONNX model built from a backbone shares: NCHW RGB 0–255 pixels in `nchwInput` →
 * `· inputScale (+ inputOffset)` → the converted TF.js graph up to the feature node → features
 * [batch, dim] (a rank-4 tap mean-pooled over space). `batch` is -1 for a free batch dimension:
 * the converter only carries the batch along, so nothing in the graph depends on its value.
 */
function appendBackboneFeatures(
  b: OnnxGraphBuilder,
  backbone: TfjsGraphBackbone,
  nchwInput: string,
  batch: number,
): ConvertedOutput {
  return poolFeatures(b, appendBackboneTaps(b, backbone, nchwInput, batch, [backbone.featureNode])[0]!);
}

/** The converted graph up to each of `nodes` (shared layers converted once), unpooled. */
export function appendBackboneTaps(
  b: OnnxGraphBuilder,
  backbone: TfjsGraphBackbone,
  nchwInput: string,
  batch: number,
  nodes: readonly string[],
): ConvertedOutput[] {
  const size = backbone.inputSize;
  if (!Number.isInteger(size) || size <= 0) throw new InvalidExportOptionsError(`invalid input size ${size}`);
  if (!(backbone.inputScale > 0)) throw new InvalidExportOptionsError(`invalid input scale ${backbone.inputScale}`);

  const graph = graphDefOf(backbone.artifacts);
  const weights = indexWeights(backbone.artifacts.weightSpecs, backbone.artifacts.weightData);
  // The backbone takes pixel·inputScale + inputOffset; taking 0–255 inputs keeps the loaders simple.
  const scale = b.floatConst('cvkit/input_scale', [], [backbone.inputScale]);
  let scaled = b.op('Mul', [nchwInput, scale], 'cvkit/scale_input');
  if (backbone.inputOffset) {
    const offset = b.floatConst('cvkit/input_offset', [], [backbone.inputOffset]);
    scaled = b.op('Add', [scaled, offset], 'cvkit/offset_input');
  }
  return appendTfjsGraphOutputs(
    b,
    graph,
    weights,
    {
      [resolveInputNode(graph, nodes[0]!, backbone.inputNode)]: {
        tensor: scaled,
        tfShape: [batch, size, size, 3],
        layout: 'nchw',
      },
    },
    nodes,
  );
}

/** A [batch, dim] feature tap as is; a [batch, h, w, dim] one mean-pooled over space, as the ml backbones do. */
function poolFeatures(b: OnnxGraphBuilder, tapped: ConvertedOutput): ConvertedOutput {
  if (tapped.layout === 'tf' && tapped.tfShape.length === 2) return tapped;
  if (tapped.layout === 'nchw' && tapped.tfShape.length === 4) {
    const pooled = b.op('GlobalAveragePool', [tapped.tensor], 'cvkit/pool_features');
    const [n, , , c] = tapped.tfShape as [number, number, number, number];
    return { tensor: b.squeeze(pooled, [2, 3], 'cvkit/flatten_features'), tfShape: [n, c], layout: 'tf' };
  }
  throw new InvalidBackboneError(`feature node yields shape ${JSON.stringify(tapped.tfShape)}, not [batch, dim]`);
}

export const ONNX_FEATURES_OUTPUT = 'features';

/**
 * backbones/pooling.ts's `bilinear-msqrt` as ONNX ops on an NCHW map: G = X·Xᵀ / (h·w), A = G / tr(G), Newton–Schulz
 * iterations for A^½, times √tr(G), upper triangle (row-major), unit L2 norm. Opset 13.
 */
function appendMatrixSqrtBilinear(b: OnnxGraphBuilder, tapped: ConvertedOutput, name: string): ConvertedOutput {
  if (tapped.layout !== 'nchw' || tapped.tfShape.length !== 4) {
    throw new InvalidBackboneError(
      `bilinear pooling needs a [batch, h, w, c] map, got ${JSON.stringify(tapped.tfShape)}`,
    );
  }
  const [n, h, w, c] = tapped.tfShape as [number, number, number, number];
  const eye = new Float32Array(c * c);
  for (let i = 0; i < c; i++) eye[i * c + i] = 1;
  const identity = b.floatConst(`${name}/identity`, [c, c], eye);
  const x = b.op('Reshape', [tapped.tensor, b.int64Const(`${name}/rows_shape`, [3], [0, c, -1])], `${name}/rows`);
  const xt = b.op('Transpose', [x], `${name}/rows_t`, [{ name: 'perm', kind: 'ints', value: [0, 2, 1] }]);
  const gram = b.op(
    'Mul',
    [b.op('MatMul', [x, xt], `${name}/xxt`), b.floatConst(`${name}/inv_positions`, [], [1 / (h * w)])],
    `${name}/gram`,
  );
  const trace = b.op(
    'ReduceSum',
    [b.op('Mul', [gram, identity], `${name}/diagonal`), b.int64Const(`${name}/trace_axes`, [2], [1, 2])],
    `${name}/trace`,
    [{ name: 'keepdims', kind: 'int', value: 1 }],
  );
  const a = b.op('Div', [gram, trace], `${name}/normalised`);
  const threeHalves = b.floatConst(
    `${name}/three_halves_identity`,
    [c, c],
    eye.map((v) => 1.5 * v),
  );
  const half = b.floatConst(`${name}/half`, [], [0.5]);
  let y = a;
  let z: string | null = null;
  for (let it = 0; it < MSQRT_ITERATIONS; it++) {
    const zy = z ? b.op('MatMul', [z, y], `${name}/zy_${it}`) : y;
    const t = b.op('Sub', [threeHalves, b.op('Mul', [zy, half], `${name}/half_zy_${it}`)], `${name}/t_${it}`);
    const nextY = b.op('MatMul', [y, t], `${name}/y_${it + 1}`);
    z = z ? b.op('MatMul', [t, z], `${name}/z_${it + 1}`) : t;
    y = nextY;
  }
  const root = b.op('Mul', [y, b.op('Sqrt', [trace], `${name}/sqrt_trace`)], `${name}/root`);
  const flat = b.op('Reshape', [root, b.int64Const(`${name}/flat_shape`, [2], [0, c * c])], `${name}/flat`);
  const upper: number[] = [];
  for (let i = 0; i < c; i++) for (let j = i; j < c; j++) upper.push(i * c + j);
  const picked = b.op(
    'Gather',
    [flat, b.int64Const(`${name}/upper`, [upper.length], upper)],
    `${name}/upper_triangle`,
    [{ name: 'axis', kind: 'int', value: 1 }],
  );
  const normalised = b.op('LpNormalization', [picked], `${name}/l2`, [
    { name: 'axis', kind: 'int', value: 1 },
    { name: 'p', kind: 'int', value: 2 },
  ]);
  return { tensor: normalised, tfShape: [n, upper.length], layout: 'tf' };
}

export interface OnnxFeatureModelOptions {
  /**
   * 'NHWC' (default): input [batch, S, S, 3], the layout `preprocess` returns, transposed to NCHW inside the
   * model; 'NCHW': input [batch, 3, S, S].
   */
  layout?: 'NHWC' | 'NCHW';
  /** A fixed batch size, or 'dynamic' (default): a free `batch` dimension. */
  batch?: number | 'dynamic';
  /**
   * Several feature nodes, one output each (`features_0`, `features_1`, …) instead of the backbone's one
   * `featureNode`: 'mean' pools a [batch, h, w, c] node over space, 'map' returns it as is (NHWC), for pooling
   * in JavaScript (bilinear), 'bilinear-msqrt' computes backbones/pooling.ts's matrix-square-root bilinear pooling
   * in the model (in float32).
   */
  taps?: readonly { node: string; pooling: 'mean' | 'map' | 'bilinear-msqrt' }[];
}

export interface BuiltOnnxFeatureModel {
  bytes: Uint8Array;
  /** `data`: float32 RGB 0–255 in `layout`. */
  inputName: string;
  inputShape: OnnxDim[];
  layout: 'NHWC' | 'NCHW';
  /** `features`: float32 [batch, featureDim]. With `taps`, the first tap's output. */
  outputName: string;
  /** With `taps`, the first tap's size. */
  featureDim: number;
  /** Every output with its shape after the batch dimension ([dim], or [h, w, c] for a 'map' tap). */
  outputs: { name: string; shape: number[] }[];
  /** The model `bytes` encode, for rewriting it (quantization). */
  model: OnnxModel;
}

/**
 * The backbone alone, for running it with onnxruntime: RGB 0–255 pixels in, the pooled feature vector out
 * (what `backbones/` computes with TF.js). Same converter and opset as the default-flavor export.
 */
export function buildOnnxFeatureModel(
  backbone: TfjsGraphBackbone,
  options: OnnxFeatureModelOptions = {},
): BuiltOnnxFeatureModel {
  const layout = options.layout ?? 'NHWC';
  const batch = options.batch ?? 'dynamic';
  if (batch !== 'dynamic' && !(Number.isInteger(batch) && batch > 0)) {
    throw new InvalidExportOptionsError(`invalid batch size ${batch}`);
  }
  const spec = DEFAULT_FLAVOR;
  const size = backbone.inputSize;
  const b = new OnnxGraphBuilder(spec.opset);
  const n: OnnxDim = batch === 'dynamic' ? 'batch' : batch;
  const inputShape: OnnxDim[] = layout === 'NHWC' ? [n, size, size, 3] : [n, 3, size, size];
  b.addInput({ name: ONNX_INPUT_NAME, type: { kind: 'tensor', elemType: OnnxDataType.FLOAT, shape: inputShape } });
  const nchw =
    layout === 'NHWC'
      ? b.op('Transpose', [ONNX_INPUT_NAME], 'cvkit/nhwc_to_nchw', [
          { name: 'perm', kind: 'ints', value: [0, 3, 1, 2] },
        ])
      : ONNX_INPUT_NAME;
  const batchDim = batch === 'dynamic' ? -1 : batch;
  const taps = options.taps ?? [{ node: backbone.featureNode, pooling: 'mean' as const }];
  const converted = appendBackboneTaps(
    b,
    backbone,
    nchw,
    batchDim,
    taps.map((t) => t.node),
  );
  const outputs = converted.map((tapped, i) => {
    const name = options.taps ? `${ONNX_FEATURES_OUTPUT}_${i}` : ONNX_FEATURES_OUTPUT;
    let value = tapped;
    let shape: number[];
    if (taps[i]!.pooling === 'map') {
      if (tapped.layout !== 'nchw' || tapped.tfShape.length !== 4) {
        throw new InvalidBackboneError(`feature node ${taps[i]!.node} is not a [batch, h, w, c] map`);
      }
      const [, h, w, c] = tapped.tfShape as [number, number, number, number];
      const nhwc = b.op('Transpose', [tapped.tensor], `cvkit/map_to_nhwc_${i}`, [
        { name: 'perm', kind: 'ints', value: [0, 2, 3, 1] },
      ]);
      value = { tensor: nhwc, tfShape: tapped.tfShape, layout: 'tf' };
      shape = [h, w, c];
    } else if (taps[i]!.pooling === 'bilinear-msqrt') {
      value = appendMatrixSqrtBilinear(b, tapped, `cvkit/msqrt_${i}`);
      shape = [value.tfShape[1]!];
    } else {
      value = poolFeatures(b, tapped);
      shape = [value.tfShape[1]!];
    }
    const output = b.op('Identity', [value.tensor], `cvkit/features_${i}`, undefined, { name, exact: true });
    b.addOutput({ name: output, type: { kind: 'tensor', elemType: OnnxDataType.FLOAT, shape: [n, ...shape] } });
    return { name: output, shape };
  });
  const model: OnnxModel = {
    irVersion: spec.irVersion,
    opsetImports: [{ domain: '', version: spec.opset }],
    producerName: 'cvkit',
    producerVersion: '0.1.0',
    docString: `${backbone.name}: pooled features (cvkit backbone for onnxruntime)`,
    graph: b.build('cvkit_features', `${backbone.name} features`),
    metadataProps: [],
  };
  return {
    bytes: encodeModel(model),
    inputName: ONNX_INPUT_NAME,
    inputShape,
    layout,
    outputName: outputs[0]!.name,
    featureDim: outputs[0]!.shape.reduce((a, d) => a * d, 1),
    outputs,
    model,
  };
}

/** model.onnx + labels.txt + cvexport.manifest + metadata_properties.json + README.md. */
export async function exportOnnx(options: OnnxExportOptions): Promise<ExportFile[]> {
  const built = buildOnnxModel(options);
  const { head, backbone } = options;
  return [
    { path: 'model.onnx', bytes: built.bytes },
    labelsFile(head),
    manifestFile({
      platform: 'ONNX',
      flavor: built.flavor.flavor,
      modelFileName: 'model.onnx',
      exportedDate: options.exportedDate ?? new Date().toISOString(),
      ...(options.iterationId !== undefined ? { iterationId: options.iterationId } : {}),
      head,
      backboneName: backbone.name,
      input: built.input,
      outputs: built.outputs,
      format: {
        OnnxRelease: built.flavor.onnxRelease,
        IrVersion: built.flavor.irVersion,
        Opset: built.flavor.opset,
        ...(built.flavor.mlOpset !== undefined ? { MlOpset: built.flavor.mlOpset } : {}),
      },
    }),
    metadataPropertiesFile(built.metadata),
    textFile('README.md', onnxReadme(options, built)),
  ];
}

function onnxReadme(options: OnnxExportOptions, built: BuiltOnnxModel): string {
  const { head, backbone } = options;
  const outputs = built.outputs.map((o) => `- \`${o.name}\` ${JSON.stringify(o.shape)}: ${o.description}`);
  return [
    '# Image classifier (ONNX), exported by cvkit',
    '',
    `- Backbone: ${backbone.name}; linear head with ${head.activation} over ${head.labels.length} tags (labels.txt).`,
    `- ONNX ${built.flavor.onnxRelease}: IR version ${built.flavor.irVersion}, opset ${built.flavor.opset}` +
      (built.flavor.mlOpset !== undefined ? `, ai.onnx.ml ${built.flavor.mlOpset}.` : '.'),
    '',
    '## Input',
    '',
    `\`${built.input.name}\`: float32 ${JSON.stringify(built.input.shape)} (NCHW), RGB, values 0–255.`,
    'The model metadata says so too: Image.BitmapPixelFormat = Rgb8, Image.NominalPixelRange = NominalRange_0_255.',
    '',
    preprocessingReadme(built.input),
    '## Outputs',
    '',
    ...outputs,
    '',
    '## Example (Python, onnxruntime)',
    '',
    '```python',
    'import numpy as np, onnxruntime, PIL.Image, PIL.ImageOps',
    '',
    ...PYTHON_CROP_AND_RESIZE.split('\n'),
    '',
    "image = PIL.ImageOps.exif_transpose(PIL.Image.open('image.jpg')).convert('RGB')",
    `pixels = crop_and_resize(np.asarray(image, dtype=np.float32), ${built.input.size})`,
    'x = pixels.transpose(2, 0, 1)[np.newaxis]',
    "session = onnxruntime.InferenceSession('model.onnx')",
    `probabilities = session.run(['${ONNX_PROBABILITIES_OUTPUT}'], {'${built.input.name}': x})[0][0]`,
    "labels = open('labels.txt', encoding='utf-8').read().splitlines()",
    'print(sorted(zip(probabilities, labels), reverse=True))',
    '```',
    '',
  ].join('\n');
}
