import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageDecodeError, ImageTooLargeError } from '../src/errors.ts';
import {
  ANTIALIASED_PREPROCESSING,
  cropRect,
  DEFAULT_MAX_DECODED_PIXELS,
  DEFAULT_MAX_INPUT_PIXELS,
  decodeImage,
  describePreprocessing,
  mirrorHorizontally,
  preprocess,
} from '../src/preprocess/preprocess.ts';
import { preprocessViews, VIEW_CROPS, VIEW_NAMES } from '../src/preprocess/views.ts';
import { treeImages } from './export/helpers/fixtures.ts';
import {
  BLACK,
  BLUE,
  expectClose,
  fromFunction,
  GREEN,
  horizontalBands,
  pixelAt,
  RED,
  solid,
  verticalBands,
  WHITE,
} from './helpers/images.ts';

const SIZE = 224;

describe('preprocess', () => {
  it('returns size x size x 3 RGB floats in 0-255, channels in RGB order', async () => {
    const out = await preprocess(await solid(300, 200, [200, 100, 50]), { size: SIZE });
    expect(out.size).toBe(SIZE);
    expect(out.data).toBeInstanceOf(Float32Array);
    expect(out.data.length).toBe(SIZE * SIZE * 3);
    expect(out.sourceWidth).toBe(300);
    expect(out.sourceHeight).toBe(200);
    expect(out.format).toBe('png');
    for (const [x, y] of [
      [0, 0],
      [111, 57],
      [223, 223],
    ] as const) {
      expect(pixelAt(out.data, SIZE, x, y)).toEqual([200, 100, 50]);
    }
  });

  it('keeps the full 0-255 range', async () => {
    const out = await preprocess(await (await horizontalBands(64, 64, [BLACK, WHITE])).png().toBuffer(), { size: 32 });
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const v of out.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBe(0);
    expect(max).toBe(255);
  });

  it('crops the centre square of a landscape image', async () => {
    // Three 100 px bands: the centre square is exactly the green one. crop_and_resize maps the box onto pixel
    // centres scaled by (width − 1), so the outermost output columns blend in a third of the neighbouring band,
    // as in customvision-tfjs.
    const png = await verticalBands(300, 100, [RED, GREEN, BLUE]).png().toBuffer();
    const out = await preprocess(png, { size: SIZE });
    for (const x of [1, 5, 112, 218, 222]) expectClose(pixelAt(out.data, SIZE, x, 112), GREEN, 1);
    expect(pixelAt(out.data, SIZE, 0, 112)[0]).toBeGreaterThan(40); // some red at the left edge
    expect(pixelAt(out.data, SIZE, 223, 112)[2]).toBeGreaterThan(40); // some blue at the right edge
  });

  it('crops the centre square of a portrait image', async () => {
    const png = await horizontalBands(100, 300, [RED, GREEN, BLUE]).png().toBuffer();
    const out = await preprocess(png, { size: SIZE });
    for (const y of [1, 112, 222]) expectClose(pixelAt(out.data, SIZE, 112, y), GREEN, 1);
  });

  it('applies EXIF orientation before cropping (orientation 3: stored upside down)', async () => {
    // Stored: red on top, blue at the bottom; orientation 3 says "rotate 180° to display".
    const jpeg = await horizontalBands(200, 200, [RED, BLUE])
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 3 })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(3);
    const out = await preprocess(jpeg, { size: SIZE });
    expectClose(pixelAt(out.data, SIZE, 112, 10), BLUE, 40);
    expectClose(pixelAt(out.data, SIZE, 112, 213), RED, 40);
  });

  it('swaps width and height for EXIF orientations 5-8 (orientation 6: rotate 90° clockwise)', async () => {
    // Stored 300x100 with bands red|green|blue left to right; displayed it is 100x300, red on top.
    const jpeg = await verticalBands(300, 100, [RED, GREEN, BLUE])
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const out = await preprocess(jpeg, { size: SIZE });
    expect([out.sourceWidth, out.sourceHeight]).toEqual([100, 300]);
    // The centre square of the displayed image is the middle band.
    expectClose(pixelAt(out.data, SIZE, 112, 112), GREEN, 40);
    expectClose(pixelAt(out.data, SIZE, 5, 5), GREEN, 40);
  });

  it('decodes JPEG and PNG of the same picture to nearly the same values', async () => {
    const png = await preprocess(await solid(64, 48, [30, 160, 220], 'png'), { size: 32 });
    const jpeg = await preprocess(await solid(64, 48, [30, 160, 220], 'jpeg'), { size: 32 });
    let maxDiff = 0;
    for (let i = 0; i < png.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(png.data[i]! - jpeg.data[i]!));
    expect(maxDiff).toBeLessThanOrEqual(4);
  });

  it('turns greyscale into three equal channels and drops alpha', async () => {
    const grey = await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 90, g: 90, b: 90 } } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    expect(pixelAt((await preprocess(grey, { size: 16 })).data, 16, 8, 8)).toEqual([90, 90, 90]);
    const rgba = await sharp({
      create: { width: 40, height: 40, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    const out = await preprocess(rgba, { size: 16 });
    expect(out.data.length).toBe(16 * 16 * 3);
    // Resizing premultiplies by alpha and back, which can round a value down by one.
    expectClose(pixelAt(out.data, 16, 8, 8), [10, 20, 30], 1);
  });

  it('is deterministic', async () => {
    const png = await fromFunction(120, 90, (x, y) => [(x * 7) % 256, (y * 5) % 256, (x * y) % 256])
      .png()
      .toBuffer();
    const a = await preprocess(png, { size: SIZE });
    const b = await preprocess(png, { size: SIZE });
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
  });

  it('rejects bytes that are not an image with ImageDecodeError', async () => {
    await expect(preprocess(Buffer.from('definitely not an image'), { size: SIZE })).rejects.toBeInstanceOf(
      ImageDecodeError,
    );
    await expect(preprocess(new Uint8Array(0), { size: SIZE })).rejects.toBeInstanceOf(ImageDecodeError);
  });

  it('rejects a truncated JPEG with ImageDecodeError', async () => {
    const jpeg = await fromFunction(200, 200, (x, y) => [x % 256, y % 256, (x + y) % 256])
      .jpeg()
      .toBuffer();
    await expect(preprocess(jpeg.subarray(0, jpeg.length >> 1), { size: SIZE })).rejects.toBeInstanceOf(
      ImageDecodeError,
    );
  });

  it('refuses images over the pixel limit before decoding them (decompression bombs)', async () => {
    // 4000x4000 of one colour: a small file that would decode to 48 MB.
    const bomb = await solid(4000, 4000, [1, 2, 3]);
    expect(bomb.length).toBeLessThan(1_000_000);
    const error = await preprocess(bomb, { size: SIZE, maxInputPixels: 1_000_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageTooLargeError);
    expect(error).toBeInstanceOf(ImageDecodeError);
  });

  it('decodes images up to Custom Vision’s 10,240-pixel sides, shrunk to the decode budget past 40 MP', async () => {
    expect(DEFAULT_MAX_INPUT_PIXELS).toBe(10_240 * 10_240);
    // 10,240 × 5,000 (51 MP, over the old 40 MP refusal): left half red, right half blue.
    const wide = await sharp({ create: { width: 10_240, height: 5_000, channels: 3, background: [200, 30, 30] } })
      .composite([
        {
          input: { create: { width: 5_120, height: 5_000, channels: 3, background: [30, 30, 200] } },
          left: 5_120,
          top: 0,
        },
      ])
      .jpeg()
      .toBuffer();
    const decoded = await decodeImage(wide);
    expect(decoded.width * decoded.height).toBeLessThanOrEqual(DEFAULT_MAX_DECODED_PIXELS);
    expect(decoded.width / decoded.height).toBeCloseTo(10_240 / 5_000, 2);
    for (const version of [undefined, ANTIALIASED_PREPROCESSING] as const) {
      const out = await preprocess(wide, { size: 16, version });
      expect([out.sourceWidth, out.sourceHeight]).toEqual(version ? [10_240, 5_000] : [decoded.width, decoded.height]);
      // The centre square straddles the halves: red on its left edge, blue on its right.
      const left = pixelAt(out.data, 16, 0, 8);
      const right = pixelAt(out.data, 16, 15, 8);
      expect(left[0]! - left[2]!).toBeGreaterThan(100);
      expect(right[2]! - right[0]!).toBeGreaterThan(100);
    }
  }, 60_000);

  it('describes itself for heads and exports', () => {
    expect(describePreprocessing(224)).toMatchObject({
      crop: 'centre-square',
      exifOrientation: 'applied',
      channelOrder: 'RGB',
      layout: 'NHWC',
      valueRange: [0, 255],
      size: 224,
    });
  });
});

describe('views', () => {
  it('mirrors pixels exactly', async () => {
    const png = await verticalBands(100, 100, [RED, BLUE]).png().toBuffer();
    const out = await preprocess(png, { size: 16 });
    const mirrored = mirrorHorizontally(out);
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) expect(pixelAt(mirrored.data, 16, x, y)).toEqual(pixelAt(out.data, 16, 15 - x, y));
    }
    expect(pixelAt(mirrored.data, 16, 0, 0)).toEqual(BLUE);
  });

  it('places corner crops in the corners of the oriented image', () => {
    expect(cropRect(1000, 500, VIEW_CROPS['top-left'].crop)).toEqual({ left: 0, top: 0, width: 400, height: 400 });
    expect(cropRect(1000, 500, VIEW_CROPS['bottom-right'].crop)).toEqual({
      left: 600,
      top: 100,
      width: 400,
      height: 400,
    });
    expect(cropRect(1000, 500, VIEW_CROPS.centre.crop)).toEqual({ left: 250, top: 0, width: 500, height: 500 });
    expect(cropRect(1000, 500, VIEW_CROPS.zoom.crop)).toEqual({ left: 300, top: 50, width: 400, height: 400 });
  });

  it('prepares every view through the same path, mirrored views from their unmirrored pixels', async () => {
    // Quadrants: red top-left, green top-right, blue bottom-left, white bottom-right.
    const png = await fromFunction(200, 200, (x, y) => (y < 100 ? (x < 100 ? RED : GREEN) : x < 100 ? BLUE : WHITE))
      .png()
      .toBuffer();
    const views = await preprocessViews(png, ['centre', 'top-left', 'top-left-mirrored', 'bottom-right'], { size: 32 });
    expect(pixelAt(views.get('top-left')!.data, 32, 2, 2)).toEqual(RED);
    expect(pixelAt(views.get('top-left-mirrored')!.data, 32, 29, 2)).toEqual(RED);
    expect(pixelAt(views.get('bottom-right')!.data, 32, 29, 29)).toEqual(WHITE);
    const direct = await preprocess(png, { size: 32 });
    expect(views.get('centre')!.data).toEqual(direct.data);
  });
});

describe('antialiased images held as bytes', () => {
  it('keep the decoder’s bytes in `pixels`, give the same values as floats in `data`, and mirror both alike', async () => {
    // Brighter to the right, so a mirror differs from the image.
    const raw = Buffer.alloc(300 * 200 * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = Math.floor((((i / 3) % 300) / 300) * 255);
    const bytes = await sharp(raw, { raw: { width: 300, height: 200, channels: 3 } })
      .png()
      .toBuffer();
    const image = await preprocess(bytes, { size: 32, version: ANTIALIASED_PREPROCESSING });
    expect(image.pixels).toBeInstanceOf(Uint8Array);
    expect(image.pixels!.length).toBe(32 * 32 * 3);
    expect(Array.from(image.data)).toEqual(Array.from(image.pixels!));
    const mirrored = mirrorHorizontally(image);
    expect(mirrored.pixels).toBeInstanceOf(Uint8Array);
    // The mirror of the bytes is the mirror of the floats, and not the image itself.
    const floatMirror = mirrorHorizontally({ ...image, data: image.data, pixels: undefined });
    expect(floatMirror.pixels).toBeUndefined();
    expect(Array.from(mirrored.data)).toEqual(Array.from(floatMirror.data));
    expect(Array.from(mirrored.data)).not.toEqual(Array.from(image.data));
    // The customvision-tfjs path makes fractions: floats only.
    expect((await preprocess(bytes, { size: 32 })).pixels).toBeUndefined();
  });
});

describe('several crops of one photo (antialiased path)', () => {
  it('are decoded once and give, bit for bit, what one preprocess per crop gives', async () => {
    const [photo] = treeImages().filter((t) => t.name.includes('japanese_cherry_8')); // EXIF orientation 3
    const views = await preprocessViews(photo!.bytes, VIEW_NAMES, { size: 96, version: ANTIALIASED_PREPROCESSING });
    for (const view of VIEW_NAMES) {
      const { crop, mirrored } = VIEW_CROPS[view];
      const alone = await preprocess(photo!.bytes, { size: 96, version: ANTIALIASED_PREPROCESSING, crop });
      const expected = mirrored ? mirrorHorizontally(alone) : alone;
      expect(Buffer.from(views.get(view)!.pixels!).equals(Buffer.from(expected.pixels!)), view).toBe(true);
    }
    // Not vacuous: the crops differ.
    expect(Buffer.from(views.get('top-left')!.pixels!).equals(Buffer.from(views.get('bottom-right')!.pixels!))).toBe(
      false,
    );
  });
});
