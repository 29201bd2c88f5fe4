/**
 * The two preprocessing paths (a backbone names the one it uses, BackboneSpec.preprocessing), each shared by
 * training, prediction and, for exportable backbones, the exports:
 *
 *   customvision-tfjs ('cvtfjs-bilinear-srgb-v2', exportable backbones): decode (sharp) → EXIF orientation → sRGB,
 *   alpha dropped → centre square (customvision-tfjs' box, half pixels included) → TensorFlow's crop_and_resize,
 *   bilinear, to the input size → Float32 RGB 0–255, NHWC. This is what `@microsoft/customvision-tfjs` does to an
 *   <img> before running an exported model, reproduced to the float (crop-and-resize.ts), so a web app built on
 *   Custom Vision's exports gives the server's numbers on every photo, near ties included.
 *
 *   antialiased ('cc-linear-srgb-v1', general domains, and heads trained before the other path existed): the same
 *   crop rounded to whole pixels, resized by sharp's linear kernel, which low-pass filters as it shrinks. Models
 *   that never leave the server have no consumer to imitate, and on the Azure quickstart's held-out hemlock the
 *   general backbone is right with this path and wrong with the other.
 *
 * Values stay in 0–255; each backbone rescales to its own range inside its model function, as the exported models
 * do. Training-time views (a mirrored copy, off-centre crops) reuse the path with a different box or a mirror, so no
 * view is ever prepared differently from what prediction uses.
 */
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { ImageDecodeError, ImageTooLargeError } from '../errors.ts';
import { cropAndResizeBilinear, customVisionCentreBox, type SquareBox } from './crop-and-resize.ts';

/*
 * Versions are part of every backbone's cache key: a new one is needed whenever a path's output for the same bytes
 * could change.
 */
/** customvision-tfjs' crop and TensorFlow's crop_and_resize: what exported models are fed. */
export const CUSTOMVISION_TFJS_PREPROCESSING = 'cvtfjs-bilinear-srgb-v2';
/** Whole-pixel crop, sharp's antialiased linear resize. */
export const ANTIALIASED_PREPROCESSING = 'cc-linear-srgb-v1';
export type PreprocessingVersion = typeof CUSTOMVISION_TFJS_PREPROCESSING | typeof ANTIALIASED_PREPROCESSING;

export function isPreprocessingVersion(value: string): value is PreprocessingVersion {
  return value === CUSTOMVISION_TFJS_PREPROCESSING || value === ANTIALIASED_PREPROCESSING;
}

/** Description stored with every head and export so a consumer can reproduce the input. */
export interface PreprocessingDescription {
  version: string;
  exifOrientation: 'applied';
  crop: 'centre-square';
  /** 'crop-and-resize-bilinear': TensorFlow's crop_and_resize as customvision-tfjs calls it; 'linear': sharp's. */
  resize: 'crop-and-resize-bilinear' | 'linear';
  colourSpace: 'srgb';
  alpha: 'dropped';
  channelOrder: 'RGB';
  layout: 'NHWC';
  valueRange: [0, 255];
  size: number;
}

export function describePreprocessing(
  size: number,
  version: PreprocessingVersion = CUSTOMVISION_TFJS_PREPROCESSING,
): PreprocessingDescription {
  return {
    version,
    exifOrientation: 'applied',
    crop: 'centre-square',
    resize: version === CUSTOMVISION_TFJS_PREPROCESSING ? 'crop-and-resize-bilinear' : 'linear',
    colourSpace: 'srgb',
    alpha: 'dropped',
    channelOrder: 'RGB',
    layout: 'NHWC',
    valueRange: [0, 255],
    size,
  };
}

/**
 * Default decompression-bomb guard: images whose header claims more pixels are refused before any pixel is decoded.
 * Custom Vision's largest image, 10,240 a side, so every image an upload accepts can be trained on and predicted.
 */
export const DEFAULT_MAX_INPUT_PIXELS = 10_240 * 10_240;

/**
 * Largest image decoded at full resolution by the customvision-tfjs path (which holds every pixel, 3 bytes each):
 * 40 MP covers 8K photos (33 MP). Larger ones are decoded shrunk to fit it (libjpeg's shrink-on-load does most of
 * the work for JPEG), so a 10,240² upload costs 120 MB for the duration of one decode, not 315 MB; the backbones
 * see a few hundred pixels either way.
 */
export const DEFAULT_MAX_DECODED_PIXELS = 40_000_000;

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
  /** Images over this many pixels are refused (ImageTooLargeError); default DEFAULT_MAX_INPUT_PIXELS. */
  maxInputPixels?: number;
  /** Images over this many pixels are decoded at reduced size; default DEFAULT_MAX_DECODED_PIXELS. */
  maxDecodedPixels?: number;
  /** Defaults to the centred square over the short edge. */
  crop?: CropBox;
  /** Which path; defaults to CUSTOMVISION_TFJS_PREPROCESSING. */
  version?: PreprocessingVersion;
}

export interface PreprocessedImage {
  /** Output side: `data` holds size × size × 3 values. */
  size: number;
  /** RGB, row-major, values 0–255 (NHWC for a batch of one). */
  readonly data: Float32Array;
  /**
   * The same values as bytes, when the path produced whole numbers (the antialiased path): backbones take these, so
   * the four-times-larger float copy is only made for callers that read `data`.
   */
  readonly pixels?: Uint8Array;
  /** Oriented (EXIF applied) size of the decoded image. */
  sourceWidth: number;
  sourceHeight: number;
  format: string;
}

/**
 * A preprocessed image held as the decoder's bytes, `data` made from them on first use. Prediction hands `pixels`
 * to the backbone's worker, which makes the floats there: at 8 concurrent ClassifyImage clients the conversion, the
 * mirrored copy and the garbage they left were about a fifth of the event loop (--cpu-prof).
 */
class BytePixels implements PreprocessedImage {
  #floats: Float32Array | undefined;
  constructor(
    readonly size: number,
    readonly pixels: Uint8Array,
    readonly sourceWidth: number,
    readonly sourceHeight: number,
    readonly format: string,
  ) {}
  get data(): Float32Array {
    this.#floats ??= Float32Array.from(this.pixels);
    return this.#floats;
  }
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

/** An image decoded once, oriented, sRGB, 3 interleaved 8-bit channels: every view of it is sampled from here. */
export interface DecodedImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  format: string;
}

/** Reads the header and refuses images over the pixel limit before anything is decoded. */
async function checkedMetadata(bytes: Uint8Array, limitInputPixels: number): Promise<Metadata> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new ImageDecodeError(`not a decodable image: ${messageOf(error)}`, error);
  }
  if (!meta.width || !meta.height) throw new ImageDecodeError('image has no dimensions');
  // Checked from the header ourselves so the error is typed; sharp's own limit is the backstop.
  if (meta.width * meta.height > limitInputPixels) {
    throw new ImageTooLargeError(
      `image is ${meta.width}x${meta.height} (${meta.width * meta.height} px), over the ${limitInputPixels} px limit`,
    );
  }
  return meta;
}

/**
 * Oriented (EXIF applied), sRGB, alpha dropped, 3 × 8-bit interleaved: sharp's decode for both paths, with the
 * antialiased path's crop and resize (or a large image's reduction) in between. Decoder failures become ImageDecodeError.
 */
async function decodeRgb(
  bytes: Uint8Array,
  limitInputPixels: number,
  between: (image: Sharp) => Sharp = (image) => image,
): Promise<{ data: Buffer; info: OutputInfo }> {
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await between(sharp(bytes, { limitInputPixels, failOn: 'error' }).rotate())
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new ImageDecodeError(`image could not be decoded: ${messageOf(error)}`, error);
  }
  if (raw.info.channels !== 3) {
    throw new ImageDecodeError(`unexpected decoder output with ${raw.info.channels} channels`);
  }
  return raw;
}

/**
 * Full-resolution decode with the EXIF orientation applied, as a browser hands an <img> to tf.browser.fromPixels;
 * images over `maxDecodedPixels` are decoded shrunk (aspect kept) to fit that many pixels.
 */
export async function decodeImage(
  bytes: Uint8Array,
  maxInputPixels: number = DEFAULT_MAX_INPUT_PIXELS,
  maxDecodedPixels: number = DEFAULT_MAX_DECODED_PIXELS,
): Promise<DecodedImage> {
  const meta = await checkedMetadata(bytes, maxInputPixels);
  const { width, height } = orientedSize(meta);
  const scale = Math.sqrt(maxDecodedPixels / (width * height));
  const { data, info } = await decodeRgb(
    bytes,
    maxInputPixels,
    scale >= 1
      ? undefined
      : (image) =>
          image.resize(Math.max(1, Math.floor(width * scale)), Math.max(1, Math.floor(height * scale)), {
            fit: 'inside',
          }),
  );
  return {
    pixels: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
    format: meta.format ?? 'unknown',
  };
}

/** Where a crop box lies in pixels: the centre view uses customvision-tfjs' own (unrounded) box. */
export function squareBox(width: number, height: number, crop: CropBox = CENTRE_CROP): SquareBox {
  if (crop.left < 0 && crop.top < 0 && crop.side === 1) return customVisionCentreBox(width, height);
  const rect = cropRect(width, height, crop);
  return { top: rect.top, left: rect.left, side: rect.width };
}

/** One view of a decoded image, by the customvision-tfjs path. */
export function sampleView(image: DecodedImage, size: number, crop: CropBox = CENTRE_CROP): PreprocessedImage {
  const box = squareBox(image.width, image.height, crop);
  return {
    size,
    data: cropAndResizeBilinear(image.pixels, image.width, image.height, 3, box, size),
    sourceWidth: image.width,
    sourceHeight: image.height,
    format: image.format,
  };
}

export async function preprocess(bytes: Uint8Array, options: PreprocessOptions): Promise<PreprocessedImage> {
  if (options.version === ANTIALIASED_PREPROCESSING) {
    return preprocessAntialiased(bytes, options);
  }
  const image = await decodeImage(bytes, options.maxInputPixels, options.maxDecodedPixels);
  return sampleView(image, options.size, options.crop);
}

/** 'cc-linear-srgb-v1': whole-pixel crop, then sharp's antialiased linear resize. */
async function preprocessAntialiased(
  bytes: Uint8Array,
  options: PreprocessOptions,
  known?: Metadata,
): Promise<PreprocessedImage> {
  const limitInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  const meta = known ?? (await checkedMetadata(bytes, limitInputPixels));
  const { width, height } = orientedSize(meta);
  const rect = cropRect(width, height, options.crop);
  const raw = await decodeRgb(bytes, limitInputPixels, (image) =>
    image.extract(rect).resize(options.size, options.size, { kernel: 'linear', fit: 'fill' }),
  );
  if (raw.info.width !== options.size || raw.info.height !== options.size) {
    throw new ImageDecodeError(`unexpected decoder output ${raw.info.width}x${raw.info.height}`);
  }
  const pixels = new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.length);
  return new BytePixels(options.size, pixels, width, height, meta.format ?? 'unknown');
}

/**
 * Largest image the antialiased path decodes once for several crops (3 bytes a pixel held while they are cut): the
 * training photos' 16 MP covers phones; larger ones are decoded once per crop, as a single crop is, which libvips
 * does in strips.
 */
const SHARED_DECODE_PIXELS = 16_000_000;

/**
 * Several crops of one image by the antialiased path: the same pixels as `preprocess` per crop (checked bit for bit),
 * but the image is decoded once and each crop cut and resized from the decoded pixels. Advanced training embeds six
 * crops of every photo: the twelve views of a 1 MP JPEG cost 27–29 ms of CPU one decode per crop, 12–14 ms this way.
 */
export async function preprocessAntialiasedCrops(
  bytes: Uint8Array,
  crops: readonly CropBox[],
  options: Omit<PreprocessOptions, 'crop' | 'version'>,
): Promise<PreprocessedImage[]> {
  const limitInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  const meta = await checkedMetadata(bytes, limitInputPixels);
  const { width, height } = orientedSize(meta);
  if (crops.length < 2 || width * height > SHARED_DECODE_PIXELS) {
    const out: PreprocessedImage[] = [];
    for (const crop of crops) out.push(await preprocessAntialiased(bytes, { ...options, crop }, meta));
    return out;
  }
  const full = await decodeRgb(bytes, limitInputPixels);
  const raw = { width: full.info.width, height: full.info.height, channels: 3 as const };
  return Promise.all(
    crops.map(async (crop) => {
      let data: Buffer;
      try {
        data = await sharp(full.data, { raw })
          .extract(cropRect(raw.width, raw.height, crop))
          .resize(options.size, options.size, { kernel: 'linear', fit: 'fill' })
          .raw({ depth: 'uchar' })
          .toBuffer();
      } catch (error) {
        throw new ImageDecodeError(`image could not be cropped: ${messageOf(error)}`, error);
      }
      const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
      return new BytePixels(options.size, pixels, width, height, meta.format ?? 'unknown');
    }),
  );
}

/** Detection's path: the whole image stretched to a square (no crop: objects near the edges stay in view). */
export const WHOLE_IMAGE_PREPROCESSING = 'whole-linear-srgb-v1';

/** The whole image, oriented, sRGB, resized (sharp's linear kernel, aspect not kept) to size × size. */
export async function preprocessWholeImage(
  bytes: Uint8Array,
  size: number,
  maxInputPixels: number = DEFAULT_MAX_INPUT_PIXELS,
): Promise<PreprocessedImage> {
  const meta = await checkedMetadata(bytes, maxInputPixels);
  const { width, height } = orientedSize(meta);
  const raw = await decodeRgb(bytes, maxInputPixels, (image) =>
    image.resize(size, size, { kernel: 'linear', fit: 'fill' }),
  );
  if (raw.info.width !== size || raw.info.height !== size) {
    throw new ImageDecodeError(`unexpected decoder output ${raw.info.width}x${raw.info.height}`);
  }
  const pixels = new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.length);
  return new BytePixels(size, pixels, width, height, meta.format ?? 'unknown');
}

/** Mirror left-right: the horizontal-flip view, done on pixels so it cannot drift from the unflipped one. */
export function mirrorHorizontally(image: PreprocessedImage): PreprocessedImage {
  if (image.pixels) {
    const mirrored = mirrorRows(image.pixels, new Uint8Array(image.pixels.length), image.size);
    return new BytePixels(image.size, mirrored, image.sourceWidth, image.sourceHeight, image.format);
  }
  return { ...image, data: mirrorRows(image.data, new Float32Array(image.data.length), image.size) };
}

function mirrorRows<T extends Float32Array | Uint8Array>(data: T, out: T, size: number): T {
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
  return out;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
