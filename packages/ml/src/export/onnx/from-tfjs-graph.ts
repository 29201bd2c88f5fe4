/**
 * Translates (a cut of) a TF.js graph model into ONNX nodes on an OnnxGraphBuilder.
 *
 * Layout strategy: TF.js graphs are NHWC; ONNX's Conv/Pool are NCHW. Rather than wrapping every
 * op in Transposes, every rank-4 activation is kept in NCHW inside the ONNX graph and each value
 * remembers its TF (NHWC) shape and its ONNX layout. Constants are materialised per use in the
 * layout their consumer needs (filters OIHW, per-channel vectors [C,1,1]).
 *
 * Supported TF ops (what MobileNet-style graphs from tfjs-converter contain, plus their unfused
 * forms): Placeholder (mapped by the caller), Const, Identity, Conv2D, _FusedConv2D and
 * DepthwiseConv2dNative / FusedDepthwiseConv2dNative (fused BiasAdd, then optional Relu/Relu6),
 * BiasAdd, Relu, Relu6, Sigmoid, Add/AddV2/Sub/Mul, AvgPool, MaxPool, Mean over H and W,
 * Squeeze, MatMul/_FusedMatMul on rank 2, Softmax. Anything else throws UnsupportedOpError.
 */
import { InvalidBackboneError, UnsupportedOpError } from '../errors.ts';
import { NodeAttrs, parseInputRef, type TfjsGraphDef, type TfjsNodeDef } from '../tfjs/graph-def.ts';
import { convertInPostOrder, dataInputValues } from '../tfjs/walk.ts';
import { type DecodedWeight, decodeWeight, elementCount, type StoredWeight } from '../tfjs/weights.ts';
import type { OnnxGraphBuilder } from './graph-builder.ts';
import { depthwiseToGroupedOihw, hwioToOihw, NHWC_TO_NCHW, type TfPadding, tfPads, transpose } from './layout.ts';

/** An activation: an ONNX tensor plus the TF shape it stands for. */
interface ActivationValue {
  kind: 'activation';
  tensor: string;
  /** The TF shape (NHWC for rank 4). Every dimension is static. */
  tfShape: number[];
  /** 'nchw': a rank-4 TF tensor held transposed to NCHW; 'tf': same layout as TF. */
  layout: 'nchw' | 'tf';
}

interface ConstValue {
  kind: 'const';
  name: string;
  weight: DecodedWeight;
}

type Value = ActivationValue | ConstValue;

export interface TfjsGraphInput {
  /** The ONNX tensor that feeds this TF Placeholder. */
  tensor: string;
  /**
   * The Placeholder's TF shape, e.g. [1, 224, 224, 3]. The batch may be -1 (free): it is only carried along,
   * never computed with (no op here reshapes or reduces over the batch).
   */
  tfShape: number[];
  /** Layout of `tensor`: NCHW for an image input. */
  layout: 'nchw' | 'tf';
}

export interface ConvertedOutput {
  tensor: string;
  /** The TF shape of the output; for rank 4 the ONNX tensor is its NCHW transpose. */
  tfShape: number[];
  layout: 'nchw' | 'tf';
}

/**
 * Appends the ONNX translation of everything `outputNode` depends on, reading Placeholders from
 * `inputs` (keyed by TF node name), and returns the ONNX tensor holding `outputNode`'s value.
 */
export function appendTfjsGraph(
  builder: OnnxGraphBuilder,
  graph: TfjsGraphDef,
  weights: ReadonlyMap<string, StoredWeight>,
  inputs: Readonly<Record<string, TfjsGraphInput>>,
  outputNode: string,
): ConvertedOutput {
  return appendTfjsGraphOutputs(builder, graph, weights, inputs, [outputNode])[0]!;
}

/** As `appendTfjsGraph` for several outputs: the nodes they share are converted once. */
export function appendTfjsGraphOutputs(
  builder: OnnxGraphBuilder,
  graph: TfjsGraphDef,
  weights: ReadonlyMap<string, StoredWeight>,
  inputs: Readonly<Record<string, TfjsGraphInput>>,
  outputNodes: readonly string[],
): ConvertedOutput[] {
  const converter = new TfjsToOnnx(builder, graph, weights, inputs);
  return outputNodes.map((outputNode) => {
    const value = converter.convert(outputNode);
    if (value.kind !== 'activation') {
      throw new UnsupportedOpError('Const', outputNode, 'the requested output is a constant');
    }
    return { tensor: value.tensor, tfShape: value.tfShape, layout: value.layout };
  });
}

class TfjsToOnnx {
  private readonly nodesByName = new Map<string, TfjsNodeDef>();
  private readonly values = new Map<string, Value>();

  constructor(
    private readonly b: OnnxGraphBuilder,
    graph: TfjsGraphDef,
    private readonly weights: ReadonlyMap<string, StoredWeight>,
    private readonly inputs: Readonly<Record<string, TfjsGraphInput>>,
  ) {
    for (const node of graph.node) this.nodesByName.set(node.name, node);
  }

  /** Converts `name` after its inputs (iterative post-order DFS: graphs can be deep). */
  convert(name: string): Value {
    return convertInPostOrder(this.nodesByName, name, this.values, (node) => this.convertNode(node));
  }

  private dataInputs(node: TfjsNodeDef): Value[] {
    return dataInputValues(node, this.values);
  }

  private activation(node: TfjsNodeDef, value: Value | undefined, what: string): ActivationValue {
    if (!value) throw new InvalidBackboneError(`node '${node.name}' (${node.op}) lacks its ${what} input`);
    if (value.kind !== 'activation') {
      throw new UnsupportedOpError(node.op, node.name, `${what} is a constant (constant folding is not supported)`);
    }
    return value;
  }

  private constant(node: TfjsNodeDef, value: Value | undefined, what: string): ConstValue {
    if (!value) throw new InvalidBackboneError(`node '${node.name}' (${node.op}) lacks its ${what} input`);
    if (value.kind !== 'const') throw new UnsupportedOpError(node.op, node.name, `${what} must be a constant`);
    return value;
  }

  private floats(node: TfjsNodeDef, c: ConstValue, what: string): Float32Array {
    if (c.weight.dtype !== 'float32') throw new UnsupportedOpError(node.op, node.name, `${what} must be float32`);
    return c.weight.values as Float32Array;
  }

  private convertNode(node: TfjsNodeDef): Value {
    const attrs = new NodeAttrs(node);
    switch (node.op) {
      case 'Placeholder':
        return this.placeholder(node);
      case 'Const':
        return this.constNode(node);
      case 'Identity':
      case 'StopGradient':
        return this.values.get(parseInputRef(node.input?.[0] ?? '').node) ?? this.missingInput(node);
      case 'Conv2D':
      case '_FusedConv2D':
        return this.conv(node, attrs, false);
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative':
        return this.conv(node, attrs, true);
      case 'BiasAdd':
        return this.biasAdd(node, attrs);
      case 'Relu':
        return this.unary(node, 'Relu');
      case 'Sigmoid':
        return this.unary(node, 'Sigmoid');
      case 'Relu6': {
        const x = this.activation(node, this.dataInputs(node)[0], 'x');
        return { ...x, tensor: this.b.clip(x.tensor, 0, 6, node.name) };
      }
      case 'Add':
      case 'AddV2':
        return this.binary(node, 'Add');
      case 'Sub':
        return this.binary(node, 'Sub');
      case 'Mul':
        return this.binary(node, 'Mul');
      case 'AvgPool':
        return this.pool(node, attrs, 'AveragePool');
      case 'MaxPool':
        return this.pool(node, attrs, 'MaxPool');
      case 'Mean':
        return this.mean(node, attrs);
      case 'Squeeze':
        return this.squeeze(node, attrs);
      case 'MatMul':
      case '_FusedMatMul':
        return this.matMul(node, attrs);
      case 'Softmax':
        return this.softmax(node);
      default:
        throw new UnsupportedOpError(node.op, node.name);
    }
  }

  private missingInput(node: TfjsNodeDef): never {
    throw new InvalidBackboneError(`node '${node.name}' (${node.op}) has no input`);
  }

  private placeholder(node: TfjsNodeDef): Value {
    const input = this.inputs[node.name];
    if (!input) throw new InvalidBackboneError(`placeholder '${node.name}' is not bound to an ONNX input`);
    if (input.layout === 'nchw' && input.tfShape.length !== 4) {
      throw new InvalidBackboneError(`placeholder '${node.name}': NCHW binding needs a rank-4 shape`);
    }
    return { kind: 'activation', tensor: input.tensor, tfShape: [...input.tfShape], layout: input.layout };
  }

  private constNode(node: TfjsNodeDef): Value {
    const stored = this.weights.get(node.name);
    if (!stored) {
      throw new UnsupportedOpError('Const', node.name, 'value not in the weights manifest (inline constants)');
    }
    return { kind: 'const', name: node.name, weight: decodeWeight(stored) };
  }

  private dataFormat(node: TfjsNodeDef, attrs: NodeAttrs): void {
    const format = attrs.string('data_format', 'NHWC');
    if (format !== 'NHWC') throw new UnsupportedOpError(node.op, node.name, `data_format ${format}`);
  }

  private padding(node: TfjsNodeDef, attrs: NodeAttrs): TfPadding {
    const padding = attrs.string('padding');
    if (padding !== 'SAME' && padding !== 'VALID' && padding !== 'EXPLICIT') {
      throw new UnsupportedOpError(node.op, node.name, `padding ${padding}`);
    }
    return padding;
  }

  /** [1, h, w, 1] stride/dilation/ksize lists → [h, w]. */
  private spatial(node: TfjsNodeDef, attrs: NodeAttrs, name: string): [number, number] {
    const list = attrs.ints(name, [1, 1, 1, 1]);
    if (list.length !== 4 || list[0] !== 1 || list[3] !== 1) {
      throw new UnsupportedOpError(node.op, node.name, `${name} ${JSON.stringify(list)} (batch/channel must be 1)`);
    }
    return [list[1]!, list[2]!];
  }

  private requireNchw(node: TfjsNodeDef, x: ActivationValue): void {
    if (x.layout !== 'nchw' || x.tfShape.length !== 4) {
      throw new UnsupportedOpError(node.op, node.name, 'input is not a rank-4 image tensor');
    }
  }

  /**
   * Conv2D / depthwise conv, with the fused ops tfjs-converter emits: BiasAdd, then optionally
   * one activation. Fusing with FusedBatchNorm or PReLU is not handled.
   */
  private conv(node: TfjsNodeDef, attrs: NodeAttrs, depthwise: boolean): Value {
    const [xValue, filterValue, ...extra] = this.dataInputs(node);
    const x = this.activation(node, xValue, 'input');
    this.requireNchw(node, x);
    this.dataFormat(node, attrs);
    const filter = this.constant(node, filterValue, 'filter');
    const filterShape = filter.weight.shape;
    if (filterShape.length !== 4) throw new UnsupportedOpError(node.op, node.name, 'filter must be rank 4');
    const [kh, kw, inChannels, outOrMultiplier] = filterShape as [number, number, number, number];
    const channels = x.tfShape[3]!;
    if (inChannels !== channels) {
      throw new InvalidBackboneError(
        `node '${node.name}': filter expects ${inChannels} channels, input has ${channels}`,
      );
    }

    const fusedOps = attrs.strings('fused_ops');
    if (fusedOps.length > 0 && fusedOps[0] !== 'BiasAdd') {
      throw new UnsupportedOpError(node.op, node.name, `fused_ops ${fusedOps.join('+')}`);
    }
    const activation = fusedOps[1];
    if (fusedOps.length > 2 || (activation && activation !== 'Relu' && activation !== 'Relu6')) {
      throw new UnsupportedOpError(node.op, node.name, `fused_ops ${fusedOps.join('+')}`);
    }
    if (fusedOps.length === 0 && extra.length > 0) {
      throw new UnsupportedOpError(node.op, node.name, 'extra inputs without fused ops');
    }

    const strides = this.spatial(node, attrs, 'strides');
    const dilations = this.spatial(node, attrs, 'dilations');
    const padding = this.padding(node, attrs);
    const { pads, outHW } = tfPads(
      [x.tfShape[1]!, x.tfShape[2]!],
      { kernel: [kh, kw], strides, dilations },
      padding,
      padding === 'EXPLICIT' ? attrs.ints('explicit_paddings') : undefined,
    );

    const filterValues = this.floats(node, filter, 'filter');
    const weight = depthwise
      ? depthwiseToGroupedOihw(filterValues, filterShape)
      : hwioToOihw(filterValues, filterShape);
    const outChannels = depthwise ? channels * outOrMultiplier : outOrMultiplier;
    const inputs = [x.tensor, this.b.floatConst(`${filter.name}/onnx`, weight.shape, weight.values)];
    if (fusedOps[0] === 'BiasAdd') {
      const bias = this.constant(node, extra[0], 'bias');
      if (elementCount(bias.weight.shape) !== outChannels) {
        throw new InvalidBackboneError(`node '${node.name}': bias has ${elementCount(bias.weight.shape)} values`);
      }
      inputs.push(this.b.floatConst(bias.name, [outChannels], this.floats(node, bias, 'bias')));
    }

    let out = this.b.op('Conv', inputs, activation ? `${node.name}/conv` : node.name, [
      { name: 'kernel_shape', kind: 'ints', value: [kh, kw] },
      { name: 'strides', kind: 'ints', value: strides },
      { name: 'dilations', kind: 'ints', value: dilations },
      { name: 'pads', kind: 'ints', value: pads },
      { name: 'group', kind: 'int', value: depthwise ? channels : 1 },
    ]);
    if (activation === 'Relu6') out = this.b.clip(out, 0, 6, node.name);
    else if (activation === 'Relu') out = this.b.op('Relu', [out], node.name);
    return {
      kind: 'activation',
      tensor: out,
      tfShape: [x.tfShape[0]!, outHW[0], outHW[1], outChannels],
      layout: 'nchw',
    };
  }

  private biasAdd(node: TfjsNodeDef, attrs: NodeAttrs): Value {
    this.dataFormat(node, attrs);
    const [xValue, biasValue] = this.dataInputs(node);
    const x = this.activation(node, xValue, 'input');
    const bias = this.constant(node, biasValue, 'bias');
    const channels = x.tfShape[x.tfShape.length - 1]!;
    if (bias.weight.shape.length !== 1 || bias.weight.shape[0] !== channels) {
      throw new InvalidBackboneError(`node '${node.name}': bias shape ${bias.weight.shape} for ${channels} channels`);
    }
    // In NCHW the channel axis is 1: a [C, 1, 1] bias broadcasts over H and W.
    const dims = x.layout === 'nchw' ? [channels, 1, 1] : [channels];
    const b = this.b.floatConst(bias.name, dims, this.floats(node, bias, 'bias'));
    return { ...x, tensor: this.b.op('Add', [x.tensor, b], node.name) };
  }

  private unary(node: TfjsNodeDef, opType: string): Value {
    const x = this.activation(node, this.dataInputs(node)[0], 'x');
    return { ...x, tensor: this.b.op(opType, [x.tensor], node.name) };
  }

  /**
   * Elementwise binary op with numpy broadcasting. An activation combined with a constant:
   * the constant is broadcast-aligned to the activation's TF rank and, for NCHW activations,
   * transposed like it. Two activations must share a layout.
   */
  private binary(node: TfjsNodeDef, opType: string): Value {
    const [aValue, bValue] = this.dataInputs(node);
    if (!aValue || !bValue) throw new InvalidBackboneError(`node '${node.name}' (${node.op}) needs two inputs`);
    if (aValue.kind === 'const' && bValue.kind === 'const') {
      throw new UnsupportedOpError(node.op, node.name, 'both inputs constant (constant folding is not supported)');
    }
    const reference = (aValue.kind === 'activation' ? aValue : bValue) as ActivationValue;
    const operand = (v: Value): string => {
      if (v.kind === 'activation') {
        if (v.layout !== reference.layout) {
          throw new UnsupportedOpError(node.op, node.name, 'inputs in different layouts');
        }
        return v.tensor;
      }
      return this.alignedConstant(node, v, reference);
    };
    const a = operand(aValue);
    const b = operand(bValue);
    const tfShape = broadcastShapes(
      node,
      aValue.kind === 'activation' ? aValue.tfShape : aValue.weight.shape,
      bValue.kind === 'activation' ? bValue.tfShape : bValue.weight.shape,
    );
    if (reference.layout === 'nchw' && tfShape.length !== 4) {
      throw new UnsupportedOpError(node.op, node.name, 'broadcast changes the rank of an image tensor');
    }
    return { kind: 'activation', tensor: this.b.op(opType, [a, b], node.name), tfShape, layout: reference.layout };
  }

  private alignedConstant(node: TfjsNodeDef, c: ConstValue, like: ActivationValue): string {
    const values = this.floats(node, c, 'constant operand');
    const shape = c.weight.shape;
    if (like.layout !== 'nchw' || shape.length === 0 || elementCount(shape) === 1) {
      // Scalars broadcast in any layout; keep the constant's own shape otherwise.
      return this.b.floatConst(c.name, elementCount(shape) === 1 ? [] : shape, values);
    }
    if (shape.length > 4) throw new UnsupportedOpError(node.op, node.name, 'constant of rank > 4');
    const rank4 = [...new Array<number>(4 - shape.length).fill(1), ...shape];
    const t = transpose(values, rank4, NHWC_TO_NCHW);
    return this.b.floatConst(`${c.name}/nchw`, t.shape, t.values);
  }

  private pool(node: TfjsNodeDef, attrs: NodeAttrs, opType: 'AveragePool' | 'MaxPool'): Value {
    this.dataFormat(node, attrs);
    const x = this.activation(node, this.dataInputs(node)[0], 'input');
    this.requireNchw(node, x);
    const kernel = this.spatial(node, attrs, 'ksize');
    const strides = this.spatial(node, attrs, 'strides');
    const padding = this.padding(node, attrs);
    if (padding === 'EXPLICIT') throw new UnsupportedOpError(node.op, node.name, 'explicit padding');
    const { pads, outHW } = tfPads([x.tfShape[1]!, x.tfShape[2]!], { kernel, strides, dilations: [1, 1] }, padding);
    // AveragePool's default count_include_pad = 0 matches TF, which averages real pixels only.
    const tensor = this.b.op(opType, [x.tensor], node.name, [
      { name: 'kernel_shape', kind: 'ints', value: kernel },
      { name: 'strides', kind: 'ints', value: strides },
      { name: 'pads', kind: 'ints', value: pads },
    ]);
    return { kind: 'activation', tensor, tfShape: [x.tfShape[0]!, outHW[0], outHW[1], x.tfShape[3]!], layout: 'nchw' };
  }

  /** Mean over the spatial axes (global average pooling), the only reduction MobileNets use. */
  private mean(node: TfjsNodeDef, attrs: NodeAttrs): Value {
    const [xValue, axesValue] = this.dataInputs(node);
    const x = this.activation(node, xValue, 'input');
    const axesConst = this.constant(node, axesValue, 'axes');
    const axes = [...axesConst.weight.values].map((a) => (a < 0 ? a + x.tfShape.length : a)).sort((p, q) => p - q);
    if (x.layout !== 'nchw' || axes.length !== 2 || axes[0] !== 1 || axes[1] !== 2) {
      throw new UnsupportedOpError(node.op, node.name, `reduction over axes ${axes} of a ${x.layout} tensor`);
    }
    const keepDims = attrs.bool('keep_dims', false);
    const [n, , , c] = x.tfShape as [number, number, number, number];
    const pooled = this.b.op('GlobalAveragePool', [x.tensor], keepDims ? node.name : `${node.name}/pool`);
    if (keepDims) return { kind: 'activation', tensor: pooled, tfShape: [n, 1, 1, c], layout: 'nchw' };
    return { kind: 'activation', tensor: this.b.squeeze(pooled, [2, 3], node.name), tfShape: [n, c], layout: 'tf' };
  }

  private squeeze(node: TfjsNodeDef, attrs: NodeAttrs): Value {
    const x = this.activation(node, this.dataInputs(node)[0], 'input');
    const rank = x.tfShape.length;
    let tfAxes = attrs.ints('squeeze_dims', []).map((a) => (a < 0 ? a + rank : a));
    if (tfAxes.length === 0) tfAxes = x.tfShape.flatMap((d, i) => (d === 1 ? [i] : []));
    for (const a of tfAxes) {
      if (x.tfShape[a] !== 1) throw new InvalidBackboneError(`node '${node.name}': axis ${a} is not 1`);
    }
    const tfShape = x.tfShape.filter((_, i) => !tfAxes.includes(i));
    if (x.layout === 'tf') {
      return { ...x, tensor: this.b.squeeze(x.tensor, tfAxes, node.name), tfShape };
    }
    // NCHW position j holds TF axis NHWC_TO_NCHW[j].
    const onnxAxes = tfAxes.map((a) => NHWC_TO_NCHW.indexOf(a as 0 | 1 | 2 | 3)).sort((p, q) => p - q);
    const remainingTfAxes = NHWC_TO_NCHW.filter((a) => !tfAxes.includes(a));
    const inTfOrder = remainingTfAxes.every((a, i) => i === 0 || a > remainingTfAxes[i - 1]!);
    if (!inTfOrder) {
      throw new UnsupportedOpError(node.op, node.name, 'squeeze leaves the NCHW axes out of TF order');
    }
    return { kind: 'activation', tensor: this.b.squeeze(x.tensor, onnxAxes, node.name), tfShape, layout: 'tf' };
  }

  private matMul(node: TfjsNodeDef, attrs: NodeAttrs): Value {
    const [xValue, wValue, ...extra] = this.dataInputs(node);
    const x = this.activation(node, xValue, 'input');
    const w = this.constant(node, wValue, 'weights');
    if (x.layout !== 'tf' || x.tfShape.length !== 2 || w.weight.shape.length !== 2) {
      throw new UnsupportedOpError(node.op, node.name, 'only rank-2 input × constant rank-2 weights');
    }
    const transA = attrs.bool('transpose_a', false);
    const transB = attrs.bool('transpose_b', false);
    const fusedOps = attrs.strings('fused_ops');
    if (fusedOps.length > 1 || (fusedOps.length === 1 && fusedOps[0] !== 'BiasAdd')) {
      throw new UnsupportedOpError(node.op, node.name, `fused_ops ${fusedOps.join('+')}`);
    }
    const [rows, inner] = transA ? [x.tfShape[1]!, x.tfShape[0]!] : [x.tfShape[0]!, x.tfShape[1]!];
    const [wIn, cols] = transB ? [w.weight.shape[1]!, w.weight.shape[0]!] : [w.weight.shape[0]!, w.weight.shape[1]!];
    if (wIn !== inner) throw new InvalidBackboneError(`node '${node.name}': ${inner} features × ${wIn}-row weights`);
    const inputs = [x.tensor, this.b.floatConst(w.name, w.weight.shape, this.floats(node, w, 'weights'))];
    if (fusedOps[0] === 'BiasAdd') {
      const bias = this.constant(node, extra[0], 'bias');
      inputs.push(this.b.floatConst(bias.name, [cols], this.floats(node, bias, 'bias')));
    } else {
      inputs.push(this.b.floatConst(`${node.name}/zero_bias`, [cols], new Float32Array(cols)));
    }
    const tensor = this.b.op('Gemm', inputs, node.name, [
      { name: 'transA', kind: 'int', value: transA ? 1 : 0 },
      { name: 'transB', kind: 'int', value: transB ? 1 : 0 },
    ]);
    return { kind: 'activation', tensor, tfShape: [rows, cols], layout: 'tf' };
  }

  private softmax(node: TfjsNodeDef): Value {
    const x = this.activation(node, this.dataInputs(node)[0], 'logits');
    // Before opset 13 Softmax flattens to 2-D around `axis`; identical to TF's last-axis softmax
    // only for rank-2 inputs, which is all a classifier needs.
    if (x.layout !== 'tf' || (x.tfShape.length !== 2 && this.b.opset < 13)) {
      throw new UnsupportedOpError(node.op, node.name, 'softmax over a non-rank-2 tensor');
    }
    const axis = x.tfShape.length - 1;
    return { ...x, tensor: this.b.op('Softmax', [x.tensor], node.name, [{ name: 'axis', kind: 'int', value: axis }]) };
  }
}

function broadcastShapes(node: TfjsNodeDef, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new InvalidBackboneError(`node '${node.name}': shapes ${a} and ${b} do not broadcast`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}
