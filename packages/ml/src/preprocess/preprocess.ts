/**
 * The one preprocessing path shared by training, prediction and export:
 *
 *   decode (sharp) → apply EXIF orientation → centre-crop to the largest square → resize to the backbone input
 *   size (sharp's `linear` kernel) → sRGB, alpha dropped → Float32 RGB values in 0–255, NHWC.
 *
 * Values stay in 0–255 and the square crop happens here because that is what Microsoft's exported-model consumers
 * do (`@microsoft/customvision-tfjs` and the ONNX samples centre-crop, resize and feed 0–255); each backbone rescales
 * to its own range inside its model function, so an exported model sees exactly what the server saw.
 *
 * Training-time views (a mirrored copy, off-centre crops) reuse this path with a different crop rectangle or a
 * mirror, so no view is ever prepared differently from what prediction uses.
 */
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { ImageDecodeError, ImageTooLargeError } from '../errors.ts';

/** Bumped whenever the output for the same bytes could change; part of every backbone's cache key. */
export const PREPROCESSING_VERSION = 'cc-linear-srgb-v1';

/** Description stored with every head and export so a consumer can reproduce the input. */
export interface PreprocessingDescription {
  version: string;
  exifOrientation: 'applied';
  crop: 'centre-square';
  resize: 'linear';
  colourSpace: 'srgb';
  alpha: 'dropped';
  channelOrder: 'RGB';
  layout: 'NHWC';
  valueRange: [0, 255];
  size: number;
}

export function describePreprocessing(size: number): PreprocessingDescription {
  return {
    version: PREPROCESSING_VERSION,
    exifOrientation: 'applied',
    crop: 'centre-square',
    resize: 'linear',
    colourSpace: 'srgb',
    alpha: 'dropped',
    channelOrder: 'RGB',
    layout: 'NHWC',
    valueRange: [0, 255],
    size,
  };
}

/**
 * Default decompression-bomb guard: 40 MP covers 8K photos (33 MP) and refuses tiny files that claim huge canvases
 * before any pixel is decoded. Custom Vision itself refuses uploads over 6 MB anyway.
 */
export const DEFAULT_MAX_INPUT_PIXELS = 40_000_000;

/** A square sub-rectangle of the oriented image, as fractions of its width/height: where a view looks. */
export interface CropBox {
  /** Left edge, fraction of the oriented width. */
  left: number;
  /** Top edge, fraction of the oriented height. */
  top: number;
  /** Side as a fraction of the oriented image's short edge. */
  side: number;
}

export interface PreprocessOptions {
  /** Output side in pixels (the backbone's input size). */
  size: number;
  maxInputPixels?: number;
  /** Defaults to the centred square over the short edge. */
  crop?: CropBox;
}

export interface PreprocessedImage {
  /** Output side: `data` holds size × size × 3 values. */
  size: number;
  /** RGB, row-major, values 0–255 (NHWC for a batch of one). */
  data: Float32Array;
  /** Oriented (EXIF applied) size of the decoded image. */
  sourceWidth: number;
  sourceHeight: number;
  format: string;
}

export const CENTRE_CROP: CropBox = Object.freeze({ left: -1, top: -1, side: 1 });

/** Pixel rectangle of a crop box in an oriented image; `left/top = -1` means centred. */
export function cropRect(width: number, height: number, crop: CropBox = CENTRE_CROP) {
  const short = Math.min(width, height);
  const side = Math.max(1, Math.min(short, Math.round(short * crop.side)));
  const left = crop.left < 0 ? Math.floor((width - side) / 2) : Math.round(crop.left * width);
  const top = crop.top < 0 ? Math.floor((height - side) / 2) : Math.round(crop.top * height);
  return {
    left: Math.max(0, Math.min(width - side, left)),
    top: Math.max(0, Math.min(height - side, top)),
    width: side,
    height: side,
  };
}

/** EXIF orientations 5–8 swap width and height; anything else (including the invalid 0) leaves them. */
function orientedSize(meta: Metadata): { width: number; height: number } {
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const o = meta.orientation ?? 1;
  return o >= 5 && o <= 8 ? { width: height, height: width } : { width, height };
}

export async function preprocess(bytes: Uint8Array, options: PreprocessOptions): Promise<PreprocessedImage> {
  const limitInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new ImageDecodeError(`not a decodable image: ${messageOf(error)}`, error);
  }
  if (!meta.width || !meta.height) throw new ImageDecodeError('image has no dimensions');
  // Checked from the header ourselves so the error is typed; sharp's own limit below is the backstop.
  if (meta.width * meta.height > limitInputPixels) {
    throw new ImageTooLargeError(
      `image is ${meta.width}x${meta.height} (${meta.width * meta.height} px), over the ${limitInputPixels} px limit`,
    );
  }
  const { width, height } = orientedSize(meta);
  const rect = cropRect(width, height, options.crop);
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(bytes, { limitInputPixels, failOn: 'error' })
      .rotate()
      .extract(rect)
      .resize(options.size, options.size, { kernel: 'linear', fit: 'fill' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new ImageDecodeError(`image could not be decoded: ${messageOf(error)}`, error);
  }
  const { info } = raw;
  if (info.channels !== 3 || info.width !== options.size || info.height !== options.size) {
    throw new ImageDecodeError(`unexpected decoder output ${info.width}x${info.height}x${info.channels}`);
  }
  const data = new Float32Array(raw.data.length);
  for (let i = 0; i < data.length; i++) data[i] = raw.data[i]!;
  return { size: options.size, data, sourceWidth: width, sourceHeight: height, format: meta.format ?? 'unknown' };
}

/** Mirror left-right: the horizontal-flip view, done on pixels so it cannot drift from the unflipped one. */
export function mirrorHorizontally(image: PreprocessedImage): PreprocessedImage {
  const { size, data } = image;
  const out = new Float32Array(data.length);
  const row = size * 3;
  for (let y = 0; y < size; y++) {
    const base = y * row;
    for (let x = 0; x < size; x++) {
      const src = base + x * 3;
      const dst = base + (size - 1 - x) * 3;
      out[dst] = data[src]!;
      out[dst + 1] = data[src + 1]!;
      out[dst + 2] = data[src + 2]!;
    }
  }
  return { ...image, data: out };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
