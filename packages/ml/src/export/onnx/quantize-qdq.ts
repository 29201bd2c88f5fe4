/**
 * Static int8 quantization of a converted backbone, in ONNX's QDQ form: every convolution's input (and every
 * activation input of a residual Add) passes through QuantizeLinear → DequantizeLinear with a range measured on
 * calibration photos, and the weights are stored as int8 per output channel behind a DequantizeLinear. onnxruntime
 * fuses those patterns into QLinearConv / QLinearAdd and runs them on its integer kernels (VNNI where the CPU has
 * it); the graph stays a valid float graph for any other runtime.
 *
 * Tensors that are not listed (the tapped feature map the pooling reads, the pooling itself) stay float32.
 */
import { OnnxEncodingError } from '../errors.ts';
import {
  float32RawData,
  LITTLE_ENDIAN,
  OnnxDataType,
  type OnnxGraph,
  type OnnxNode,
  type OnnxTensor,
} from './onnx-writer.ts';

/** Observed [min, max] of each activation tensor over the calibration photos. */
export type TensorRanges = ReadonlyMap<string, readonly [min: number, max: number]>;

/** The activation tensors the quantized graph rounds to uint8: Conv data inputs and residual Add inputs. */
export function quantizableTensors(graph: OnnxGraph): string[] {
  const constants = new Set(graph.initializers.map((t) => t.name));
  const tensors = new Set<string>();
  for (const node of graph.nodes) {
    if (node.opType === 'Conv') tensors.add(node.inputs[0]!);
    if (node.opType === 'Add' && node.inputs.every((i) => !constants.has(i))) {
      for (const i of node.inputs) tensors.add(i);
    }
  }
  return [...tensors];
}

/** The same graph with each of `tensors` also exposed as an output, to measure their ranges. */
export function withTensorOutputs(graph: OnnxGraph, tensors: readonly string[]): OnnxGraph {
  const existing = new Set(graph.outputs.map((o) => o.name));
  return {
    ...graph,
    outputs: [
      ...graph.outputs,
      ...tensors
        .filter((t) => !existing.has(t))
        .map((name) => ({ name, type: { kind: 'tensor' as const, elemType: OnnxDataType.FLOAT } })),
    ],
  };
}

interface Affine {
  scale: number;
  zeroPoint: number;
}

/** uint8 parameters covering [min, max] (and 0, which must stay exact for padding). */
function uint8Affine(min: number, max: number): Affine {
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

function rawInt8(values: Int8Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function rawInt32(values: Int32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setInt32(i * 4, values[i]!, true);
  return out;
}

/** DequantizeLinear along axis 0 (one scale per output channel), giving `${name}/dq`. */
function perChannelDequantize(name: string, inputs: string[]): OnnxNode {
  return {
    opType: 'DequantizeLinear',
    name: `${name}/dq`,
    inputs,
    outputs: [`${name}/dq`],
    attributes: [{ name: 'axis', kind: 'int', value: 0 }],
  };
}

function floatsOf(tensor: OnnxTensor): Float32Array {
  if (tensor.dataType !== OnnxDataType.FLOAT || !tensor.rawData) {
    throw new OnnxEncodingError(`tensor ${tensor.name}: expected float32 raw data`);
  }
  const raw = tensor.rawData;
  if (LITTLE_ENDIAN) return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Float32Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

/**
 * The QDQ graph. `ranges` must cover every tensor of `quantizableTensors(graph)`; ranges of tensors a ReLU6 produced
 * are clipped to [0, 6] so onnxruntime can drop the Clip into the quantization.
 */
export function quantizeGraph(graph: OnnxGraph, ranges: TensorRanges): OnnxGraph {
  const initializers = new Map(graph.initializers.map((t) => [t.name, t]));
  const producers = new Map<string, OnnxNode>();
  for (const node of graph.nodes) for (const o of node.outputs) producers.set(o, node);
  const targets = new Set(quantizableTensors(graph));

  const newInitializers: OnnxTensor[] = [];
  const used = new Set<string>();
  const replaced = new Set<string>();
  const nodes: OnnxNode[] = [];
  const scalar = (name: string, dataType: OnnxDataType, rawData: Uint8Array): string => {
    newInitializers.push({ name, dataType, dims: [], rawData });
    return name;
  };
  const affineOf = new Map<string, Affine>();

  const quantizeTensor = (tensor: string) => {
    const range = ranges.get(tensor);
    if (!range) throw new OnnxEncodingError(`no calibration range for tensor ${tensor}`);
    let [min, max] = range;
    const producer = producers.get(tensor);
    if (producer?.opType === 'Clip' || producer?.opType === 'Relu') min = 0;
    if (producer?.opType === 'Clip') max = Math.min(max, 6);
    const affine = uint8Affine(min, max);
    affineOf.set(tensor, affine);
    const scale = scalar(`${tensor}/q_scale`, OnnxDataType.FLOAT, float32RawData([affine.scale]));
    const zero = scalar(`${tensor}/q_zero`, OnnxDataType.UINT8, Uint8Array.of(affine.zeroPoint));
    nodes.push({
      opType: 'QuantizeLinear',
      name: `${tensor}/q`,
      inputs: [tensor, scale, zero],
      outputs: [`${tensor}/q`],
    });
    nodes.push({
      opType: 'DequantizeLinear',
      name: `${tensor}/dq`,
      inputs: [`${tensor}/q`, scale, zero],
      outputs: [`${tensor}/dq`],
    });
    replaced.add(tensor);
  };

  for (const input of graph.inputs) if (targets.has(input.name)) quantizeTensor(input.name);
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((i) => (replaced.has(i) && targets.has(i) ? `${i}/dq` : i));
    if (node.opType === 'Conv') {
      const affine = affineOf.get(node.inputs[0]!);
      const weight = initializers.get(node.inputs[1]!);
      if (!affine || !weight)
        throw new OnnxEncodingError(`conv ${node.name}: input not quantized or weight not constant`);
      used.add(weight.name);
      const w = floatsOf(weight);
      const outChannels = weight.dims[0]!;
      const perChannel = w.length / outChannels;
      const wScales = new Float32Array(outChannels);
      const wq = new Int8Array(w.length);
      for (let o = 0; o < outChannels; o++) {
        let maxAbs = 0;
        for (let k = 0; k < perChannel; k++) maxAbs = Math.max(maxAbs, Math.abs(w[o * perChannel + k]!));
        const s = maxAbs > 0 ? maxAbs / 127 : 1;
        wScales[o] = s;
        for (let k = 0; k < perChannel; k++) wq[o * perChannel + k] = Math.round(w[o * perChannel + k]! / s);
      }
      newInitializers.push(
        { name: `${weight.name}/int8`, dataType: OnnxDataType.INT8, dims: weight.dims, rawData: rawInt8(wq) },
        {
          name: `${weight.name}/w_scale`,
          dataType: OnnxDataType.FLOAT,
          dims: [outChannels],
          rawData: float32RawData(wScales),
        },
        {
          name: `${weight.name}/w_zero`,
          dataType: OnnxDataType.INT8,
          dims: [outChannels],
          rawData: rawInt8(new Int8Array(outChannels)),
        },
      );
      nodes.push(
        perChannelDequantize(weight.name, [`${weight.name}/int8`, `${weight.name}/w_scale`, `${weight.name}/w_zero`]),
      );
      inputs[1] = `${weight.name}/dq`;
      const bias = node.inputs[2] ? initializers.get(node.inputs[2]) : undefined;
      if (bias) {
        used.add(bias.name);
        const b = floatsOf(bias);
        const bScales = Float32Array.from(wScales, (s) => s * affine.scale);
        const bq = Int32Array.from(b, (v, o) => Math.round(v / bScales[o]!));
        newInitializers.push(
          { name: `${bias.name}/int32`, dataType: OnnxDataType.INT32, dims: bias.dims, rawData: rawInt32(bq) },
          {
            name: `${bias.name}/b_scale`,
            dataType: OnnxDataType.FLOAT,
            dims: [outChannels],
            rawData: float32RawData(bScales),
          },
        );
        nodes.push(perChannelDequantize(bias.name, [`${bias.name}/int32`, `${bias.name}/b_scale`]));
        inputs[2] = `${bias.name}/dq`;
      }
    }
    nodes.push({ ...node, inputs });
    for (const o of node.outputs) if (targets.has(o)) quantizeTensor(o);
  }
  // Float weights still read by a node that was not quantized stay.
  const stillRead = new Set(nodes.flatMap((n) => n.inputs));
  return {
    ...graph,
    nodes,
    initializers: [...graph.initializers.filter((t) => !used.has(t.name) || stillRead.has(t.name)), ...newInitializers],
  };
}
