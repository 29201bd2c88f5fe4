/**
 * Encoders for the subset of ONNX's `onnx.proto` (proto2) that our exports use: ModelProto,
 * GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto/TypeProto,
 * OperatorSetIdProto and StringStringEntryProto. Field numbers follow onnx.proto; only fields
 * we set are listed. Messages are plain objects so the converter can build and inspect them.
 */
import { OnnxEncodingError } from '../errors.ts';
import { ProtoWriter } from './protobuf.ts';

/** TensorProto.DataType values we emit. */
export const OnnxDataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  STRING: 8,
} as const;
export type OnnxDataType = (typeof OnnxDataType)[keyof typeof OnnxDataType];

/** AttributeProto.AttributeType values we emit. */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface OnnxTensor {
  name: string;
  dataType: OnnxDataType;
  dims: readonly number[];
  /** Little-endian fixed-width element bytes (TensorProto.raw_data); not for STRING tensors. */
  rawData?: Uint8Array;
  /** UTF-8 strings for STRING tensors (TensorProto.string_data). */
  stringData?: readonly string[];
}

/**
 * An attribute value. Numbers are INT when `kind` says so; plain JS numbers are ambiguous
 * between INT and FLOAT, hence the explicit tag.
 */
export type OnnxAttribute =
  | { name: string; kind: 'int'; value: number }
  | { name: string; kind: 'float'; value: number }
  | { name: string; kind: 'string'; value: string }
  | { name: string; kind: 'ints'; value: readonly number[] }
  | { name: string; kind: 'floats'; value: readonly number[] }
  | { name: string; kind: 'strings'; value: readonly string[] }
  | { name: string; kind: 'tensor'; value: OnnxTensor };

export interface OnnxNode {
  opType: string;
  /** Operator-set domain; '' (the default ONNX domain) when omitted. */
  domain?: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: readonly OnnxAttribute[];
}

/** A dimension: a fixed size, or a symbolic name (dim_param) for a variable one. */
export type OnnxDim = number | string;

export type OnnxType =
  | {
      kind: 'tensor';
      elemType: OnnxDataType;
      shape?: readonly OnnxDim[];
      /** Per-dimension denotations (DimensionDenotation.md), e.g. DATA_BATCH, DATA_CHANNEL. */
      dimDenotations?: readonly string[];
      /** Type denotation (TypeDenotation.md), e.g. IMAGE. */
      denotation?: string;
    }
  | { kind: 'sequence'; elem: OnnxType }
  | { kind: 'map'; keyType: OnnxDataType; value: OnnxType };

export interface OnnxValueInfo {
  name: string;
  type: OnnxType;
  docString?: string;
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  docString?: string;
}

export interface OnnxOpsetImport {
  domain: string;
  version: number;
}

export interface OnnxModel {
  irVersion: number;
  opsetImports: readonly OnnxOpsetImport[];
  producerName: string;
  producerVersion: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph: OnnxGraph;
  /** ModelProto.metadata_props, in order; keys must be distinct. */
  metadataProps: readonly (readonly [key: string, value: string])[];
}

export function encodeTensor(t: OnnxTensor): Uint8Array {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d); // dims (repeated int64, unpacked as proto2 declares)
  w.int(2, t.dataType);
  w.string(8, t.name);
  if (t.dataType === OnnxDataType.STRING) {
    if (t.rawData) throw new OnnxEncodingError(`tensor ${t.name}: STRING tensors cannot use raw_data`);
    for (const s of t.stringData ?? []) w.string(6, s);
  } else {
    if (!t.rawData) throw new OnnxEncodingError(`tensor ${t.name}: raw_data missing`);
    w.bytes(9, t.rawData);
  }
  return w.finish();
}

export function encodeAttribute(a: OnnxAttribute): Uint8Array {
  const w = new ProtoWriter();
  w.string(1, a.name);
  switch (a.kind) {
    case 'float':
      w.int(20, AttributeType.FLOAT).float(2, a.value);
      break;
    case 'int':
      w.int(20, AttributeType.INT).int(3, a.value);
      break;
    case 'string':
      w.int(20, AttributeType.STRING).string(4, a.value);
      break;
    case 'tensor':
      w.int(20, AttributeType.TENSOR).message(5, encodeTensor(a.value));
      break;
    case 'floats':
      w.int(20, AttributeType.FLOATS);
      for (const v of a.value) w.float(7, v);
      break;
    case 'ints':
      w.int(20, AttributeType.INTS);
      for (const v of a.value) w.int(8, v);
      break;
    case 'strings':
      w.int(20, AttributeType.STRINGS);
      for (const v of a.value) w.string(9, v);
      break;
  }
  return w.finish();
}

export function encodeNode(n: OnnxNode): Uint8Array {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attributes ?? []) w.message(5, encodeAttribute(a));
  if (n.domain) w.string(7, n.domain);
  return w.finish();
}

function encodeShape(shape: readonly OnnxDim[], denotations: readonly string[] | undefined): Uint8Array {
  const w = new ProtoWriter();
  shape.forEach((d, i) => {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    const denotation = denotations?.[i];
    if (denotation) dim.string(3, denotation);
    w.message(1, dim.finish());
  });
  return w.finish();
}

export function encodeType(t: OnnxType): Uint8Array {
  const w = new ProtoWriter();
  switch (t.kind) {
    case 'tensor': {
      const tensor = new ProtoWriter().int(1, t.elemType);
      if (t.shape) tensor.message(2, encodeShape(t.shape, t.dimDenotations));
      w.message(1, tensor.finish());
      if (t.denotation) w.string(6, t.denotation);
      break;
    }
    case 'sequence':
      w.message(4, new ProtoWriter().message(1, encodeType(t.elem)).finish());
      break;
    case 'map':
      w.message(5, new ProtoWriter().int(1, t.keyType).message(2, encodeType(t.value)).finish());
      break;
  }
  return w.finish();
}

export function encodeValueInfo(v: OnnxValueInfo): Uint8Array {
  const w = new ProtoWriter().string(1, v.name).message(2, encodeType(v.type));
  if (v.docString) w.string(3, v.docString);
  return w.finish();
}

export function encodeGraph(g: OnnxGraph): Uint8Array {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, encodeTensor(t));
  if (g.docString) w.string(10, g.docString);
  for (const i of g.inputs) w.message(11, encodeValueInfo(i));
  for (const o of g.outputs) w.message(12, encodeValueInfo(o));
  return w.finish();
}

export function encodeModel(m: OnnxModel): Uint8Array {
  const keys = new Set<string>();
  for (const [key] of m.metadataProps) {
    if (keys.has(key)) throw new OnnxEncodingError(`duplicate metadata_props key ${key}`);
    keys.add(key);
  }
  const w = new ProtoWriter();
  w.int(1, m.irVersion);
  w.string(2, m.producerName);
  w.string(3, m.producerVersion);
  if (m.domain) w.string(4, m.domain);
  if (m.modelVersion !== undefined) w.int(5, m.modelVersion);
  if (m.docString) w.string(6, m.docString);
  w.message(7, encodeGraph(m.graph));
  for (const o of m.opsetImports) {
    const op = new ProtoWriter();
    if (o.domain) op.string(1, o.domain);
    op.int(2, o.version);
    w.message(8, op.finish());
  }
  for (const [key, value] of m.metadataProps) {
    w.message(14, new ProtoWriter().string(1, key).string(2, value).finish());
  }
  return w.finish();
}

/** Float32 values as little-endian raw_data bytes. */
/** Whether typed arrays are laid out as ONNX's raw_data is (little-endian): then a byte copy converts. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function float32RawData(values: Float32Array | readonly number[]): Uint8Array {
  if (LITTLE_ENDIAN && values instanceof Float32Array) {
    return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  }
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

/** Int64 values as little-endian raw_data bytes. */
export function int64RawData(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i]!), true);
  return out;
}
