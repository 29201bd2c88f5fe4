import sharp, { type Metadata, type Sharp } from 'sharp';
import { ServerLibraryError } from '../errors.ts';
import { BmpError, checkBmp } from './bmp.ts';
import { decodeBmpOffThread } from './bmp-pool.ts';

export type ImageFormat = 'jpeg' | 'png' | 'bmp' | 'gif';

export interface InspectedImage {
  format: ImageFormat;
  /** After EXIF orientation. */
  width: number;
  height: number;
}

export class UnsupportedImageError extends ServerLibraryError {
  constructor(
    readonly reason: 'format' | 'dimensions' | 'corrupt',
    message: string,
  ) {
    super(message);
    this.name = 'UnsupportedImageError';
  }
}

/** Recognises the formats Custom Vision accepts by their magic bytes, before any decoder sees the data. */
export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47)
    return 'png';
  if (bytes.length >= 6 && bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46) return 'gif';
  if (bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d) return 'bmp';
  return undefined;
}

/**
 * Checks that bytes are a whole, decodable image of an accepted format and size, and returns its oriented size.
 * The pixel limit is checked from the header before decoding, so a small file that would decode to gigapixels
 * (a decompression bomb) is refused cheaply.
 */
export async function inspectImage(
  bytes: Uint8Array,
  limits: { maxSide: number; maxPixels: number },
  /** Skip the trial decode when the caller decodes the image next anyway (prediction). */
  opts: { fullDecode?: boolean } = {},
): Promise<InspectedImage> {
  const format = sniffFormat(bytes);
  if (!format) throw new UnsupportedImageError('format', 'Not a JPEG, PNG, BMP or GIF image.');
  if (format === 'bmp') {
    const info = inspectBmp(bytes, limits);
    try {
      // Headers, palette and the length of every row: all a decode could fail on, without walking the pixels.
      checkBmp(bytes);
    } catch (e) {
      throw new UnsupportedImageError(e instanceof BmpError ? 'corrupt' : 'format', (e as Error).message);
    }
    return info;
  }
  let meta: Metadata;
  try {
    // The header alone: the pixel limit is checked below so that a decompression bomb reads as too large, not corrupt.
    meta = await sharp(bytes, { limitInputPixels: false, failOn: 'error' }).metadata();
  } catch (e) {
    throw new UnsupportedImageError('corrupt', `The image could not be read: ${(e as Error).message}`);
  }
  const { width = 0, height = 0 } = meta;
  checkSize(width, height, limits);
  if (opts.fullDecode !== false)
    try {
      // A full decode at reduced size proves the data is complete (metadata alone passes truncated files).
      await sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'error' })
        .resize(64, 64, { fit: 'inside' })
        .raw()
        .toBuffer();
    } catch (e) {
      throw new UnsupportedImageError('corrupt', `The image could not be decoded: ${(e as Error).message}`);
    }
  const swap = (meta.orientation ?? 1) >= 5;
  return { format, width: swap ? height : width, height: swap ? width : height };
}

function checkSize(width: number, height: number, limits: { maxSide: number; maxPixels: number }): void {
  if (!width || !height) throw new UnsupportedImageError('corrupt', 'The image has no pixels.');
  if (width > limits.maxSide || height > limits.maxSide || width * height > limits.maxPixels)
    throw new UnsupportedImageError(
      'dimensions',
      `The image is ${width}x${height}; the largest side allowed is ${limits.maxSide}.`,
    );
}

/** sharp does not decode BMP; read the header ourselves and keep the bytes as they are. */
function inspectBmp(bytes: Uint8Array, limits: { maxSide: number; maxPixels: number }): InspectedImage {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 26) throw new UnsupportedImageError('corrupt', 'Truncated BMP header.');
  const headerSize = dv.getUint32(14, true);
  if (headerSize < 12 || bytes.length < 14 + headerSize)
    throw new UnsupportedImageError('corrupt', 'Truncated BMP header.');
  const width = headerSize === 12 ? dv.getUint16(18, true) : Math.abs(dv.getInt32(18, true));
  const height = headerSize === 12 ? dv.getUint16(20, true) : Math.abs(dv.getInt32(22, true));
  checkSize(width, height, limits);
  const dataOffset = dv.getUint32(10, true);
  if (dataOffset >= bytes.length) throw new UnsupportedImageError('corrupt', 'BMP pixel data is missing.');
  return { format: 'bmp', width, height };
}

/** A sharp pipeline for any accepted format (BMP is decoded on a worker thread, since libvips cannot read it). */
export async function openImage(bytes: Uint8Array): Promise<Sharp> {
  if (sniffFormat(bytes) === 'bmp') {
    const { data, width, height } = await decodeBmpOffThread(bytes);
    return sharp(data, { raw: { width, height, channels: 3 }, limitInputPixels: false });
  }
  return sharp(bytes).rotate();
}

/** A JPEG no larger than `size` on its longer side, oriented as the viewer expects. */
export async function renderVariant(bytes: Uint8Array, size: number): Promise<Buffer> {
  return (await openImage(bytes))
    .resize(size, size, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** PNG bytes for formats the ML layer cannot read directly (BMP); other formats pass through unchanged. */
export async function decodableBytes(bytes: Uint8Array): Promise<Uint8Array> {
  if (sniffFormat(bytes) !== 'bmp') return bytes;
  // Level 1: the PNG is decoded once more and dropped, so its size does not matter and deflate time does.
  return (await openImage(bytes)).png({ compressionLevel: 1 }).toBuffer();
}
