/**
 * Image → model input, exactly as the cvkit server prepares images for training and prediction
 * (packages/ml/src/preprocess, version cvtfjs-bilinear-srgb-v2), so the container answers what the
 * server answered:
 *
 *   decode → apply the EXIF orientation → sRGB, alpha dropped → the centred square of the shorter
 *   side, unrounded → TensorFlow's crop_and_resize (bilinear, no antialiasing) to size × size →
 *   RGB float 0–255 (NHWC).
 *
 * That is also what @microsoft/customvision-tfjs does in a browser, so the container, the server
 * and a Custom Vision web app agree. The model scales 0–255 to its backbone's range itself.
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

/** The centred square customvision-tfjs crops (offsets may be half pixels). */
function centreSquare(width, height) {
  return {
    top: height > width ? (height - width) / 2 : 0,
    left: height > width ? 0 : (width - height) / 2,
    side: Math.min(width, height),
  };
}

/**
 * tf.image.cropAndResize (bilinear, one box) as tfjs-backend-cpu computes it: float32 box corners,
 * float64 sampling, float32 output, 0 outside the image.
 */
function cropAndResize(pixels, width, height, box, size) {
  const y1 = Math.fround(box.top / height);
  const x1 = Math.fround(box.left / width);
  const y2 = Math.fround((box.top + box.side) / height);
  const x2 = Math.fround((box.left + box.side) / width);
  const heightScale = size > 1 ? ((y2 - y1) * (height - 1)) / (size - 1) : 0;
  const widthScale = size > 1 ? ((x2 - x1) * (width - 1)) / (size - 1) : 0;
  const out = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const yInd = size > 1 ? y1 * (height - 1) + y * heightScale : 0.5 * (y1 + y2) * (height - 1);
    if (yInd < 0 || yInd > height - 1) continue;
    const top = Math.floor(yInd);
    const bottom = Math.ceil(yInd);
    const yLerp = yInd - top;
    for (let x = 0; x < size; x++) {
      const xInd = size > 1 ? x1 * (width - 1) + x * widthScale : 0.5 * (x1 + x2) * (width - 1);
      if (xInd < 0 || xInd > width - 1) continue;
      const left = Math.floor(xInd);
      const right = Math.ceil(xInd);
      const xLerp = xInd - left;
      for (let c = 0; c < 3; c++) {
        const tl = pixels[(top * width + left) * 3 + c];
        const tr = pixels[(top * width + right) * 3 + c];
        const bl = pixels[(bottom * width + left) * 3 + c];
        const br = pixels[(bottom * width + right) * 3 + c];
        const upper = tl + (tr - tl) * xLerp;
        const lower = bl + (br - bl) * xLerp;
        out[(y * size + x) * 3 + c] = upper + (lower - upper) * yLerp;
      }
    }
  }
  return out;
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
  let decoded;
  try {
    decoded = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new ImageError(`image could not be decoded: ${error.message}`);
  }
  const { width, height, channels } = decoded.info;
  if (channels !== 3) throw new ImageError(`unexpected decoder output (${channels} channels)`);
  return cropAndResize(decoded.data, width, height, centreSquare(width, height), size);
}
