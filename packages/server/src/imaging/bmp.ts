/**
 * A small BMP reader: sharp (libvips) cannot decode BMP, and Custom Vision accepts it. Covers what cameras and
 * tools write: uncompressed 24- and 32-bit, 8-bit palettes, and 16/32-bit BI_BITFIELDS, bottom-up or top-down.
 * Returns RGB pixels for sharp's raw input.
 */
import { ServerLibraryError } from '../errors.ts';

export interface RawRgb {
  data: Buffer;
  width: number;
  height: number;
}

export class BmpError extends ServerLibraryError {}

/** Everything needed to walk the pixels, read and checked from the headers alone. */
interface BmpLayout {
  width: number;
  height: number;
  topDown: boolean;
  bpp: number;
  masks: number[];
  palette: number[][];
  stride: number;
  dataOffset: number;
}

/**
 * Checks a BMP as far as decoding it would (headers, palette, that every row is present) without touching a pixel:
 * the pixel walk cannot fail once this passes, so uploads are validated in constant time and only the renderings
 * that need pixels pay for them (off the event loop, see bmp-pool.ts).
 */
export function checkBmp(bytes: Uint8Array): { width: number; height: number } {
  const { width, height } = readLayout(bytes);
  return { width, height };
}

export function decodeBmp(bytes: Uint8Array): RawRgb {
  const { width, height, topDown, bpp, masks, palette, stride, dataOffset } = readLayout(bytes);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = Buffer.alloc(width * height * 3);
  const channel = (v: number, mask: number) => {
    if (!mask) return 0;
    const shift = Math.log2(mask & -mask);
    const max = mask >>> shift;
    return Math.round((((v & mask) >>> shift) * 255) / max);
  };
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      let rgb: number[];
      if (bpp === 24) rgb = [bytes[row + x * 3 + 2]!, bytes[row + x * 3 + 1]!, bytes[row + x * 3]!];
      else if (bpp === 32 || bpp === 16) {
        const v = bpp === 32 ? dv.getUint32(row + x * 4, true) : dv.getUint16(row + x * 2, true);
        rgb = masks.map((m) => channel(v, m));
      } else {
        const bitsIndex = x * bpp;
        const byte = bytes[row + (bitsIndex >> 3)]!;
        const index = (byte >> (8 - bpp - (bitsIndex & 7))) & ((1 << bpp) - 1);
        rgb = palette[index] ?? [0, 0, 0];
      }
      out[o] = rgb[0]!;
      out[o + 1] = rgb[1]!;
      out[o + 2] = rgb[2]!;
    }
  }
  return { data: out, width, height };
}

function readLayout(bytes: Uint8Array): BmpLayout {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (n: number) => {
    if (bytes.length < n) throw new BmpError('Truncated BMP.');
  };
  need(26);
  if (bytes[0] !== 0x42 || bytes[1] !== 0x4d) throw new BmpError('Not a BMP.');
  const dataOffset = dv.getUint32(10, true);
  const headerSize = dv.getUint32(14, true);
  need(14 + Math.min(headerSize, 40));
  const core = headerSize === 12;
  const width = core ? dv.getUint16(18, true) : dv.getInt32(18, true);
  const rawHeight = core ? dv.getInt16(20, true) : dv.getInt32(22, true);
  const bpp = core ? dv.getUint16(24, true) : dv.getUint16(28, true);
  const compression = core ? 0 : dv.getUint32(30, true);
  const height = Math.abs(rawHeight);
  const topDown = rawHeight < 0;
  if (width <= 0 || height <= 0) throw new BmpError('BMP has no pixels.');
  if (compression !== 0 && compression !== 3) throw new BmpError('Compressed BMP is not supported.');
  let masks = [0xff0000, 0xff00, 0xff];
  if (compression === 3) {
    need(14 + 40 + 12);
    masks = [dv.getUint32(54, true), dv.getUint32(58, true), dv.getUint32(62, true)];
  } else if (bpp === 16) masks = [0x7c00, 0x3e0, 0x1f];
  const palette: number[][] = [];
  if (bpp <= 8) {
    const entry = core ? 3 : 4;
    const colours = (!core && dv.getUint32(46, true)) || 1 << bpp;
    const start = 14 + headerSize;
    need(start + colours * entry);
    for (let i = 0; i < colours; i++)
      palette.push([bytes[start + i * entry + 2]!, bytes[start + i * entry + 1]!, bytes[start + i * entry]!]);
  }
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) throw new BmpError(`BMP with ${bpp} bits per pixel is not supported.`);
  const stride = Math.ceil((width * bpp) / 32) * 4;
  need(dataOffset + stride * height);
  return { width, height, topDown, bpp, masks, palette, stride, dataOffset };
}
