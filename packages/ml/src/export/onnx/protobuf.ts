/**
 * A minimal protocol-buffers *writer*: just what ONNX's proto2 messages need.
 *
 * Wire format (https://protobuf.dev/programming-guides/encoding/): every field is a key
 * `(fieldNumber << 3) | wireType` as a varint, followed by its payload. We emit:
 * - wire type 0 (varint) for int32/int64/enum/bool,
 * - wire type 2 (length-delimited) for string/bytes/nested messages and packed scalars,
 * - wire type 5 (fixed 32-bit) for float.
 *
 * Nested messages are encoded bottom-up (a child is a finished `Uint8Array` before the
 * parent writes its length), which keeps the writer free of back-patching.
 */
import { OnnxEncodingError } from '../errors.ts';

export const WireType = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

const textEncoder = new TextEncoder();

/** Appends protobuf-encoded fields into growable chunks; `finish()` returns the message bytes. */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private scratch = new Uint8Array(64);
  private scratchLength = 0;
  private totalLength = 0;

  /** Field key: field number and wire type. */
  private key(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) {
      throw new OnnxEncodingError(`invalid protobuf field number ${field}`);
    }
    this.rawVarint(BigInt(field * 8 + wireType));
  }

  /**
   * Varint of a 64-bit value. Negative numbers are written as their 64-bit two's complement
   * (10 bytes), as protobuf does for int32/int64 (not zig-zag: ONNX uses no sint types).
   */
  private rawVarint(value: bigint): void {
    let v = value < 0n ? BigInt.asUintN(64, value) : value;
    if (v >= 1n << 64n) throw new OnnxEncodingError(`varint out of 64-bit range: ${value}`);
    this.reserve(10);
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      this.scratch[this.scratchLength++] = byte;
    } while (v !== 0n);
  }

  private reserve(bytes: number): void {
    if (this.scratchLength + bytes > this.scratch.length) this.flushScratch();
  }

  private flushScratch(): void {
    if (this.scratchLength === 0) return;
    this.chunks.push(this.scratch.slice(0, this.scratchLength));
    this.totalLength += this.scratchLength;
    this.scratchLength = 0;
  }

  private rawBytes(bytes: Uint8Array): void {
    this.flushScratch();
    // Bytes are referenced, not copied, until finish(): callers must not mutate them meanwhile.
    this.chunks.push(bytes);
    this.totalLength += bytes.length;
  }

  /** int32, int64, enum or bool field (wire type 0). `value` must be an integer. */
  int(field: number, value: number | bigint): this {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new OnnxEncodingError(`field ${field}: ${value} is not a safe integer`);
    }
    this.key(field, WireType.varint);
    this.rawVarint(BigInt(value));
    return this;
  }

  /** float field (wire type 5, little-endian IEEE 754 single). */
  float(field: number, value: number): this {
    this.key(field, WireType.fixed32);
    this.reserve(4);
    new DataView(this.scratch.buffer).setFloat32(this.scratchLength, value, true);
    this.scratchLength += 4;
    return this;
  }

  /** bytes field (wire type 2). */
  bytes(field: number, value: Uint8Array): this {
    this.key(field, WireType.lengthDelimited);
    this.rawVarint(BigInt(value.length));
    this.rawBytes(value);
    return this;
  }

  /** string field, UTF-8 encoded (wire type 2). */
  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  /** Embedded message field: `message` is the already-encoded child. */
  message(field: number, message: Uint8Array): this {
    return this.bytes(field, message);
  }

  /** Packed repeated varints (`[packed = true]` fields such as TensorProto.int64_data). */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.rawVarint(BigInt(v));
    return this.bytes(field, inner.finish());
  }

  /** The encoded message. The writer must not be used afterwards. */
  finish(): Uint8Array {
    this.flushScratch();
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.totalLength);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}
