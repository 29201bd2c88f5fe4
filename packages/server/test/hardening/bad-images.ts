import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** Hostile and broken image files for the hardening tests, made on the fly. */

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A PNG of a few hundred bytes whose header declares `width`×`height` RGB pixels (a decompression bomb when large):
 * a valid signature, IHDR and IEND, and an IDAT holding a little zero data.
 */
export function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A real small JPEG whose frame header (SOF0) is rewritten to declare `width`×`height` (at most 65535 each). */
export async function jpegBomb(width: number, height: number): Promise<Buffer> {
  const real = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } })
    .jpeg({ progressive: false })
    .toBuffer();
  const out = Buffer.from(real);
  for (let i = 2; i < out.length - 9; i++) {
    if (out[i] === 0xff && out[i + 1] === 0xc0) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
  }
  throw new Error('no SOF0 marker');
}

/** A GIF whose screen and image descriptors declare `width`×`height` (at most 65535 each), with one pixel of data. */
export function gifBomb(width: number, height: number): Buffer {
  const b = Buffer.alloc(6 + 7 + 10 + 5 + 1);
  let o = b.write('GIF89a', 0, 'latin1');
  o = b.writeUInt16LE(width, o);
  o = b.writeUInt16LE(height, o);
  b.set([0, 0, 0], o); // no colour table
  o += 3;
  b[o++] = 0x2c;
  o = b.writeUInt16LE(0, o);
  o = b.writeUInt16LE(0, o);
  o = b.writeUInt16LE(width, o);
  o = b.writeUInt16LE(height, o);
  b[o++] = 0;
  b.set([2, 2, 0x4c, 0x01, 0], o); // LZW min code size 2, one 2-byte sub-block, terminator
  o += 5;
  b[o] = 0x3b;
  return b;
}

/** A BMP header declaring `width`×`height` 24-bit pixels followed by a few bytes. */
export function bmpBomb(width: number, height: number): Buffer {
  const b = Buffer.alloc(64);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  return b;
}

/** The first `fraction` of a file: a truncated upload. */
export function truncated(bytes: Buffer, fraction = 0.5): Buffer {
  return bytes.subarray(0, Math.max(4, Math.floor(bytes.length * fraction)));
}

/** A file with a valid header and garbage after it. */
export function corrupt(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 32; i < out.length - 2; i++) out[i] = (i * 7919) & 0xff;
  return out;
}

/** A 1-bit BMP (8 pixels a byte): the most pixels per byte the format allows, the cheapest decoding attack. */
export function oneBitBmp(width: number, height: number): Buffer {
  const stride = Math.ceil(width / 32) * 4;
  const offset = 14 + 40 + 8;
  const b = Buffer.alloc(offset + stride * height, 0x5a);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(0, 6);
  b.writeUInt32LE(offset, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(1, 28);
  b.writeUInt32LE(0, 30);
  b.writeUInt32LE(stride * height, 34);
  b.writeUInt32LE(2, 46);
  b.writeUInt32LE(0, 50);
  b.writeUInt32LE(0x00000000, 54);
  b.writeUInt32LE(0x00ffffff, 58);
  return b;
}
