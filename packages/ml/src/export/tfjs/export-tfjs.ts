/**
 * TF.js export: a graph model (model.json + weight shards) that is the backbone cut at its
 * feature node with input scaling prepended and the linear head appended, plus labels.txt,
 * cvexport.manifest, metadata_properties.json and README.md.
 *
 * Contract (what @microsoft/customvision-tfjs 1.3.0's ClassificationModel relies on):
 * - `tf.loadGraphModel(url)`; input size from `model.inputs[0].shape[1]`;
 * - it centre-crops and bilinear-resizes to that size, keeps float 0–255 NHWC, batch 1;
 * - it reverses RGB → BGR unless `model.metadata['Image.BitmapPixelFormat'] == 'Rgb8'`
 *   (model.metadata is model.json's userDefinedMetadata). Versions ≤ 1.2.0 always reverse;
 *   our model says Rgb8, so it needs 1.3.0 or an RGB caller;
 * - one output (three would mean object detection): probabilities in labels.txt order.
 *
 * The backbone's nodes and weight bytes are copied untouched (quantized weights stay quantized,
 * so TF.js dequantizes them exactly as for the original model); only nodes the feature node
 * depends on are kept.
 */
import { InvalidBackboneError, InvalidExportOptionsError, UnsupportedOpError } from '../errors.ts';
import { validateHead, weightsFeaturesByTags } from '../head.ts';
import { appendTfjsGraph } from '../onnx/from-tfjs-graph.ts';
import { OnnxGraphBuilder } from '../onnx/graph-builder.ts';
import {
  customVisionMetadata,
  type InputDescription,
  labelsFile,
  manifestFile,
  metadataPropertiesFile,
  type OutputDescription,
  preprocessingReadme,
  textFile,
} from '../package-files.ts';
import type { ExportFile, ExportSource, TfjsGraphBackbone } from '../types.ts';
import { ancestors, resolveInputNode } from './cut.ts';
import {
  encodeBase64String,
  graphDefOf,
  parseInputRef,
  type TfjsAttrValue,
  type TfjsNodeDef,
  type TfjsWeightSpec,
} from './graph-def.ts';
import { indexWeights, type StoredWeight } from './weights.ts';

export interface TfjsExportOptions extends ExportSource {
  /** Maximum bytes per weight shard; tfjs-converter's default is 4 MiB. */
  shardBytes?: number;
}

export const TFJS_INPUT_NAME = 'data';
export const TFJS_OUTPUT_NAME = 'model_output';
const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;
const FLOAT: TfjsAttrValue = { type: 'DT_FLOAT' };

/** The model.json object plus its shard files. */
export interface BuiltTfjsModel {
  modelJson: Record<string, unknown>;
  shards: ExportFile[];
  input: InputDescription;
  outputs: OutputDescription[];
  metadata: [string, string][];
}

function shapeAttr(shape: readonly number[]): TfjsAttrValue {
  return { shape: { dim: shape.map((d) => ({ size: String(d) })) } };
}

function constNode(name: string, dtype: 'DT_FLOAT' | 'DT_INT32', shape: readonly number[]): TfjsNodeDef {
  return {
    name,
    op: 'Const',
    attr: {
      value: { tensor: { dtype, tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } },
      dtype: { type: dtype },
    },
  };
}

/**
 * The feature tap's TF shape, inferred by the ONNX converter's static shape propagation (which
 * also proves the cut is well formed). Graphs with ops it does not know fall back to trusting the
 * head: [1, W.length / numTags].
 */
function featureShape(
  backbone: TfjsGraphBackbone,
  inputName: string,
  weights: ReadonlyMap<string, StoredWeight>,
): number[] | undefined {
  const size = backbone.inputSize;
  try {
    const probe = new OnnxGraphBuilder(13);
    const out = appendTfjsGraph(
      probe,
      graphDefOf(backbone.artifacts),
      weights,
      { [inputName]: { tensor: 'probe', tfShape: [1, size, size, 3], layout: 'nchw' } },
      backbone.featureNode,
    );
    return out.tfShape;
  } catch (error) {
    if (error instanceof UnsupportedOpError) return undefined;
    throw error;
  }
}

export function buildTfjsGraphModel(options: TfjsExportOptions): BuiltTfjsModel {
  const { backbone, head } = options;
  const size = backbone.inputSize;
  if (!Number.isInteger(size) || size <= 0) throw new InvalidExportOptionsError(`invalid input size ${size}`);
  if (!(backbone.inputScale > 0)) throw new InvalidExportOptionsError(`invalid input scale ${backbone.inputScale}`);
  const shardBytes = options.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!Number.isInteger(shardBytes) || shardBytes < 1024) {
    throw new InvalidExportOptionsError(`invalid shard size ${shardBytes}`);
  }

  const graph = graphDefOf(backbone.artifacts);
  const weights = indexWeights(backbone.artifacts.weightSpecs, backbone.artifacts.weightData);
  const inputName = resolveInputNode(graph, backbone.featureNode, backbone.inputNode);
  const numTags = head.b.length;
  const tapShape = featureShape(backbone, inputName, weights) ?? [1, numTags > 0 ? head.W.length / numTags : 0];
  const pool = tapShape.length === 4;
  if (!pool && tapShape.length !== 2) {
    throw new InvalidBackboneError(`feature node yields shape ${JSON.stringify(tapShape)}, not [1, dim]`);
  }
  const featureDim = tapShape[tapShape.length - 1]!;
  validateHead(head, featureDim);

  const kept = ancestors(graph, backbone.featureNode);

  // New input and scaling: data (0–255) · inputScale (+ inputOffset) replaces the old Placeholder.
  const nodes: TfjsNodeDef[] = [
    {
      name: TFJS_INPUT_NAME,
      op: 'Placeholder',
      attr: { dtype: FLOAT, shape: shapeAttr([-1, size, size, 3]) },
    },
    constNode('cvkit/input_scale', 'DT_FLOAT', []),
    { name: 'cvkit/scale_input', op: 'Mul', input: [TFJS_INPUT_NAME, 'cvkit/input_scale'], attr: { T: FLOAT } },
  ];
  const newWeights: { spec: TfjsWeightSpec; bytes: Uint8Array }[] = [
    { spec: { name: 'cvkit/input_scale', shape: [], dtype: 'float32' }, bytes: f32([backbone.inputScale]) },
  ];
  let scaled = 'cvkit/scale_input';
  if (backbone.inputOffset) {
    nodes.push(constNode('cvkit/input_offset', 'DT_FLOAT', []), {
      name: 'cvkit/offset_input',
      op: 'AddV2',
      input: [scaled, 'cvkit/input_offset'],
      attr: { T: FLOAT },
    });
    newWeights.push({
      spec: { name: 'cvkit/input_offset', shape: [], dtype: 'float32' },
      bytes: f32([backbone.inputOffset]),
    });
    scaled = 'cvkit/offset_input';
  }
  for (const name of nodes.map((n) => n.name)) {
    if (kept.has(name)) throw new InvalidBackboneError(`backbone already has a node named '${name}'`);
  }

  // Backbone nodes, in their original order, reading the scaled input instead of the Placeholder.
  const keptWeights: StoredWeight[] = [];
  for (const node of graph.node) {
    if (!kept.has(node.name) || node.name === inputName) continue;
    const input = node.input?.map((ref) => {
      const parsed = parseInputRef(ref);
      if (parsed.node !== inputName) return ref;
      return parsed.control ? `^${scaled}` : scaled;
    });
    nodes.push(input ? { ...node, input } : { ...node });
    if (node.op === 'Const') {
      const stored = weights.get(node.name);
      if (!stored) throw new InvalidBackboneError(`constant '${node.name}' has no weight`);
      keptWeights.push(stored);
    }
  }

  // Head: [mean-pool] → MatMul → BiasAdd → softmax/sigmoid → Identity (the named output).
  let features = backbone.featureNode;
  if (pool) {
    nodes.push(constNode('cvkit/pool_axes', 'DT_INT32', [2]), {
      name: 'cvkit/pool_features',
      op: 'Mean',
      input: [features, 'cvkit/pool_axes'],
      attr: { T: FLOAT, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } },
    });
    newWeights.push({ spec: { name: 'cvkit/pool_axes', shape: [2], dtype: 'int32' }, bytes: i32([1, 2]) });
    features = 'cvkit/pool_features';
  }
  const activationOp = head.activation === 'softmax' ? 'Softmax' : 'Sigmoid';
  nodes.push(
    constNode('cvkit/head/W', 'DT_FLOAT', [featureDim, numTags]),
    constNode('cvkit/head/b', 'DT_FLOAT', [numTags]),
    {
      name: 'cvkit/head/MatMul',
      op: 'MatMul',
      input: [features, 'cvkit/head/W'],
      attr: { T: FLOAT, transpose_a: { b: false }, transpose_b: { b: false } },
    },
    {
      name: 'cvkit/head/BiasAdd',
      op: 'BiasAdd',
      input: ['cvkit/head/MatMul', 'cvkit/head/b'],
      attr: { T: FLOAT, data_format: { s: encodeBase64String('NHWC') } },
    },
    { name: `cvkit/head/${activationOp}`, op: activationOp, input: ['cvkit/head/BiasAdd'], attr: { T: FLOAT } },
    { name: TFJS_OUTPUT_NAME, op: 'Identity', input: [`cvkit/head/${activationOp}`], attr: { T: FLOAT } },
  );
  newWeights.push(
    {
      spec: { name: 'cvkit/head/W', shape: [featureDim, numTags], dtype: 'float32' },
      bytes: f32(weightsFeaturesByTags(head, featureDim)),
    },
    { spec: { name: 'cvkit/head/b', shape: [numTags], dtype: 'float32' }, bytes: f32(head.b) },
  );

  const allWeights = [...keptWeights, ...newWeights];
  const total = allWeights.reduce((n, w) => n + w.bytes.length, 0);
  const buffer = new Uint8Array(total);
  let offset = 0;
  for (const w of allWeights) {
    buffer.set(w.bytes, offset);
    offset += w.bytes.length;
  }
  // A weight may straddle two shards: TF.js concatenates a group's shards before slicing weights.
  const shardCount = Math.max(1, Math.ceil(total / shardBytes));
  const shards: ExportFile[] = [];
  for (let i = 0; i < shardCount; i++) {
    shards.push({
      path: `group1-shard${i + 1}of${shardCount}.bin`,
      bytes: buffer.slice(i * shardBytes, Math.min(total, (i + 1) * shardBytes)),
    });
  }

  const input: InputDescription = {
    name: TFJS_INPUT_NAME,
    shape: [1, size, size, 3],
    layout: 'NHWC',
    dtype: 'float32',
    channelOrder: 'RGB',
    pixelRange: [0, 255],
    size,
  };
  const outputs: OutputDescription[] = [
    {
      name: TFJS_OUTPUT_NAME,
      shape: [1, numTags],
      description: `${head.activation} probabilities, in labels.txt order`,
    },
  ];
  const metadata = customVisionMetadata(input, head.activation);
  const versions = (graph.versions as Record<string, unknown> | undefined) ?? {};
  const modelJson = {
    format: 'graph-model',
    generatedBy: backbone.artifacts.generatedBy ?? 'cvkit',
    convertedBy: 'cvkit 0.1.0 (export/tfjs)',
    modelTopology: { node: nodes, library: {}, versions },
    signature: {
      inputs: {
        [`${TFJS_INPUT_NAME}:0`]: {
          name: `${TFJS_INPUT_NAME}:0`,
          dtype: 'DT_FLOAT',
          tensorShape: shapeAttr([-1, size, size, 3]).shape,
        },
      },
      outputs: {
        [`${TFJS_OUTPUT_NAME}:0`]: {
          name: `${TFJS_OUTPUT_NAME}:0`,
          dtype: 'DT_FLOAT',
          tensorShape: shapeAttr([-1, numTags]).shape,
        },
      },
    },
    userDefinedMetadata: { ...Object.fromEntries(metadata), 'cvkit.Labels': [...head.labels] },
    weightsManifest: [{ paths: shards.map((s) => s.path), weights: allWeights.map((w) => w.spec) }],
  };
  return { modelJson, shards, input, outputs, metadata };
}

function f32(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

function i32(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setInt32(i * 4, values[i]!, true);
  return out;
}

/** model.json + weight shards + labels.txt + cvexport.manifest + metadata_properties.json + README.md. */
export async function exportTfjs(options: TfjsExportOptions): Promise<ExportFile[]> {
  const built = buildTfjsGraphModel(options);
  const { head, backbone } = options;
  return [
    textFile('model.json', JSON.stringify(built.modelJson)),
    ...built.shards,
    labelsFile(head),
    manifestFile({
      platform: 'TensorFlow',
      flavor: 'TensorFlowJs',
      modelFileName: 'model.json',
      exportedDate: options.exportedDate ?? new Date().toISOString(),
      ...(options.iterationId !== undefined ? { iterationId: options.iterationId } : {}),
      head,
      backboneName: backbone.name,
      input: built.input,
      outputs: built.outputs,
      format: { Format: 'tfjs-graph-model', WeightFiles: built.shards.map((s) => s.path) },
    }),
    metadataPropertiesFile(built.metadata),
    textFile('README.md', tfjsReadme(options, built)),
  ];
}

function tfjsReadme(options: TfjsExportOptions, built: BuiltTfjsModel): string {
  const { head, backbone } = options;
  return [
    '# Image classifier (TensorFlow.js graph model), exported by cvkit',
    '',
    `- Backbone: ${backbone.name}; linear head with ${head.activation} over ${head.labels.length} tags (labels.txt).`,
    `- Files: model.json and ${built.shards.map((s) => s.path).join(', ')}.`,
    '',
    '## Input',
    '',
    `\`${built.input.name}\`: float32 [batch, ${built.input.size}, ${built.input.size}, 3] (NHWC), RGB, values 0–255.`,
    "model.json's userDefinedMetadata has Image.BitmapPixelFormat = Rgb8, which @microsoft/customvision-tfjs",
    '1.3.0 reads to skip its RGB→BGR swap (earlier versions always swap: use 1.3.0, or call the model yourself).',
    '',
    preprocessingReadme(built.input),
    '## Output',
    '',
    `\`${TFJS_OUTPUT_NAME}\` [batch, ${head.labels.length}]: ${head.activation} probabilities in labels.txt order.`,
    '',
    '## Example',
    '',
    '```js',
    "import * as cvstfjs from '@microsoft/customvision-tfjs'; // 1.3.0",
    'const model = new cvstfjs.ClassificationModel();',
    "await model.loadModelAsync('model.json');",
    "const probabilities = await model.executeAsync(document.getElementById('image'));",
    '```',
    '',
  ].join('\n');
}
