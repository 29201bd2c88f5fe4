/**
 * Consumer test (issue 9): cvkit's TF.js export loaded by @microsoft/customvision-tfjs 1.3.0 itself
 * — `new ClassificationModel()`, `loadModelAsync(url)`, `executeAsync(pixels)` — on its own tfjs
 * 3.x in a child process, the files served over HTTP on 127.0.0.1. Compared with the backbone +
 * head run by TF.js 4 in-process on the server's preprocessing.
 *
 * Two questions, two tests: (1) given the same pixels (as a tensor), does its runtime compute our
 * probabilities? (2) with its own preprocessing (centre crop, then cropAndResize, i.e. bilinear
 * sampling without antialiasing, of the full photo), does a user get the server's answer? The
 * server samples with the same crop_and_resize (src/preprocess/crop-and-resize.ts, bit-exact against
 * TF.js' kernel), so the answer must hold on every photo, including the quickstart's near tie.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTfjs, type LinearHead } from '../../../src/export/index.ts';
import {
  InProcessClassifier,
  initTf,
  loadMidBackbone,
  maxAbsDiff,
  preprocess,
  randomHead,
  syntheticImages,
} from '../helpers/fixtures.ts';
import { type RunnerImage, type RunnerOutput, runCustomVisionTfjs, serveExports } from './customvision-tfjs.ts';
import { argmax, loadDatasets, trainServerHead } from './dataset-heads.ts';

const EXACT_TOLERANCE = 1e-3;
const AGREEMENT_TOLERANCE = 0.02;
/** Below this top probability an answer is a near tie: reported, since a different resampler would flip it. */
const NEAR_TIE = 0.9;
const FEATURE_DIM = 1792;
const DATASETS = loadDatasets();
/**
 * Held-out photos for the library's own preprocessing (its CPU backend takes ~3 s per photo, so
 * not all of them): every test/ photo, the one stored upside down (EXIF orientation 3), and the
 * fruit photo the ONNX sample's preprocessing changes most.
 */
const OWN_PREPROCESSING: Record<string, string[]> = {
  'azure-cv-trees': ['test/Hemlock/test_image.jpg', 'train/Japanese_Cherry/japanese_cherry_8.jpg'],
  'ai102-fruit': [
    'test/apple/IMG_TEST_1.jpg',
    'test/banana/IMG_TEST_2.jpg',
    'test/orange/IMG_TEST_3.jpg',
    'train/banana/IMG_20200229_165047.jpg',
  ],
};

interface Case {
  name: string;
  expected: Float32Array;
}

let workDir: string;
let output: RunnerOutput;
const exactCases: Case[] = [];
const photoCases = new Map<string, { head: LinearHead; cases: Case[] }>();
const measured: string[] = [];

beforeAll(async () => {
  await initTf();
  const backbone = loadMidBackbone();
  const reference = await InProcessClassifier.load(backbone);
  workDir = mkdtempSync(path.join(tmpdir(), 'cvkit-cvstfjs-'));
  const write = (name: string, bytes: Uint8Array) => {
    const file = path.join(workDir, name);
    writeFileSync(file, bytes);
    return file;
  };

  // (1) A random head (sensitive to any input change) and our preprocessing, as tensors.
  const randomSoftmax = randomHead(51, FEATURE_DIM, 'softmax');
  const exports: Record<string, Awaited<ReturnType<typeof exportTfjs>>> = {
    random: await exportTfjs({ backbone, head: randomSoftmax }),
  };
  const exactImages: RunnerImage[] = [];
  // A landscape PNG and the EXIF-rotated JPEG: two runs on the 3.x CPU backend are enough here.
  const synthetic = await syntheticImages();
  for (const image of [synthetic[0]!, synthetic[3]!]) {
    const pixels = await preprocess(image.bytes);
    exactCases.push({ name: image.name, expected: reference.probabilities(pixels, randomSoftmax) });
    const bytes = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
    exactImages.push({ name: image.name, pixelsFile: write(`${image.name}.f32`, bytes), size: 224 });
  }

  // (2) Heads trained on each data set, and the photos as RGBA pixels with EXIF applied, as a
  // browser's <img> hands them to tf.browser.fromPixels.
  const photoJobs: { dataset: string; images: RunnerImage[] }[] = [];
  for (const dataset of DATASETS.datasets) {
    const head = await trainServerHead(reference, dataset);
    exports[dataset.name] = await exportTfjs({ backbone, head });
    const cases: Case[] = [];
    const images: RunnerImage[] = [];
    for (const name of OWN_PREPROCESSING[dataset.name]!) {
      const photo = dataset.heldOut.find((i) => i.name === name);
      if (!photo) throw new Error(`${name} is not a held-out photo of ${dataset.name}`);
      cases.push({ name, expected: reference.probabilities(await preprocess(photo.bytes), head) });
      const { data, info } = await sharp(photo.bytes)
        .rotate()
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const file = write(`${dataset.name}-${images.length}.rgba`, data);
      images.push({ name, rgbaFile: file, width: info.width, height: info.height });
    }
    photoCases.set(dataset.name, { head, cases });
    photoJobs.push({ dataset: dataset.name, images });
  }
  reference.dispose();

  const served = await serveExports(exports);
  try {
    output = await runCustomVisionTfjs(
      [
        { modelUrl: served.modelUrl('random'), images: exactImages },
        ...photoJobs.map((job) => ({ modelUrl: served.modelUrl(job.dataset), images: job.images })),
      ],
      80_000,
    );
  } finally {
    await served.close();
  }
  measured.push(`@microsoft/customvision-tfjs on tfjs ${output.tfjsVersion} (${output.backend} backend)`);
}, 110_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  console.info(`customvision-tfjs consumer:\n  ${measured.join('\n  ')}`);
});

describe('@microsoft/customvision-tfjs 1.3.0 loading a cvkit TF.js export (its own tfjs 3.x)', () => {
  it('reads the input size from the model, keeps RGB (Image.BitmapPixelFormat = Rgb8), sees one output', () => {
    expect(output.tfjsVersion).toMatch(/^3\./);
    for (const job of output.jobs) {
      expect(job.inputSize).toBe(224);
      // false would mean it reverses our RGB input to BGR, as versions ≤ 1.2.0 always do.
      expect(job.isRgbInput).toBe(true);
    }
  });

  it('given our preprocessed pixels as a tensor, gives TF.js in-process probabilities within 1e-3', () => {
    const results = output.jobs[0]!.results;
    expect(results.map((r) => r.name)).toEqual(exactCases.map((c) => c.name));
    let worst = 0;
    exactCases.forEach((c, i) => {
      const diff = maxAbsDiff(results[i]!.probabilities, c.expected);
      expect(diff, c.name).toBeLessThanOrEqual(EXACT_TOLERANCE);
      worst = Math.max(worst, diff);
    });
    measured.push(
      `same pixels (tensor), random head: max |Δp| = ${worst.toExponential(2)} over ${exactCases.length} images`,
    );
  });

  it('with its own preprocessing on held-out photos (trained heads): the server’s top tag and |Δp| ≤ 0.02 on every photo, near ties included', () => {
    let photos = 0;
    [...photoCases.entries()].forEach(([dataset, { head, cases }], j) => {
      const results = output.jobs[j + 1]!.results;
      let worst = 0;
      cases.forEach((c, i) => {
        const got = results[i]!.probabilities;
        const diff = maxAbsDiff(got, c.expected);
        const note = `${c.name}: server ${head.labels[argmax(c.expected)]} ${Math.max(...c.expected).toFixed(3)}, customvision-tfjs ${head.labels[argmax(got)]} ${Math.max(...got).toFixed(3)}, |Δp| ${diff.toExponential(2)}`;
        expect(argmax(got), note).toBe(argmax(c.expected));
        expect(diff, note).toBeLessThanOrEqual(AGREEMENT_TOLERANCE);
        worst = Math.max(worst, diff);
        photos++;
        if (Math.max(...c.expected) < NEAR_TIE) measured.push(`${dataset} ${note} (near tie)`);
      });
      measured.push(`${dataset}, its own preprocessing: max |Δp| = ${worst.toExponential(2)}`);
    });
    expect(photos).toBe(Object.values(OWN_PREPROCESSING).flat().length);
  });
});
