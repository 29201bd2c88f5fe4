/**
 * StockGraph → a TensorFlow Lite flatbuffer (`model.tflite`, file identifier TFL3, schema version 3), written with
 * the `flatbuffers` package by hand-written builder calls. Table and field order, enum and union values are those
 * of tensorflow/lite/schema/schema.fbs (Apache-2.0): each table's fields are numbered from 0 in declaration order,
 * a union takes two slots (its type, then its value).
 *
 * Layouts TFLite wants: CONV_2D filters OHWI, DEPTHWISE_CONV_2D filters [1, kh, kw, C·M] (the same bytes as TF's
 * [kh, kw, C, M]), FULLY_CONNECTED weights [out, in]. With `weights: 'float16'` every constant is stored as FLOAT16
 * and expanded by a DEQUANTIZE op at load, as TensorFlow's float16 post-training quantization does.
 */
import { Builder, type Offset } from 'flatbuffers';
import { InvalidExportOptionsError } from '../errors.ts';
import { float16Bytes, float32Bytes, int32Bytes } from '../stock/bytes.ts';
import type { StockGraph, StockValue } from '../stock/graph.ts';

/** BuiltinOperator values. */
const Op = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  SOFTMAX: 25,
  MEAN: 40,
} as const;

/** BuiltinOptions union members. */
const Options = {
  NONE: 0,
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  AddOptions: 11,
  ReshapeOptions: 17,
  MulOptions: 21,
  ReducerOptions: 27,
  DequantizeOptions: 38,
} as const;

const TensorType = { FLOAT32: 0, FLOAT16: 1, INT32: 2 } as const;
const Padding = { SAME: 0, VALID: 1 } as const;
const Activation = { none: 0, relu: 1, relu6: 3 } as const;

interface TensorSpec {
  name: string;
  shape: number[];
  type: number;
  /** Index into the model's buffers; 0 = no data. */
  buffer: number;
}

interface OperatorSpec {
  opcode: number;
  version: number;
  inputs: number[];
  outputs: number[];
  optionsType: number;
  /** Writes the options table; called while building. */
  options?: (b: Builder) => Offset;
}

export interface TfliteWriteOptions {
  /** 'float32' (default) or 'float16' (constants stored as FLOAT16, DEQUANTIZE'd at load). */
  weights?: 'float32' | 'float16';
  description?: string;
}

class TfliteGraph {
  readonly tensors: TensorSpec[] = [];
  readonly buffers: Uint8Array[] = [new Uint8Array(0)];
  readonly operators: OperatorSpec[] = [];
  private readonly byName = new Map<string, number>();

  constructor(private readonly float16: boolean) {}

  tensor(name: string, shape: number[], type: number = TensorType.FLOAT32, data?: Uint8Array): number {
    let buffer = 0;
    if (data) {
      buffer = this.buffers.length;
      this.buffers.push(data);
    }
    this.tensors.push({ name, shape, type, buffer });
    return this.tensors.length - 1;
  }

  /** The tensor holding a value (batch -1 is written as 1: TFLite shapes are concrete). */
  value(v: StockValue): number {
    const known = this.byName.get(v.name);
    if (known !== undefined) return known;
    const index = this.tensor(
      v.name,
      v.shape.map((d) => (d < 0 ? 1 : d)),
    );
    this.byName.set(v.name, index);
    return index;
  }

  /** A float32 constant; with float16 weights, a FLOAT16 tensor plus a DEQUANTIZE into float32. */
  floatConst(name: string, shape: number[], values: ArrayLike<number>): number {
    if (!this.float16) return this.tensor(name, shape, TensorType.FLOAT32, float32Bytes(values));
    const half = this.tensor(`${name}/float16`, shape, TensorType.FLOAT16, float16Bytes(values));
    const full = this.tensor(name, shape);
    this.operators.push({
      opcode: Op.DEQUANTIZE,
      version: 3,
      inputs: [half],
      outputs: [full],
      optionsType: Options.NONE,
    });
    return full;
  }

  intConst(name: string, values: number[]): number {
    return this.tensor(name, [values.length], TensorType.INT32, int32Bytes(values));
  }
}

function transposeHwioToOhwi(filter: Float32Array, [kh, kw, ci, co]: readonly number[]): Float32Array {
  const out = new Float32Array(filter.length);
  for (let h = 0; h < kh!; h++)
    for (let w = 0; w < kw!; w++)
      for (let i = 0; i < ci!; i++)
        for (let o = 0; o < co!; o++)
          out[((o * kh! + h) * kw! + w) * ci! + i] = filter[((h * kw! + w) * ci! + i) * co! + o]!;
  return out;
}

export function encodeTflite(graph: StockGraph, options: TfliteWriteOptions = {}): Uint8Array {
  const g = new TfliteGraph(options.weights === 'float16');
  for (const node of graph.nodes) {
    const out = () => g.value(node.out);
    switch (node.op) {
      case 'input':
        g.value(node.out);
        break;
      case 'conv':
      case 'depthwise': {
        const [kh, kw, c, m] = node.filterShape;
        const depthwise = node.op === 'depthwise';
        const filter = depthwise
          ? g.floatConst(`${node.out.name}/filter`, [1, kh, kw, c * m], node.filter)
          : g.floatConst(`${node.out.name}/filter`, [m, kh, kw, c], transposeHwioToOhwi(node.filter, node.filterShape));
        const bias = g.floatConst(`${node.out.name}/bias`, [node.bias.length], node.bias);
        const input = g.value(node.input);
        const dilated = node.dilations[0] !== 1 || node.dilations[1] !== 1;
        g.operators.push({
          opcode: depthwise ? Op.DEPTHWISE_CONV_2D : Op.CONV_2D,
          version: depthwise && dilated ? 2 : 1,
          inputs: [input, filter, bias],
          outputs: [out()],
          optionsType: depthwise ? Options.DepthwiseConv2DOptions : Options.Conv2DOptions,
          options: (b) => {
            b.startObject(depthwise ? 7 : 6);
            b.addFieldInt8(0, Padding[node.padding], -1);
            b.addFieldInt32(1, node.strides[1], -1);
            b.addFieldInt32(2, node.strides[0], -1);
            if (depthwise) {
              b.addFieldInt32(3, m, -1);
              b.addFieldInt8(4, Activation[node.activation], -1);
              b.addFieldInt32(5, node.dilations[1], -1);
              b.addFieldInt32(6, node.dilations[0], -1);
            } else {
              b.addFieldInt8(3, Activation[node.activation], -1);
              b.addFieldInt32(4, node.dilations[1], -1);
              b.addFieldInt32(5, node.dilations[0], -1);
            }
            return b.endObject();
          },
        });
        break;
      }
      case 'mulScalar':
      case 'addScalar': {
        const y = g.floatConst(`${node.out.name}/y`, [], [node.value]);
        g.operators.push({
          opcode: node.op === 'mulScalar' ? Op.MUL : Op.ADD,
          version: 1,
          inputs: [g.value(node.input), y],
          outputs: [out()],
          optionsType: node.op === 'mulScalar' ? Options.MulOptions : Options.AddOptions,
          options: activationOptions,
        });
        break;
      }
      case 'add':
        g.operators.push({
          opcode: Op.ADD,
          version: 1,
          inputs: [g.value(node.a), g.value(node.b)],
          outputs: [out()],
          optionsType: Options.AddOptions,
          options: activationOptions,
        });
        break;
      case 'avgPool':
      case 'maxPool':
        g.operators.push({
          opcode: node.op === 'avgPool' ? Op.AVERAGE_POOL_2D : Op.MAX_POOL_2D,
          version: 1,
          inputs: [g.value(node.input)],
          outputs: [out()],
          optionsType: Options.Pool2DOptions,
          options: (b) => {
            b.startObject(6);
            b.addFieldInt8(0, Padding[node.padding], -1);
            b.addFieldInt32(1, node.strides[1], -1);
            b.addFieldInt32(2, node.strides[0], -1);
            b.addFieldInt32(3, node.kernel[1], -1);
            b.addFieldInt32(4, node.kernel[0], -1);
            b.addFieldInt8(5, 0, -1);
            return b.endObject();
          },
        });
        break;
      case 'globalMean':
        g.operators.push({
          opcode: Op.MEAN,
          version: 1,
          inputs: [g.value(node.input), g.intConst(`${node.out.name}/reduction_indices`, [1, 2])],
          outputs: [out()],
          optionsType: Options.ReducerOptions,
          options: (b) => {
            b.startObject(1);
            b.addFieldInt8(0, 0, -1);
            return b.endObject();
          },
        });
        break;
      case 'flatten': {
        const shape = [1, node.out.shape[1]!];
        g.operators.push({
          opcode: Op.RESHAPE,
          version: 1,
          inputs: [g.value(node.input), g.intConst(`${node.out.name}/shape`, shape)],
          outputs: [out()],
          optionsType: Options.ReshapeOptions,
          options: (b) => {
            const newShape = int32Vector(b, shape);
            b.startObject(1);
            b.addFieldOffset(0, newShape, 0);
            return b.endObject();
          },
        });
        break;
      }
      case 'dense': {
        const [inDim, outDim] = [node.input.shape[1]!, node.out.shape[1]!];
        const transposed = new Float32Array(inDim * outDim);
        for (let i = 0; i < inDim; i++)
          for (let o = 0; o < outDim; o++) transposed[o * inDim + i] = node.weights[i * outDim + o]!;
        g.operators.push({
          opcode: Op.FULLY_CONNECTED,
          version: 1,
          inputs: [
            g.value(node.input),
            g.floatConst(`${node.out.name}/weights`, [outDim, inDim], transposed),
            g.floatConst(`${node.out.name}/bias`, [outDim], node.bias),
          ],
          outputs: [out()],
          optionsType: Options.FullyConnectedOptions,
          options: activationOptions,
        });
        break;
      }
      case 'relu':
      case 'relu6':
      case 'sigmoid':
        g.operators.push({
          opcode: { relu: Op.RELU, relu6: Op.RELU6, sigmoid: Op.LOGISTIC }[node.op],
          version: 1,
          inputs: [g.value(node.input)],
          outputs: [out()],
          optionsType: Options.NONE,
        });
        break;
      case 'softmax':
        g.operators.push({
          opcode: Op.SOFTMAX,
          version: 1,
          inputs: [g.value(node.input)],
          outputs: [out()],
          optionsType: Options.SoftmaxOptions,
          options: (b) => {
            b.startObject(1);
            b.addFieldFloat32(0, 1, 0);
            return b.endObject();
          },
        });
        break;
      default:
        throw new InvalidExportOptionsError(`TFLite writer: no translation for ${(node as { op: string }).op}`);
    }
  }
  return serialize(
    g,
    graph.inputs.map((v) => g.value(v)),
    graph.outputs.map((v) => g.value(v)),
    options.description ?? 'cvkit',
  );
}

function activationOptions(b: Builder): Offset {
  b.startObject(1);
  b.addFieldInt8(0, 0, -1);
  return b.endObject();
}

/** A [ubyte] vector aligned to 16 bytes (Buffer.data is `force_align: 16`). */
function alignedByteVector(b: Builder, bytes: Uint8Array): Offset {
  b.startVector(1, bytes.length, 16);
  // What Builder.createByteVector does, with the alignment the schema asks for (its fields are private in the types).
  const builder = b as unknown as { space: number; bb: { setPosition(p: number): void; bytes(): Uint8Array } };
  builder.space -= bytes.length;
  builder.bb.setPosition(builder.space);
  builder.bb.bytes().set(bytes, builder.space);
  return b.endVector();
}

function serialize(g: TfliteGraph, inputs: number[], outputs: number[], description: string): Uint8Array {
  const b = new Builder(1024 * 1024);
  // Operator codes in first-use order.
  const codes: { opcode: number; version: number }[] = [];
  const codeIndex = (opcode: number, version: number) => {
    let i = codes.findIndex((c) => c.opcode === opcode && c.version === version);
    if (i < 0) i = codes.push({ opcode, version }) - 1;
    return i;
  };
  const operatorOffsets = g.operators.map((op) => {
    const index = codeIndex(op.opcode, op.version);
    const options = op.options?.(b);
    const inputsVector = int32Vector(b, op.inputs);
    const outputsVector = int32Vector(b, op.outputs);
    b.startObject(5);
    b.addFieldInt32(0, index, 0);
    b.addFieldOffset(1, inputsVector, 0);
    b.addFieldOffset(2, outputsVector, 0);
    b.addFieldInt8(3, op.optionsType, 0);
    if (options !== undefined) b.addFieldOffset(4, options, 0);
    return b.endObject();
  });
  const tensorOffsets = g.tensors.map((t) => {
    const name = b.createString(t.name);
    const shape = int32Vector(b, t.shape);
    b.startObject(4);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, t.type, -1);
    b.addFieldInt32(2, t.buffer, -1);
    b.addFieldOffset(3, name, 0);
    return b.endObject();
  });
  const subgraphName = b.createString('main');
  const tensors = vectorOfOffsets(b, tensorOffsets);
  const inputsVector = int32Vector(b, inputs);
  const outputsVector = int32Vector(b, outputs);
  const operators = vectorOfOffsets(b, operatorOffsets);
  b.startObject(5);
  b.addFieldOffset(0, tensors, 0);
  b.addFieldOffset(1, inputsVector, 0);
  b.addFieldOffset(2, outputsVector, 0);
  b.addFieldOffset(3, operators, 0);
  b.addFieldOffset(4, subgraphName, 0);
  const subgraph = b.endObject();

  const codeOffsets = codes.map((c) => {
    b.startObject(4);
    b.addFieldInt8(0, c.opcode, -1); // deprecated_builtin_code: what every reader of schema v3 reads
    b.addFieldInt32(2, c.version, -1);
    b.addFieldInt32(3, c.opcode, -1); // builtin_code, read by newer runtimes
    return b.endObject();
  });
  const bufferOffsets = g.buffers.map((bytes) => {
    const data = bytes.length > 0 ? alignedByteVector(b, bytes) : 0;
    b.startObject(1);
    if (data) b.addFieldOffset(0, data, 0);
    return b.endObject();
  });
  const descriptionOffset = b.createString(description);
  const operatorCodes = vectorOfOffsets(b, codeOffsets);
  const subgraphs = vectorOfOffsets(b, [subgraph]);
  const buffers = vectorOfOffsets(b, bufferOffsets);
  b.startObject(6);
  b.addFieldInt32(0, 3, -1);
  b.addFieldOffset(1, operatorCodes, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(3, descriptionOffset, 0);
  b.addFieldOffset(4, buffers, 0);
  const model = b.endObject();
  b.finish(model, 'TFL3');
  return b.asUint8Array().slice();
}

function int32Vector(b: Builder, values: readonly number[]): Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]!);
  return b.endVector();
}

function vectorOfOffsets(b: Builder, offsets: Offset[]): Offset {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
  return b.endVector();
}
