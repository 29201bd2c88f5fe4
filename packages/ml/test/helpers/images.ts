/** Small synthetic images made with sharp, so unit tests need no data files. */
import sharp, { type Sharp } from 'sharp';

export type Rgb = [number, number, number];

export function solid(width: number, height: number, colour: Rgb, format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const img = sharp({
    create: { width, height, channels: 3, background: { r: colour[0], g: colour[1], b: colour[2] } },
  });
  return (format === 'png' ? img.png() : img.jpeg({ quality: 95 })).toBuffer();
}

/** Raw RGB pixels from a function of (x, y). */
export function fromFunction(width: number, height: number, pixel: (x: number, y: number) => Rgb): Sharp {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  }
  return sharp(data, { raw: { width, height, channels: 3 } });
}

/** Vertical bands of equal width, left to right. */
export function verticalBands(width: number, height: number, colours: Rgb[]): Sharp {
  return fromFunction(
    width,
    height,
    (x) => colours[Math.min(colours.length - 1, Math.floor((x * colours.length) / width))]!,
  );
}

/** Horizontal bands of equal height, top to bottom. */
export function horizontalBands(width: number, height: number, colours: Rgb[]): Sharp {
  return fromFunction(
    width,
    height,
    (_, y) => colours[Math.min(colours.length - 1, Math.floor((y * colours.length) / height))]!,
  );
}

/** Pixel (x, y) of an NHWC float image of side `size`. */
export function pixelAt(data: Float32Array, size: number, x: number, y: number): Rgb {
  const i = (y * size + x) * 3;
  return [data[i]!, data[i + 1]!, data[i + 2]!];
}

export function expectClose(actual: Rgb, expected: Rgb, tolerance: number): void {
  for (let c = 0; c < 3; c++) {
    if (Math.abs(actual[c]! - expected[c]!) > tolerance) {
      throw new Error(`pixel ${JSON.stringify(actual)} is not within ${tolerance} of ${JSON.stringify(expected)}`);
    }
  }
}

export const RED: Rgb = [255, 0, 0];
export const GREEN: Rgb = [0, 255, 0];
export const BLUE: Rgb = [0, 0, 255];
export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];

/** Deterministic noise bytes (xorshift32): images whose every pixel differs, so resampling errors show. */
export function seededBytes(length: number, seed: number): Uint8Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}
