/**
 * A test-only protobuf *reader*, written independently of src/export/onnx/protobuf.ts, to check
 * what the writer produced field by field (and to read metadata_props, which onnxruntime-node
 * does not expose).
 */

export interface Field {
  field: number;
  wireType: number;
  /** Varint value (wire type 0), as bigint to keep 64-bit values exact. */
  varint?: bigint;
  /** Payload bytes (wire type 2) or the 4/8 raw bytes (wire types 5/1). */
  bytes?: Uint8Array;
}

export function readVarint(bytes: Uint8Array, offset: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  let i = offset;
  for (;;) {
    if (i >= bytes.length) throw new Error('truncated varint');
    const byte = bytes[i++]!;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7n;
    if (shift > 63n) throw new Error('varint too long');
  }
  return { value, next: i };
}

export function readFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const key = readVarint(bytes, offset);
    offset = key.next;
    const field = Number(key.value >> 3n);
    const wireType = Number(key.value & 7n);
    if (wireType === 0) {
      const v = readVarint(bytes, offset);
      fields.push({ field, wireType, varint: v.value });
      offset = v.next;
    } else if (wireType === 2) {
      const length = readVarint(bytes, offset);
      const end = length.next + Number(length.value);
      if (end > bytes.length) throw new Error('truncated length-delimited field');
      fields.push({ field, wireType, bytes: bytes.subarray(length.next, end) });
      offset = end;
    } else if (wireType === 5 || wireType === 1) {
      const size = wireType === 5 ? 4 : 8;
      fields.push({ field, wireType, bytes: bytes.subarray(offset, offset + size) });
      offset += size;
    } else {
      throw new Error(`unsupported wire type ${wireType}`);
    }
  }
  return fields;
}

const decoder = new TextDecoder();

export function strings(fields: Field[], field: number): string[] {
  return fields.filter((f) => f.field === field).map((f) => decoder.decode(f.bytes));
}

export function messages(fields: Field[], field: number): Field[][] {
  return fields.filter((f) => f.field === field).map((f) => readFields(f.bytes!));
}

export function varints(fields: Field[], field: number): bigint[] {
  return fields.filter((f) => f.field === field).map((f) => f.varint!);
}

/** The parts of an ONNX ModelProto the tests look at. */
export interface ModelSummary {
  irVersion: number;
  opsets: Record<string, number>;
  metadata: Record<string, string>;
  metadataKeys: string[];
  inputs: string[];
  outputs: { name: string; typeFields: Field[] }[];
  nodes: { opType: string; domain: string; inputs: string[]; outputs: string[]; attributes: Field[][] }[];
  initializers: string[];
}

export function summarizeModel(bytes: Uint8Array): ModelSummary {
  const model = readFields(bytes);
  const graph = messages(model, 7)[0]!;
  const opsets: Record<string, number> = {};
  for (const o of messages(model, 8)) opsets[strings(o, 1)[0] ?? ''] = Number(varints(o, 2)[0]);
  const metadata: Record<string, string> = {};
  const metadataKeys: string[] = [];
  for (const entry of messages(model, 14)) {
    const key = strings(entry, 1)[0]!;
    metadataKeys.push(key);
    metadata[key] = strings(entry, 2)[0]!;
  }
  return {
    irVersion: Number(varints(model, 1)[0]),
    opsets,
    metadata,
    metadataKeys,
    inputs: messages(graph, 11).map((v) => strings(v, 1)[0]!),
    outputs: messages(graph, 12).map((v) => ({ name: strings(v, 1)[0]!, typeFields: messages(v, 2)[0]! })),
    nodes: messages(graph, 1).map((n) => ({
      opType: strings(n, 4)[0]!,
      domain: strings(n, 7)[0] ?? '',
      inputs: strings(n, 1),
      outputs: strings(n, 2),
      attributes: messages(n, 5),
    })),
    initializers: messages(graph, 5).map((t) => strings(t, 8)[0]!),
  };
}
