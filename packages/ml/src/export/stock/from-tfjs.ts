/**
 * TF.js graph (a cut of it) → StockGraph nodes, splitting TF.js' fused ops back into what stock TensorFlow, TFLite
 * and CoreML can express: `_FusedConv2D` / `FusedDepthwiseConv2dNative` (BiasAdd + optional Relu/Relu6) become a
 * convolution carrying its bias and activation, `_FusedMatMul` a dense layer, scalar `Mul`/`Sub`/`Add` scalar nodes,
 * `Squeeze` of the unit spatial axes a flatten; uint8/uint16/float16-quantized weights are decoded as tfjs-core does.
 *
 * Supported: Placeholder (bound by the caller), Const, Identity, Conv2D, _FusedConv2D, DepthwiseConv2dNative,
 * FusedDepthwiseConv2dNative, Relu, Relu6, Sigmoid, Softmax, Add/AddV2 (two activations of one shape), Mul/Sub/Add
 * with a scalar constant, AvgPool/MaxPool (SAME/VALID), Mean over H and W, Squeeze of unit H and W, MatMul /
 * _FusedMatMul on rank 2. Anything else throws UnsupportedOpError naming the op and node.
 */
import { InvalidBackboneError, UnsupportedOpError } from '../errors.ts';
import { NodeAttrs, type TfjsGraphDef, type TfjsNodeDef } from '../tfjs/graph-def.ts';
import { convertInPostOrder, dataInputValues } from '../tfjs/walk.ts';
import { type DecodedWeight, decodeWeight, elementCount, type StoredWeight } from '../tfjs/weights.ts';
import {
  type FusedActivation,
  outputSize,
  type StockGraph,
  type StockNode,
  type StockPadding,
  type StockValue,
} from './graph.ts';

type Value = { kind: 'value'; value: StockValue } | { kind: 'const'; name: string; weight: DecodedWeight };

/** Accumulates nodes with unique names. */
export class StockGraphBuilder {
  readonly nodes: StockNode[] = [];
  private readonly names = new Set<string>();

  /** A unique TensorFlow-valid name based on `base`. */
  name(base: string): string {
    let name = base.replace(/[^A-Za-z0-9_.\-/>]/g, '_').replace(/^[^A-Za-z0-9.]+/, '');
    if (!name) name = 'node';
    let candidate = name;
    for (let i = 1; this.names.has(candidate); i++) candidate = `${name}_${i}`;
    this.names.add(candidate);
    return candidate;
  }

  /** Reserves an exact name (e.g. `loss`, `Placeholder`); throws when it is taken. */
  exact(name: string): string {
    if (this.names.has(name)) throw new InvalidBackboneError(`the graph already has a node named '${name}'`);
    this.names.add(name);
    return name;
  }

  add<N extends StockNode>(node: N): StockValue {
    this.nodes.push(node);
    return node.out;
  }

  build(inputs: StockValue[], outputs: StockValue[]): StockGraph {
    return { nodes: this.nodes, inputs, outputs };
  }
}

/**
 * Appends what each of `outputNodes` depends on, reading Placeholders from `inputs` (by TF node name), and returns
 * their values. Names of nodes that produce a value are kept from the TF.js graph where they are free.
 */
export function appendTfjsNodes(
  builder: StockGraphBuilder,
  graph: TfjsGraphDef,
  weights: ReadonlyMap<string, StoredWeight>,
  inputs: Readonly<Record<string, StockValue>>,
  outputNodes: readonly string[],
): StockValue[] {
  const converter = new TfjsToStock(builder, graph, weights, inputs);
  return outputNodes.map((name) => {
    const value = converter.convert(name);
    if (value.kind !== 'value') throw new UnsupportedOpError('Const', name, 'the requested output is a constant');
    return value.value;
  });
}

class TfjsToStock {
  private readonly byName = new Map<string, TfjsNodeDef>();
  private readonly values = new Map<string, Value>();

  constructor(
    private readonly b: StockGraphBuilder,
    graph: TfjsGraphDef,
    private readonly weights: ReadonlyMap<string, StoredWeight>,
    private readonly inputs: Readonly<Record<string, StockValue>>,
  ) {
    for (const node of graph.node) this.byName.set(node.name, node);
  }

  /** Post-order, iteratively (graphs are deep). */
  convert(name: string): Value {
    return convertInPostOrder(this.byName, name, this.values, (node) => this.node(node));
  }

  private dataInputs(node: TfjsNodeDef): Value[] {
    return dataInputValues(node, this.values);
  }

  private value(node: TfjsNodeDef, v: Value | undefined, what: string): StockValue {
    if (!v) throw new InvalidBackboneError(`node '${node.name}' (${node.op}) lacks its ${what} input`);
    if (v.kind !== 'value') throw new UnsupportedOpError(node.op, node.name, `${what} is a constant`);
    return v.value;
  }

  private floats(node: TfjsNodeDef, v: Value | undefined, what: string): DecodedWeight & { values: Float32Array } {
    if (!v) throw new InvalidBackboneError(`node '${node.name}' (${node.op}) lacks its ${what} input`);
    if (v.kind !== 'const') throw new UnsupportedOpError(node.op, node.name, `${what} must be a constant`);
    if (v.weight.dtype !== 'float32') throw new UnsupportedOpError(node.op, node.name, `${what} must be float32`);
    return v.weight as DecodedWeight & { values: Float32Array };
  }

  private out(node: TfjsNodeDef, shape: number[]): StockValue {
    return { name: this.b.name(node.name), shape };
  }

  private node(node: TfjsNodeDef): Value {
    const attrs = new NodeAttrs(node);
    const wrap = (value: StockValue): Value => ({ kind: 'value', value });
    switch (node.op) {
      case 'Placeholder': {
        const bound = this.inputs[node.name];
        if (!bound) throw new InvalidBackboneError(`placeholder '${node.name}' is not bound to an input`);
        return wrap(bound);
      }
      case 'Const': {
        const stored = this.weights.get(node.name);
        if (!stored) throw new UnsupportedOpError('Const', node.name, 'value not in the weights manifest');
        return { kind: 'const', name: node.name, weight: decodeWeight(stored) };
      }
      case 'Identity':
      case 'StopGradient': {
        const v = this.dataInputs(node)[0];
        if (!v) throw new InvalidBackboneError(`node '${node.name}' has no input`);
        return v;
      }
      case 'Conv2D':
      case '_FusedConv2D':
        return wrap(this.conv(node, attrs, false));
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative':
        return wrap(this.conv(node, attrs, true));
      case 'Relu':
      case 'Relu6':
      case 'Sigmoid':
      case 'Softmax': {
        const input = this.value(node, this.dataInputs(node)[0], 'x');
        const op = ({ Relu: 'relu', Relu6: 'relu6', Sigmoid: 'sigmoid', Softmax: 'softmax' } as const)[node.op];
        if (op === 'softmax' && input.shape.length !== 2) {
          throw new UnsupportedOpError(node.op, node.name, 'softmax over a non-rank-2 tensor');
        }
        return wrap(this.b.add({ op, input, out: this.out(node, [...input.shape]) }));
      }
      case 'Add':
      case 'AddV2':
      case 'Sub':
      case 'Mul':
        return wrap(this.binary(node));
      case 'AvgPool':
      case 'MaxPool':
        return wrap(this.pool(node, attrs));
      case 'Mean':
        return wrap(this.mean(node, attrs));
      case 'Squeeze':
        return wrap(this.squeeze(node, attrs));
      case 'MatMul':
      case '_FusedMatMul':
        return wrap(this.matMul(node, attrs));
      default:
        throw new UnsupportedOpError(node.op, node.name);
    }
  }

  private spatial(node: TfjsNodeDef, attrs: NodeAttrs, name: string): [number, number] {
    const list = attrs.ints(name, [1, 1, 1, 1]);
    if (list.length !== 4 || list[0] !== 1 || list[3] !== 1) {
      throw new UnsupportedOpError(node.op, node.name, `${name} ${JSON.stringify(list)} (batch/channel must be 1)`);
    }
    return [list[1]!, list[2]!];
  }

  private padding(node: TfjsNodeDef, attrs: NodeAttrs): StockPadding {
    const padding = attrs.string('padding');
    if (padding !== 'SAME' && padding !== 'VALID')
      throw new UnsupportedOpError(node.op, node.name, `padding ${padding}`);
    return padding;
  }

  private nhwc(node: TfjsNodeDef, attrs: NodeAttrs, x: StockValue): void {
    const format = attrs.string('data_format', 'NHWC');
    if (format !== 'NHWC') throw new UnsupportedOpError(node.op, node.name, `data_format ${format}`);
    if (x.shape.length !== 4) throw new UnsupportedOpError(node.op, node.name, 'input is not a rank-4 image tensor');
  }

  private conv(node: TfjsNodeDef, attrs: NodeAttrs, depthwise: boolean): StockValue {
    const [xValue, filterValue, biasValue, ...rest] = this.dataInputs(node);
    const x = this.value(node, xValue, 'input');
    this.nhwc(node, attrs, x);
    const filter = this.floats(node, filterValue, 'filter');
    if (filter.shape.length !== 4) throw new UnsupportedOpError(node.op, node.name, 'filter must be rank 4');
    const filterShape = filter.shape as [number, number, number, number];
    const [kh, kw, inChannels, outOrMultiplier] = filterShape;
    if (inChannels !== x.shape[3]) {
      throw new InvalidBackboneError(
        `node '${node.name}': filter expects ${inChannels} channels, input has ${x.shape[3]}`,
      );
    }
    const fused = attrs.strings('fused_ops');
    if (fused.length > 0 && fused[0] !== 'BiasAdd') {
      throw new UnsupportedOpError(node.op, node.name, `fused_ops ${fused.join('+')}`);
    }
    const act = fused[1];
    if (fused.length > 2 || (act !== undefined && act !== 'Relu' && act !== 'Relu6') || rest.length > 0) {
      throw new UnsupportedOpError(node.op, node.name, `fused_ops ${fused.join('+')}`);
    }
    const outChannels = depthwise ? inChannels * outOrMultiplier : outOrMultiplier;
    let bias: Float32Array = new Float32Array(outChannels);
    if (fused[0] === 'BiasAdd') {
      const b = this.floats(node, biasValue, 'bias');
      if (elementCount(b.shape) !== outChannels) {
        throw new InvalidBackboneError(`node '${node.name}': bias has ${elementCount(b.shape)} values`);
      }
      bias = b.values;
    } else if (biasValue) {
      throw new UnsupportedOpError(node.op, node.name, 'extra inputs without fused ops');
    }
    const strides = this.spatial(node, attrs, 'strides');
    const dilations = this.spatial(node, attrs, 'dilations');
    const padding = this.padding(node, attrs);
    const activation: FusedActivation = act === 'Relu' ? 'relu' : act === 'Relu6' ? 'relu6' : 'none';
    const shape = [
      x.shape[0]!,
      outputSize(x.shape[1]!, kh, strides[0], dilations[0], padding),
      outputSize(x.shape[2]!, kw, strides[1], dilations[1], padding),
      outChannels,
    ];
    return this.b.add({
      op: depthwise ? 'depthwise' : 'conv',
      input: x,
      filter: filter.values,
      filterShape,
      bias,
      strides,
      dilations,
      padding,
      activation,
      out: this.out(node, shape),
    });
  }

  private binary(node: TfjsNodeDef): StockValue {
    const [a, b] = this.dataInputs(node);
    if (!a || !b) throw new InvalidBackboneError(`node '${node.name}' (${node.op}) needs two inputs`);
    if (a.kind === 'value' && b.kind === 'value') {
      if (node.op === 'Add' || node.op === 'AddV2') {
        if (a.value.shape.join() !== b.value.shape.join()) {
          throw new UnsupportedOpError(node.op, node.name, `shapes ${a.value.shape} and ${b.value.shape} differ`);
        }
        return this.b.add({ op: 'add', a: a.value, b: b.value, out: this.out(node, [...a.value.shape]) });
      }
      throw new UnsupportedOpError(node.op, node.name, 'two non-constant inputs');
    }
    if (a.kind === 'const' && b.kind === 'const') {
      throw new UnsupportedOpError(node.op, node.name, 'both inputs constant (constant folding is not supported)');
    }
    if (node.op === 'Sub' && a.kind === 'const') throw new UnsupportedOpError(node.op, node.name, 'constant − tensor');
    const x = (a.kind === 'value' ? a : b) as { kind: 'value'; value: StockValue };
    const c = this.floats(node, a.kind === 'const' ? a : b, 'constant operand');
    if (elementCount(c.shape) !== 1) {
      throw new UnsupportedOpError(node.op, node.name, `constant of shape ${JSON.stringify(c.shape)} (scalars only)`);
    }
    const scalar = c.values[0]!;
    const out = this.out(node, [...x.value.shape]);
    if (node.op === 'Mul') return this.b.add({ op: 'mulScalar', input: x.value, value: scalar, out });
    // x − c = x + (−c) exactly: negation is exact in floating point.
    return this.b.add({ op: 'addScalar', input: x.value, value: node.op === 'Sub' ? -scalar : scalar, out });
  }

  private pool(node: TfjsNodeDef, attrs: NodeAttrs): StockValue {
    const x = this.value(node, this.dataInputs(node)[0], 'input');
    this.nhwc(node, attrs, x);
    const kernel = this.spatial(node, attrs, 'ksize');
    const strides = this.spatial(node, attrs, 'strides');
    const padding = this.padding(node, attrs);
    const shape = [
      x.shape[0]!,
      outputSize(x.shape[1]!, kernel[0], strides[0], 1, padding),
      outputSize(x.shape[2]!, kernel[1], strides[1], 1, padding),
      x.shape[3]!,
    ];
    // TF's SAME average pooling averages real pixels only; TFLite does too, CoreML's does not (the writer says so).
    return this.b.add({
      op: node.op === 'AvgPool' ? 'avgPool' : 'maxPool',
      input: x,
      kernel,
      strides,
      padding,
      out: this.out(node, shape),
    });
  }

  private mean(node: TfjsNodeDef, attrs: NodeAttrs): StockValue {
    const [xValue, axesValue] = this.dataInputs(node);
    const x = this.value(node, xValue, 'input');
    if (axesValue?.kind !== 'const') throw new UnsupportedOpError(node.op, node.name, 'axes not constant');
    const axes = [...axesValue.weight.values].map((a) => (a < 0 ? a + x.shape.length : a)).sort();
    if (x.shape.length !== 4 || axes.join() !== '1,2' || attrs.bool('keep_dims', false)) {
      throw new UnsupportedOpError(node.op, node.name, `mean over axes ${axes} (only H and W, keep_dims false)`);
    }
    return this.b.add({ op: 'globalMean', input: x, out: this.out(node, [x.shape[0]!, x.shape[3]!]) });
  }

  private squeeze(node: TfjsNodeDef, attrs: NodeAttrs): StockValue {
    const x = this.value(node, this.dataInputs(node)[0], 'input');
    const axes = attrs
      .ints('squeeze_dims', [])
      .map((a) => (a < 0 ? a + x.shape.length : a))
      .sort();
    if (x.shape.length !== 4 || x.shape[1] !== 1 || x.shape[2] !== 1 || (axes.length > 0 && axes.join() !== '1,2')) {
      throw new UnsupportedOpError(node.op, node.name, `squeeze of ${JSON.stringify(x.shape)} (only [N, 1, 1, C])`);
    }
    return this.b.add({ op: 'flatten', input: x, out: this.out(node, [x.shape[0]!, x.shape[3]!]) });
  }

  private matMul(node: TfjsNodeDef, attrs: NodeAttrs): StockValue {
    const [xValue, wValue, biasValue] = this.dataInputs(node);
    const x = this.value(node, xValue, 'input');
    const w = this.floats(node, wValue, 'weights');
    if (x.shape.length !== 2 || w.shape.length !== 2 || attrs.bool('transpose_a', false)) {
      throw new UnsupportedOpError(node.op, node.name, 'only [batch, in] × constant [in, out]');
    }
    const fused = attrs.strings('fused_ops');
    if (fused.length > 1 || (fused.length === 1 && fused[0] !== 'BiasAdd')) {
      throw new UnsupportedOpError(node.op, node.name, `fused_ops ${fused.join('+')}`);
    }
    const transposed = attrs.bool('transpose_b', false);
    const [rows, cols] = w.shape as [number, number];
    const [inDim, outDim] = transposed ? [cols, rows] : [rows, cols];
    if (inDim !== x.shape[1]) throw new InvalidBackboneError(`node '${node.name}': ${x.shape[1]} features × ${inDim}`);
    let weights = w.values;
    if (transposed) {
      weights = new Float32Array(inDim * outDim);
      for (let o = 0; o < outDim; o++)
        for (let i = 0; i < inDim; i++) weights[i * outDim + o] = w.values[o * inDim + i]!;
    }
    const bias = fused[0] === 'BiasAdd' ? this.floats(node, biasValue, 'bias').values : new Float32Array(outDim);
    return this.b.add({ op: 'dense', input: x, weights, bias, out: this.out(node, [x.shape[0]!, outDim]) });
  }
}
