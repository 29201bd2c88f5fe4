/**
 * Reading TF.js weight buffers: locating each weight's bytes (quantized or not) and decoding
 * them to float32/int32 exactly as tfjs-core's `io.decodeWeights` does, so an ONNX conversion
 * sees the same numbers as the TF.js model it came from.
 */
import { InvalidBackboneError } from '../errors.ts';
import type { TfjsWeightSpec } from './graph-def.ts';

const BYTES_PER_ELEMENT: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** A weight's spec and its bytes as stored (possibly quantized). */
export interface StoredWeight {
  spec: TfjsWeightSpec;
  bytes: Uint8Array;
}

export interface DecodedWeight {
  dtype: 'float32' | 'int32';
  shape: number[];
  values: Float32Array | Int32Array;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** Bytes the weight occupies in the buffer: element count × the stored (quantized) element size. */
export function storedByteLength(spec: TfjsWeightSpec): number {
  const storedDtype = spec.quantization?.dtype ?? spec.dtype;
  const size = BYTES_PER_ELEMENT[storedDtype];
  if (size === undefined) {
    throw new InvalidBackboneError(`weight '${spec.name}': unsupported stored dtype ${storedDtype}`);
  }
  return elementCount(spec.shape) * size;
}

export function concatWeightData(data: ArrayBuffer | readonly ArrayBuffer[] | undefined): Uint8Array {
  if (data === undefined) throw new InvalidBackboneError('model artifacts have no weightData');
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  const total = data.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out;
}

/** Splits the concatenated weight buffer into one view per spec, in manifest order. */
export function indexWeights(
  specs: readonly TfjsWeightSpec[] | undefined,
  data: ArrayBuffer | readonly ArrayBuffer[] | undefined,
): Map<string, StoredWeight> {
  if (!specs) throw new InvalidBackboneError('model artifacts have no weightSpecs');
  const buffer = concatWeightData(data);
  const weights = new Map<string, StoredWeight>();
  let offset = 0;
  for (const spec of specs) {
    const length = storedByteLength(spec);
    if (offset + length > buffer.length) {
      throw new InvalidBackboneError(`weight '${spec.name}' runs past the end of weightData`);
    }
    weights.set(spec.name, { spec, bytes: buffer.subarray(offset, offset + length) });
    offset += length;
  }
  if (offset !== buffer.length) {
    throw new InvalidBackboneError(`weightData has ${buffer.length - offset} bytes not described by weightSpecs`);
  }
  return weights;
}

/** IEEE 754 half → single, the same bit manipulation result as tfjs's float16 decoder. */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (mantissa / 1024);
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
}

/** Copies `bytes` to an aligned buffer so typed-array views are allowed on it. */
function aligned(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

export function decodeWeight({ spec, bytes }: StoredWeight): DecodedWeight {
  const count = elementCount(spec.shape);
  const q = spec.quantization;
  if (spec.dtype !== 'float32' && spec.dtype !== 'int32') {
    throw new InvalidBackboneError(`weight '${spec.name}': dtype ${spec.dtype} is not supported`);
  }
  if (!q) {
    const buffer = aligned(bytes);
    return {
      dtype: spec.dtype,
      shape: [...spec.shape],
      values: spec.dtype === 'float32' ? new Float32Array(buffer) : new Int32Array(buffer),
    };
  }
  if (q.dtype === 'float16') {
    if (spec.dtype !== 'float32') throw new InvalidBackboneError(`weight '${spec.name}': float16 needs float32`);
    const halves = new Uint16Array(aligned(bytes));
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = float16ToFloat32(halves[i]!);
    return { dtype: 'float32', shape: [...spec.shape], values };
  }
  if (q.dtype !== 'uint8' && q.dtype !== 'uint16') {
    throw new InvalidBackboneError(`weight '${spec.name}': unknown quantization ${q.dtype}`);
  }
  if (q.min === undefined || q.scale === undefined) {
    throw new InvalidBackboneError(`weight '${spec.name}': affine quantization without min/scale`);
  }
  const quantized = q.dtype === 'uint8' ? bytes : new Uint16Array(aligned(bytes));
  // Same expression and evaluation order as tfjs-core (double arithmetic, then stored).
  if (spec.dtype === 'float32') {
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = quantized[i]! * q.scale + q.min;
    return { dtype: 'float32', shape: [...spec.shape], values };
  }
  const values = new Int32Array(count);
  for (let i = 0; i < count; i++) values[i] = Math.round(quantized[i]! * q.scale + q.min);
  return { dtype: 'int32', shape: [...spec.shape], values };
}
