/**
 * StockGraph → a frozen TensorFlow GraphDef (`model.pb`): stock TensorFlow 1.x ops only, weights as float32 `Const`
 * nodes (`tensor_content`, little-endian), NHWC, as Custom Vision's TensorFlow exports are and as TensorFlow's
 * Android library, `tf.compat.v1.import_graph_def` and OpenCV's TensorFlow importer read them.
 *
 * Ops written: Placeholder, Const, Conv2D, DepthwiseConv2dNative, BiasAdd, Relu, Relu6, Add, Mul, AvgPool, MaxPool,
 * Mean, Reshape, MatMul, Softmax, Sigmoid. `Add` rather than `AddV2` (TensorFlow ≥ 1.15 only) keeps old readers in.
 *
 * Field numbers: tensorflow/core/framework/{graph,node_def,attr_value,tensor,tensor_shape,types}.proto.
 */
import { InvalidBackboneError } from '../errors.ts';
import { ProtoWriter } from '../onnx/protobuf.ts';
import { float32Bytes, int32Bytes } from '../stock/bytes.ts';
import { type ConvNode, nodeInputs, type StockGraph, type StockNode } from '../stock/graph.ts';

const DT_FLOAT = 1;
const DT_INT32 = 3;

type Attr =
  | { kind: 'type'; value: number }
  | { kind: 'shape'; value: readonly number[] }
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'tensor'; dtype: number; shape: readonly number[]; content: Uint8Array };

interface TfNode {
  name: string;
  op: string;
  inputs: string[];
  attrs: Record<string, Attr>;
}

function shapeProto(shape: readonly number[]): Uint8Array {
  const w = new ProtoWriter();
  for (const size of shape) w.message(2, new ProtoWriter().int(1, size).finish());
  return w.finish();
}

function attrValue(attr: Attr): Uint8Array {
  const w = new ProtoWriter();
  switch (attr.kind) {
    case 'type':
      return w.int(6, attr.value).finish();
    case 'shape':
      return w.message(7, shapeProto(attr.value)).finish();
    case 'string':
      return w.string(2, attr.value).finish();
    case 'bool':
      return w.int(5, attr.value ? 1 : 0).finish();
    case 'ints':
      return w.message(1, new ProtoWriter().packedInts(3, attr.value).finish()).finish();
    case 'tensor': {
      const tensor = new ProtoWriter().int(1, attr.dtype).message(2, shapeProto(attr.shape));
      if (attr.content.length > 0) tensor.bytes(4, attr.content);
      return w.message(8, tensor.finish()).finish();
    }
  }
}

function nodeProto(node: TfNode): Uint8Array {
  const w = new ProtoWriter().string(1, node.name).string(2, node.op);
  for (const input of node.inputs) w.string(3, input);
  // Map entries in key order, as TensorFlow's own serializer writes them (deterministic output).
  for (const key of Object.keys(node.attrs).sort()) {
    w.message(5, new ProtoWriter().string(1, key).message(2, attrValue(node.attrs[key]!)).finish());
  }
  return w.finish();
}

const T = { kind: 'type', value: DT_FLOAT } as const;
const NHWC = { kind: 'string', value: 'NHWC' } as const;
const spatial = (hw: readonly [number, number]): Attr => ({ kind: 'ints', value: [1, hw[0], hw[1], 1] });

/** Translates StockGraph nodes into TensorFlow nodes; names are checked unique. */
class GraphDefBuilder {
  readonly nodes: TfNode[] = [];
  private readonly names = new Set<string>();

  push(name: string, op: string, inputs: string[], attrs: Record<string, Attr>): string {
    if (this.names.has(name)) throw new InvalidBackboneError(`two TensorFlow nodes would be named '${name}'`);
    this.names.add(name);
    this.nodes.push({ name, op, inputs, attrs });
    return name;
  }

  floatConst(name: string, shape: readonly number[], values: ArrayLike<number>): string {
    const content = float32Bytes(values);
    return this.push(name, 'Const', [], {
      dtype: T,
      value: { kind: 'tensor', dtype: DT_FLOAT, shape, content },
    });
  }

  intConst(name: string, shape: readonly number[], values: readonly number[]): string {
    return this.push(name, 'Const', [], {
      dtype: { kind: 'type', value: DT_INT32 },
      value: { kind: 'tensor', dtype: DT_INT32, shape, content: int32Bytes(values) },
    });
  }

  conv(node: ConvNode): void {
    const name = node.out.name;
    const filter = this.floatConst(`${name}/filter`, node.filterShape, node.filter);
    const hasActivation = node.activation !== 'none';
    const conv = this.push(
      `${name}/${node.op === 'conv' ? 'Conv2D' : 'depthwise'}`,
      node.op === 'conv' ? 'Conv2D' : 'DepthwiseConv2dNative',
      [node.input.name, filter],
      {
        T,
        data_format: NHWC,
        dilations: spatial(node.dilations),
        padding: { kind: 'string', value: node.padding },
        strides: spatial(node.strides),
        ...(node.op === 'conv' ? { use_cudnn_on_gpu: { kind: 'bool', value: true } as const } : {}),
      },
    );
    const bias = this.floatConst(`${name}/bias`, [node.bias.length], node.bias);
    const biased = this.push(hasActivation ? `${name}/BiasAdd` : name, 'BiasAdd', [conv, bias], {
      T,
      data_format: NHWC,
    });
    if (hasActivation) this.push(name, node.activation === 'relu' ? 'Relu' : 'Relu6', [biased], { T });
  }

  node(node: StockNode): void {
    const name = node.out.name;
    switch (node.op) {
      case 'input':
        this.push(name, 'Placeholder', [], { dtype: T, shape: { kind: 'shape', value: node.out.shape } });
        return;
      case 'conv':
      case 'depthwise':
        this.conv(node);
        return;
      case 'mulScalar':
      case 'addScalar': {
        const y = this.floatConst(`${name}/y`, [], [node.value]);
        this.push(name, node.op === 'mulScalar' ? 'Mul' : 'Add', [node.input.name, y], { T });
        return;
      }
      case 'add':
        this.push(name, 'Add', [node.a.name, node.b.name], { T });
        return;
      case 'avgPool':
      case 'maxPool':
        this.push(name, node.op === 'avgPool' ? 'AvgPool' : 'MaxPool', [node.input.name], {
          T,
          data_format: NHWC,
          ksize: spatial(node.kernel),
          padding: { kind: 'string', value: node.padding },
          strides: spatial(node.strides),
        });
        return;
      case 'globalMean': {
        const axes = this.intConst(`${name}/reduction_indices`, [2], [1, 2]);
        this.push(name, 'Mean', [node.input.name, axes], {
          T,
          Tidx: { kind: 'type', value: DT_INT32 },
          keep_dims: { kind: 'bool', value: false },
        });
        return;
      }
      case 'flatten': {
        const shape = this.intConst(`${name}/shape`, [2], [-1, node.out.shape[1]!]);
        this.push(name, 'Reshape', [node.input.name, shape], { T, Tshape: { kind: 'type', value: DT_INT32 } });
        return;
      }
      case 'dense': {
        const [inDim, outDim] = [node.input.shape[1]!, node.out.shape[1]!];
        const weights = this.floatConst(`${name}/weights`, [inDim, outDim], node.weights);
        const matMul = this.push(`${name}/MatMul`, 'MatMul', [node.input.name, weights], {
          T,
          transpose_a: { kind: 'bool', value: false },
          transpose_b: { kind: 'bool', value: false },
        });
        const bias = this.floatConst(`${name}/bias`, [outDim], node.bias);
        this.push(name, 'BiasAdd', [matMul, bias], { T, data_format: NHWC });
        return;
      }
      case 'relu':
      case 'relu6':
      case 'sigmoid':
      case 'softmax': {
        const op = ({ relu: 'Relu', relu6: 'Relu6', sigmoid: 'Sigmoid', softmax: 'Softmax' } as const)[node.op];
        this.push(name, op, [node.input.name], { T });
        return;
      }
    }
  }
}

/**
 * The GraphDef bytes. Only nodes the outputs depend on are written, so the outputs are the graph's only sinks:
 * Microsoft's TensorFlow sample finds the outputs as the nodes no other node reads.
 */
export function encodeGraphDef(graph: StockGraph): Uint8Array {
  const needed = new Set(graph.outputs.map((o) => o.name));
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i]!;
    if (needed.has(node.out.name)) for (const input of nodeInputs(node)) needed.add(input.name);
  }
  const builder = new GraphDefBuilder();
  for (const node of graph.nodes) if (needed.has(node.out.name)) builder.node(node);
  const w = new ProtoWriter();
  for (const node of builder.nodes) w.message(1, nodeProto(node));
  return w.finish();
}
