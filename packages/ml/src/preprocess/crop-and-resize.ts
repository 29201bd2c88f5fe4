/**
 * TensorFlow's `crop_and_resize` (bilinear, one box) on interleaved 8-bit RGB pixels: the resampler
 * `@microsoft/customvision-tfjs` runs on every image before its model, reproduced number for number so the server
 * feeds a network exactly what a Custom Vision web app feeds the exported one.
 *
 * What makes it distinctive, and why it matters to match it rather than resample "better": each output pixel is a
 * bilinear blend of the four source pixels nearest to one point, with no low-pass filter, so a 3000-pixel photo
 * shrunk to 224 keeps aliasing a box filter would remove. Near-tie predictions move by tenths when the sampler
 * changes (measured on the Azure quickstart's held-out hemlock), so "almost the same resize" is not enough.
 *
 * The arithmetic follows tfjs-backend-cpu's kernel: box corners are float32 (they travel in a tensor), sampling
 * positions and blends are float64, outputs are stored as float32, and positions outside the image take the
 * extrapolation value 0.
 */

/** A crop as customvision-tfjs builds it: pixel offsets and side in the (oriented) source image. */
export interface SquareBox {
  top: number;
  left: number;
  side: number;
}

/**
 * The centred square customvision-tfjs' ClassificationModel crops: offsets are not rounded, so an odd difference
 * between the sides puts the box on a half pixel.
 */
export function customVisionCentreBox(width: number, height: number): SquareBox {
  return {
    top: height > width ? (height - width) / 2 : 0,
    left: height > width ? 0 : (width - height) / 2,
    side: Math.min(width, height),
  };
}

/**
 * Samples `box` of an interleaved RGB image (`channels` values per pixel, the first three used) to size × size × 3
 * float32 values in 0–255.
 */
export function cropAndResizeBilinear(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  box: SquareBox,
  size: number,
): Float32Array {
  const y1 = Math.fround(box.top / height);
  const x1 = Math.fround(box.left / width);
  const y2 = Math.fround((box.top + box.side) / height);
  const x2 = Math.fround((box.left + box.side) / width);
  const heightScale = size > 1 ? ((y2 - y1) * (height - 1)) / (size - 1) : 0;
  const widthScale = size > 1 ? ((x2 - x1) * (width - 1)) / (size - 1) : 0;
  const out = new Float32Array(size * size * 3);
  // Horizontal sampling positions are the same on every row.
  const left = new Int32Array(size);
  const right = new Int32Array(size);
  const xLerp = new Float64Array(size);
  const xInside = new Uint8Array(size);
  for (let x = 0; x < size; x++) {
    const xInd = size > 1 ? x1 * (width - 1) + x * widthScale : 0.5 * (x1 + x2) * (width - 1);
    if (xInd < 0 || xInd > width - 1) continue;
    xInside[x] = 1;
    left[x] = Math.floor(xInd);
    right[x] = Math.ceil(xInd);
    xLerp[x] = xInd - left[x]!;
  }
  const rowStride = width * channels;
  for (let y = 0; y < size; y++) {
    const yInd = size > 1 ? y1 * (height - 1) + y * heightScale : 0.5 * (y1 + y2) * (height - 1);
    if (yInd < 0 || yInd > height - 1) continue; // extrapolation value 0: the row stays zero
    const topRow = Math.floor(yInd) * rowStride;
    const bottomRow = Math.ceil(yInd) * rowStride;
    const yLerp = yInd - Math.floor(yInd);
    for (let x = 0; x < size; x++) {
      if (!xInside[x]) continue;
      const l = left[x]! * channels;
      const r = right[x]! * channels;
      const xl = xLerp[x]!;
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        const topLeft = pixels[topRow + l + c]!;
        const topRight = pixels[topRow + r + c]!;
        const bottomLeft = pixels[bottomRow + l + c]!;
        const bottomRight = pixels[bottomRow + r + c]!;
        const top = topLeft + (topRight - topLeft) * xl;
        const bottom = bottomLeft + (bottomRight - bottomLeft) * xl;
        out[o + c] = top + (bottom - top) * yLerp;
      }
    }
  }
  return out;
}
