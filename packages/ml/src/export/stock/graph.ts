/**
 * A small, format-neutral graph of the stock operations a compact classifier (or detector) needs, in TensorFlow's
 * NHWC layout with float32 weights: what the TensorFlow (frozen GraphDef), TensorFlow Lite and CoreML writers read.
 * Fused TF.js ops are already split back (a convolution carries its bias and at most one activation, as all three
 * formats can express), quantized weights are dequantized, and every shape is static but for the batch (-1).
 *
 * Layouts: conv filters are HWIO `[kh, kw, in, out]`; depthwise filters `[kh, kw, C, M]` (output channel c·M + m);
 * dense weights `[in, out]` row-major.
 */
export type FusedActivation = 'none' | 'relu' | 'relu6';
export type StockPadding = 'SAME' | 'VALID';

/** A value: the output of one node. `shape` is NHWC for images, [batch, features] after flattening. */
export interface StockValue {
  /** Unique, valid as a TensorFlow node name. */
  name: string;
  shape: number[];
}

interface NodeBase {
  out: StockValue;
}

export interface InputNode extends NodeBase {
  op: 'input';
}

export interface ConvNode extends NodeBase {
  op: 'conv' | 'depthwise';
  input: StockValue;
  /** HWIO for conv, [kh, kw, C, M] for depthwise. */
  filter: Float32Array;
  filterShape: [number, number, number, number];
  bias: Float32Array;
  strides: [number, number];
  dilations: [number, number];
  padding: StockPadding;
  activation: FusedActivation;
}

/** `x · scale` or `x + offset` by a scalar (TF.js' `Mul`/`Sub`/`Add` with a scalar constant). */
export interface ScalarNode extends NodeBase {
  op: 'mulScalar' | 'addScalar';
  input: StockValue;
  value: number;
}

export interface AddNode extends NodeBase {
  op: 'add';
  a: StockValue;
  b: StockValue;
}

export interface PoolNode extends NodeBase {
  op: 'avgPool' | 'maxPool';
  input: StockValue;
  kernel: [number, number];
  strides: [number, number];
  padding: StockPadding;
}

/** Mean over H and W: [N, H, W, C] → [N, C]. */
export interface MeanNode extends NodeBase {
  op: 'globalMean';
  input: StockValue;
}

/** [N, 1, 1, C] → [N, C]. */
export interface FlattenNode extends NodeBase {
  op: 'flatten';
  input: StockValue;
}

export interface DenseNode extends NodeBase {
  op: 'dense';
  input: StockValue;
  /** [in, out] row-major. */
  weights: Float32Array;
  bias: Float32Array;
}

export interface ActivationNode extends NodeBase {
  op: 'relu' | 'relu6' | 'sigmoid' | 'softmax';
  input: StockValue;
}

export type StockNode =
  | InputNode
  | ConvNode
  | ScalarNode
  | AddNode
  | PoolNode
  | MeanNode
  | FlattenNode
  | DenseNode
  | ActivationNode;

/** Nodes in execution order; `inputs` and `outputs` name values among them. */
export interface StockGraph {
  nodes: StockNode[];
  inputs: StockValue[];
  outputs: StockValue[];
}

/** TensorFlow's output size for SAME / VALID (what TFLite and CoreML's `same` padding compute too). */
export function outputSize(size: number, kernel: number, stride: number, dilation: number, padding: StockPadding) {
  const effective = (kernel - 1) * dilation + 1;
  return padding === 'SAME' ? Math.ceil(size / stride) : Math.ceil((size - effective + 1) / stride);
}

/** TF SAME padding: [before, after], the odd pixel after. */
export function samePads(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const effective = (kernel - 1) * dilation + 1;
  const out = Math.ceil(size / stride);
  const total = Math.max(0, (out - 1) * stride + effective - size);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Every node that reads `value`. */
export function nodeInputs(node: StockNode): StockValue[] {
  switch (node.op) {
    case 'input':
      return [];
    case 'add':
      return [node.a, node.b];
    default:
      return [node.input];
  }
}
