/**
 * The server's resampler against TensorFlow.js' own crop_and_resize kernel on its CPU backend (the
 * backend @microsoft/customvision-tfjs runs in Node): the same float32 values, not merely close
 * ones, on odd sizes, half-pixel boxes and the box edge where float32 rounding pushes a sample
 * outside the image.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { PYTHON_CROP_AND_RESIZE } from '../src/export/package-files.ts';
import { cropAndResizeBilinear, customVisionCentreBox, type SquareBox } from '../src/preprocess/crop-and-resize.ts';
import { preprocess } from '../src/preprocess/preprocess.ts';
import { expectSameBits } from './helpers/float-bits.ts';
import { seededBytes } from './helpers/images.ts';

const havePythonNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
}, 60_000);

/** customvision-tfjs' call: the box as fractions of the image, one box, bilinear. */
function tfCropAndResize(rgb: Uint8Array, width: number, height: number, box: SquareBox, size: number) {
  return tf.tidy(() => {
    const image = tf.tensor4d(Float32Array.from(rgb), [1, height, width, 3]);
    const boxes = [[box.top / height, box.left / width, (box.top + box.side) / height, (box.left + box.side) / width]];
    return tf.image.cropAndResize(image, boxes, [0], [size, size]).dataSync() as Float32Array;
  });
}

// TF.js' CPU kernel takes about 0.5 s per 224×224 crop on an idle core (numpy about as long to start): the budgets
// allow for a machine busy with other work.
const BUDGET = { timeout: 60_000 };

describe('cropAndResizeBilinear', BUDGET, () => {
  it('is TF.js crop_and_resize to the bit, for customvision-tfjs centre boxes', () => {
    const cases: [number, number, number][] = [
      [301, 200, 224], // landscape, odd difference: half-pixel box
      [200, 301, 224], // portrait
      [640, 480, 224],
      [97, 97, 224], // square and upsampled
      [1000, 333, 17],
      [5, 3, 8],
    ];
    for (const [width, height, size] of cases) {
      const rgb = seededBytes(width * height * 3, width * 7 + height);
      const box = customVisionCentreBox(width, height);
      const ours = cropAndResizeBilinear(rgb, width, height, 3, box, size);
      expectSameBits(ours, tfCropAndResize(rgb, width, height, box, size), `${width}x${height}→${size}`);
    }
  });

  it('leaves the last row black where TF.js does (float rounding puts the sample just past the image)', () => {
    // For a landscape image 463 px high, (463 − 1) / 223 · 223 exceeds 462 by one ulp: TF.js extrapolates with 0.
    const rgb = seededBytes(700 * 463 * 3, 5);
    const box = customVisionCentreBox(700, 463);
    const ours = cropAndResizeBilinear(rgb, 700, 463, 3, box, 224);
    expectSameBits(ours, tfCropAndResize(rgb, 700, 463, box, 224));
    expect(ours.subarray(223 * 224 * 3).every((v) => v === 0)).toBe(true);
    expect(ours.subarray(222 * 224 * 3, 223 * 224 * 3).some((v) => v > 0)).toBe(true);
  });

  it('matches off-centre boxes too (the training views)', () => {
    const rgb = seededBytes(400 * 250 * 3, 3);
    for (const box of [
      { top: 0, left: 0, side: 200 },
      { top: 50, left: 200, side: 200 },
      { top: 12.5, left: 77, side: 111 },
    ]) {
      expectSameBits(cropAndResizeBilinear(rgb, 400, 250, 3, box, 64), tfCropAndResize(rgb, 400, 250, box, 64));
    }
  });

  it('reads the first three of four channels (RGBA input)', () => {
    const rgba = seededBytes(30 * 20 * 4, 9);
    const rgb = new Uint8Array(30 * 20 * 3);
    for (let i = 0; i < 30 * 20; i++) rgb.set(rgba.subarray(i * 4, i * 4 + 3), i * 3);
    const box = customVisionCentreBox(30, 20);
    expect(cropAndResizeBilinear(rgba, 30, 20, 4, box, 12)).toEqual(cropAndResizeBilinear(rgb, 30, 20, 3, box, 12));
  });
});

describe('preprocess (customvision-tfjs path, the default)', BUDGET, () => {
  it('gives what customvision-tfjs feeds its model: oriented pixels through TF.js crop_and_resize', async () => {
    const width = 333;
    const height = 250;
    const raw = seededBytes(width * height * 3, 42);
    // Stored sideways (EXIF orientation 6): the oriented image is 250×333.
    const png = await sharp(raw, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer();
    const jpeg = await sharp(png).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const oriented = await sharp(jpeg).rotate().raw().toBuffer({ resolveWithObject: true });
    expect([oriented.info.width, oriented.info.height]).toEqual([height, width]);
    const expected = tfCropAndResize(
      new Uint8Array(oriented.data),
      oriented.info.width,
      oriented.info.height,
      customVisionCentreBox(oriented.info.width, oriented.info.height),
      224,
    );
    expectSameBits((await preprocess(jpeg, { size: 224 })).data, expected);
  });
});

describe('the Python crop_and_resize in the ONNX export README', BUDGET, () => {
  it.skipIf(!havePythonNumpy)('gives the server’s float32 values (python3 with numpy runs it)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cvkit-crop-py-'));
    try {
      const cases: [number, number][] = [
        [700, 463],
        [301, 200],
        [200, 301],
        [97, 97],
      ];
      cases.forEach(([w, h], i) => {
        writeFileSync(path.join(dir, `${i}.rgb`), seededBytes(w * h * 3, 100 + i));
      });
      const script = [
        'import json, sys',
        'import numpy as np',
        PYTHON_CROP_AND_RESIZE,
        `for i, (w, h) in enumerate(json.loads(sys.argv[2])):`,
        `    px = np.fromfile(f'{sys.argv[1]}/{i}.rgb', dtype=np.uint8).reshape(h, w, 3).astype(np.float32)`,
        `    crop_and_resize(px, 224).tofile(f'{sys.argv[1]}/{i}.out')`,
      ].join('\n');
      const run = spawnSync('python3', ['-c', script, dir, JSON.stringify(cases)], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      cases.forEach(([w, h], i) => {
        const rgb = new Uint8Array(readFileSync(path.join(dir, `${i}.rgb`)));
        const out = readFileSync(path.join(dir, `${i}.out`));
        const python = new Float32Array(out.buffer, out.byteOffset, out.length / 4);
        const ours = cropAndResizeBilinear(rgb, w, h, 3, customVisionCentreBox(w, h), 224);
        expectSameBits(python, ours, `${w}x${h}`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
