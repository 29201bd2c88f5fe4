/**
 * StockGraph → Core ML `model.mlmodel`: a `neuralNetworkClassifier` as Custom Vision's CoreML exports are, with an
 * image input whose scaler maps 0–255 pixels to the backbone's range, outputs `loss` (dictionary string → double)
 * and `classLabel` (string), and the labels inside the model. Field numbers: `proto/CoreML.proto` (Apple's, BSD-3).
 *
 * Specification version 1 (iOS 11) has no ReLU6 layer: relu6(x) = −max(−relu(x), −6) is written as ReLU, a unary
 * THRESHOLD of −x at −6, and a linear ×−1, which is exact. Version 2 (iOS 11.2) adds float16 weights (`float16Value`).
 *
 * Layouts Core ML wants: convolution weights [out, in/groups, kh, kw]; a depthwise convolution is a grouped one
 * with `nGroups = C`; inner product weights [out, in].
 */
import { InvalidExportOptionsError } from '../errors.ts';
import { ProtoWriter } from '../onnx/protobuf.ts';
import { float16Bytes, float32Bytes } from '../stock/bytes.ts';
import type { ConvNode, StockGraph, StockNode } from '../stock/graph.ts';

export interface MlModelOptions {
  /** 1 (float32 weights, iOS 11) or 2 (float16 weights, iOS 11.2). */
  specificationVersion: 1 | 2;
  labels: readonly string[];
  /** Image input: its name, side, and the scaler applied to 0–255 RGB pixels. */
  input: { name: string; size: number; scale: number; offset: number };
  /** The probabilities dictionary (the graph's output) and the top label. */
  probabilitiesName: string;
  classLabelName: string;
  shortDescription: string;
  userDefined: readonly (readonly [string, string])[];
}

const COLOR_SPACE_RGB = 20;
const POOL_MAX = 0;
const POOL_AVERAGE = 1;
const UNARY_THRESHOLD = 7;

const empty = new Uint8Array(0);
const msg = () => new ProtoWriter();

function weights(values: ArrayLike<number>, half: boolean): Uint8Array {
  return half ? msg().bytes(2, float16Bytes(values)).finish() : msg().bytes(1, float32Bytes(values)).finish();
}

/** A repeated uint64 field, packed (proto3's default). */
function packed(w: ProtoWriter, field: number, values: readonly number[]): void {
  w.packedInts(field, values);
}

function layer(name: string, inputs: readonly string[], output: string, kind: number, params: Uint8Array): Uint8Array {
  const w = msg().string(1, name);
  for (const input of inputs) w.string(2, input);
  return w.string(3, output).message(kind, params).finish();
}

const activation = (field: number, params: Uint8Array = empty) => msg().message(field, params).finish();
const linear = (alpha: number, beta: number) => activation(5, msg().float(1, alpha).float(2, beta).finish());

class LayerWriter {
  readonly layers: Uint8Array[] = [];

  constructor(private readonly half: boolean) {}

  private push(name: string, inputs: readonly string[], output: string, kind: number, params: Uint8Array): string {
    this.layers.push(layer(name, inputs, output, kind, params));
    return output;
  }

  /** ReLU6 in version-1 layers, ending in `output`. */
  private relu6(input: string, output: string): void {
    const relu = this.push(`${output}/relu`, [input], `${output}/relu`, 130, activation(10));
    const negated = this.push(
      `${output}/neg_min6`,
      [relu],
      `${output}/neg_min6`,
      220,
      msg().int(1, UNARY_THRESHOLD).float(2, -6).float(4, 0).float(5, -1).finish(),
    );
    this.push(output, [negated], output, 130, linear(-1, 0));
  }

  private activate(kind: 'none' | 'relu' | 'relu6', input: string, output: string): void {
    if (kind === 'relu6') this.relu6(input, output);
    else if (kind === 'relu') this.push(output, [input], output, 130, activation(10));
  }

  private conv(node: ConvNode): void {
    const [kh, kw, c, m] = node.filterShape;
    const depthwise = node.op === 'depthwise';
    const outChannels = depthwise ? c * m : m;
    // HWIO → OIHW; depthwise [kh, kw, C, M] → [C·M, 1, kh, kw].
    const oihw = new Float32Array(node.filter.length);
    for (let h = 0; h < kh; h++)
      for (let x = 0; x < kw; x++)
        for (let i = 0; i < c; i++)
          for (let o = 0; o < m; o++) {
            const source = node.filter[((h * kw + x) * c + i) * m + o]!;
            if (depthwise) oihw[((i * m + o) * kh + h) * kw + x] = source;
            else oihw[((o * c + i) * kh + h) * kw + x] = source;
          }
    const params = msg()
      .int(1, outChannels)
      .int(2, depthwise ? 1 : c)
      .int(10, depthwise ? c : 1);
    packed(params, 20, [kh, kw]);
    packed(params, 30, node.strides);
    packed(params, 40, node.dilations);
    // SAME: Core ML's BOTTOM_RIGHT_HEAVY puts the odd pixel after, as TensorFlow does.
    if (node.padding === 'SAME') params.message(51, msg().int(1, 0).finish());
    else params.message(50, empty);
    params.int(70, 1).message(90, weights(oihw, this.half)).message(91, weights(node.bias, this.half));
    const name = node.out.name;
    const convOut = node.activation === 'none' ? name : `${name}/conv`;
    this.push(convOut, [node.input.name], convOut, 100, params.finish());
    this.activate(node.activation, convOut, name);
  }

  node(node: StockNode): void {
    const name = node.out.name;
    switch (node.op) {
      case 'input':
        return;
      case 'conv':
      case 'depthwise':
        this.conv(node);
        return;
      case 'mulScalar':
        this.push(name, [node.input.name], name, 130, linear(node.value, 0));
        return;
      case 'addScalar':
        this.push(name, [node.input.name], name, 130, linear(1, node.value));
        return;
      case 'add':
        this.push(name, [node.a.name, node.b.name], name, 230, empty);
        return;
      case 'avgPool':
      case 'maxPool': {
        const params = msg().int(1, node.op === 'avgPool' ? POOL_AVERAGE : POOL_MAX);
        packed(params, 10, node.kernel);
        packed(params, 20, node.strides);
        if (node.padding === 'SAME') params.message(31, msg().int(1, 0).finish());
        else params.message(30, empty);
        // TensorFlow averages the real pixels of a SAME window only.
        params.int(50, 1);
        this.push(name, [node.input.name], name, 120, params.finish());
        return;
      }
      case 'globalMean': {
        const params = msg().int(1, POOL_AVERAGE);
        packed(params, 10, [node.input.shape[1]!, node.input.shape[2]!]);
        packed(params, 20, [1, 1]);
        params.message(30, empty).int(60, 1);
        this.push(name, [node.input.name], name, 120, params.finish());
        return;
      }
      case 'flatten':
        this.push(name, [node.input.name], name, 301, empty);
        return;
      case 'dense': {
        const [inDim, outDim] = [node.input.shape[1]!, node.out.shape[1]!];
        const rows = new Float32Array(inDim * outDim);
        for (let i = 0; i < inDim; i++)
          for (let o = 0; o < outDim; o++) rows[o * inDim + i] = node.weights[i * outDim + o]!;
        const params = msg()
          .int(1, inDim)
          .int(2, outDim)
          .int(10, 1)
          .message(20, weights(rows, this.half))
          .message(21, weights(node.bias, this.half));
        this.push(name, [node.input.name], name, 140, params.finish());
        return;
      }
      case 'relu':
        this.push(name, [node.input.name], name, 130, activation(10));
        return;
      case 'relu6':
        this.relu6(node.input.name, name);
        return;
      case 'sigmoid':
        this.push(name, [node.input.name], name, 130, activation(40));
        return;
      case 'softmax':
        this.push(name, [node.input.name], name, 175, empty);
        return;
      default:
        throw new InvalidExportOptionsError(`CoreML writer: no layer for ${(node as { op: string }).op}`);
    }
  }
}

function feature(name: string, shortDescription: string, type: Uint8Array): Uint8Array {
  return msg().string(1, name).string(2, shortDescription).message(3, type).finish();
}

export function encodeMlModel(graph: StockGraph, options: MlModelOptions): Uint8Array {
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) {
    throw new InvalidExportOptionsError('a CoreML classifier has one image input and one probabilities output');
  }
  if (graph.inputs[0]!.name !== options.input.name || graph.outputs[0]!.name !== options.probabilitiesName) {
    throw new InvalidExportOptionsError('the graph input and output must carry the CoreML feature names');
  }
  const writer = new LayerWriter(options.specificationVersion === 2);
  for (const node of graph.nodes) writer.node(node);

  const { input } = options;
  const image = msg().int(1, input.size).int(2, input.size).int(3, COLOR_SPACE_RGB).finish();
  const description = msg().message(
    1,
    feature(input.name, `RGB image, ${input.size}×${input.size}`, msg().message(4, image).finish()),
  );
  // loss: dictionary with string keys (FeatureType.dictionaryType → DictionaryFeatureType.stringKeyType).
  const dictionary = msg().message(6, msg().message(2, empty).finish()).finish();
  description.message(10, feature(options.probabilitiesName, 'probability of each tag', dictionary));
  description.message(10, feature(options.classLabelName, 'the most probable tag', msg().message(3, empty).finish()));
  description.string(11, options.classLabelName).string(12, options.probabilitiesName);
  const metadata = msg().string(1, options.shortDescription).string(3, 'cvkit');
  for (const [key, value] of options.userDefined) {
    metadata.message(100, msg().string(1, key).string(2, value).finish());
  }
  description.message(100, metadata.finish());

  const scaler = msg()
    .float(10, input.scale)
    .float(20, input.offset)
    .float(21, input.offset)
    .float(22, input.offset)
    .finish();
  const classifier = msg();
  for (const l of writer.layers) classifier.message(1, l);
  classifier.message(2, msg().string(1, input.name).message(10, scaler).finish());
  const labels = msg();
  for (const label of options.labels) labels.string(1, label);
  classifier.message(100, labels.finish());

  return msg()
    .int(1, options.specificationVersion)
    .message(2, description.finish())
    .message(403, classifier.finish())
    .finish();
}
