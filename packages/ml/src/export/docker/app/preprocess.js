/**
 * Image → model input, exactly as the cvkit server prepares images for training and prediction
 * (packages/ml/src/preprocess, version cc-linear-srgb-v1), so the container answers what the
 * server answered:
 *
 *   decode → apply the EXIF orientation → crop the centred square of the shorter side →
 *   resize to size × size with sharp's linear kernel → sRGB, alpha dropped → RGB float 0–255 (NHWC).
 *
 * The model scales 0–255 to its backbone's range itself.
 */
import sharp from 'sharp';

/** Refuses decompression bombs before decoding: 40 MP covers 8K photos. */
const MAX_INPUT_PIXELS = 40_000_000;

export class ImageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ImageError';
  }
}

/** EXIF orientations 5–8 swap width and height. */
function orientedSize({ width, height, orientation = 1 }) {
  return orientation >= 5 && orientation <= 8 ? { width: height, height: width } : { width, height };
}

function centreSquare(width, height) {
  const side = Math.min(width, height);
  return { left: Math.floor((width - side) / 2), top: Math.floor((height - side) / 2), width: side, height: side };
}

/** @returns {Promise<Float32Array>} size × size × 3 RGB values in 0–255. */
export async function preprocess(bytes, size) {
  let meta;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new ImageError(`not a decodable image: ${error.message}`);
  }
  if (!meta.width || !meta.height) throw new ImageError('image has no dimensions');
  if (meta.width * meta.height > MAX_INPUT_PIXELS) {
    throw new ImageError(`image is ${meta.width}x${meta.height}, over the ${MAX_INPUT_PIXELS} pixel limit`);
  }
  const { width, height } = orientedSize(meta);
  let pixels;
  try {
    pixels = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate()
      .extract(centreSquare(width, height))
      .resize(size, size, { kernel: 'linear', fit: 'fill' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer();
  } catch (error) {
    throw new ImageError(`image could not be decoded: ${error.message}`);
  }
  if (pixels.length !== size * size * 3) throw new ImageError(`unexpected decoder output (${pixels.length} bytes)`);
  return Float32Array.from(pixels);
}
