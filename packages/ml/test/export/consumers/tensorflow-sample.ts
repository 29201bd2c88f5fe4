/**
 * What Azure-Samples/customvision-export-samples' `python/tensorflow/classification/predict.py` and
 * `python/tensorflow_lite/classification/predict.py` feed a Custom Vision TensorFlow export:
 * `PIL.Image.open(path).resize(input_shape)` (the whole stored image, no EXIF rotation, no crop, Pillow's bicubic),
 * `np.array(image, dtype=np.float32)[np.newaxis]`, then channels reversed to BGR. NHWC float 0–255.
 */
import sharp from 'sharp';
import { pilResizeRgb } from './pil-resize.ts';

export async function microsoftTensorFlowInput(imageBytes: Uint8Array, size: number): Promise<Float32Array> {
  const { data, info } = await sharp(imageBytes).raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`the sample expects an RGB image, got ${info.channels} channels`);
  return reverseChannels(pilResizeRgb(new Uint8Array(data), info.width, info.height, size, size));
}

/** Interleaved RGB ↔ BGR, as float32. */
export function reverseChannels(pixels: ArrayLike<number>): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i += 3) {
    out[i] = pixels[i + 2]!;
    out[i + 1] = pixels[i + 1]!;
    out[i + 2] = pixels[i]!;
  }
  return out;
}
