/**
 * Pillow's `Image.resize(size)` for 8-bit RGB images, ported from libImaging/Resample.c (Pillow
 * 7–11), so the ONNX consumer test resizes exactly as the Azure sample's
 * `PIL.Image.open(path).resize(shape)` does. Its default filter for RGB is BICUBIC (a = −0.5,
 * support 2, widened by the scale factor when shrinking, so it antialiases); coefficients are
 * fixed point with 22 fractional bits; the horizontal pass runs first and is clipped to uint8
 * before the vertical pass. Checked once against Pillow 9.4 (Debian's python3-pil) on dataset
 * photos: identical bytes (see docs/exports.md).
 */

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);
const BICUBIC_SUPPORT = 2;

function bicubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

interface Coefficients {
  /** Per output index: first input index and count. */
  first: Int32Array;
  count: Int32Array;
  /** Fixed-point weights, `kernelSize` per output index. */
  weights: Int32Array;
  kernelSize: number;
}

/** precompute_coeffs + normalize_coeffs_8bpc for the box [0, inSize). */
function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = BICUBIC_SUPPORT * filterScale;
  const kernelSize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * kernelSize);
  const k = new Float64Array(kernelSize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterScale;
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = bicubic((x + xmin - center + 0.5) * ss);
      sum += k[x]!;
    }
    for (let x = 0; x < xmax; x++) {
      const w = sum !== 0 ? k[x]! / sum : k[x]!;
      weights[xx * kernelSize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    first[xx] = xmin;
    count[xx] = xmax;
  }
  return { first, count, weights, kernelSize };
}

function clip8(value: number): number {
  if (value >= ONE * 256) return 255;
  if (value <= 0) return 0;
  return Math.floor(value / ONE);
}

/**
 * Resizes interleaved RGB bytes (`width × height × 3`) to `outWidth × outHeight` as Pillow does,
 * including its shortcut: same size → unchanged copy.
 */
export function pilResizeRgb(
  rgb: Uint8Array,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
): Uint8Array {
  if (rgb.length !== width * height * 3) throw new Error(`expected ${width}×${height}×3 bytes, got ${rgb.length}`);
  if (width === outWidth && height === outHeight) return rgb.slice();
  let source = rgb;
  let sourceWidth = width;
  if (outWidth !== width) {
    const c = coefficients(width, outWidth);
    const out = new Uint8Array(outWidth * height * 3);
    for (let y = 0; y < height; y++) {
      for (let xx = 0; xx < outWidth; xx++) {
        const xmin = c.first[xx]!;
        const k = xx * c.kernelSize;
        for (let ch = 0; ch < 3; ch++) {
          let ss = HALF;
          for (let x = 0; x < c.count[xx]!; x++) ss += rgb[(y * width + x + xmin) * 3 + ch]! * c.weights[k + x]!;
          out[(y * outWidth + xx) * 3 + ch] = clip8(ss);
        }
      }
    }
    source = out;
    sourceWidth = outWidth;
  }
  if (outHeight === height) return source;
  const c = coefficients(height, outHeight);
  const out = new Uint8Array(sourceWidth * outHeight * 3);
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = c.first[yy]!;
    const k = yy * c.kernelSize;
    for (let x = 0; x < sourceWidth; x++) {
      for (let ch = 0; ch < 3; ch++) {
        let ss = HALF;
        for (let y = 0; y < c.count[yy]!; y++)
          ss += source[((y + ymin) * sourceWidth + x) * 3 + ch]! * c.weights[k + y]!;
        out[(yy * sourceWidth + x) * 3 + ch] = clip8(ss);
      }
    }
  }
  return out;
}
