/**
 * Train on a compact domain, export the iteration as ONNX, unzip it, and run it locally with onnxruntime-node,
 * preparing each image as the export's metadata says; then compare with what the service predicts for the same
 * images.
 *
 *   npx tsx examples/export-and-run-onnx.ts [train-folder] [--per-tag n] [--out dir] [--flavor ONNX12]
 *
 * Default folder: data/datasets/azure-cv-fork-scissors/train. onnxruntime-node is an optional dependency of
 * the repository; without it the example stops after the download and says so. Images are decoded with sharp
 * (installed with @cvkit/server).
 *
 * The preparation is read from the package's metadata_properties.json (Custom Vision's keys: pixel format, pixel
 * range, crop method, normalisation) and the model's input shape. A package without that file (older Azure exports
 * keep the keys only inside model.onnx) is fed RGB values 0–255 with a centred square crop: check its README.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { TrainingModels } from '@cvkit/sdk';
import sharp from 'sharp';
import { isMain, run } from './lib/cli.ts';
import { type ConnectOptions, connect } from './lib/connect.ts';
import { findTestImage, readFolderDataset } from './lib/folder-dataset.ts';
import { consoleOutput, type Output, table } from './lib/output.ts';
import { datasetPath } from './lib/paths.ts';
import {
  compactClassificationDomain,
  createTags,
  exportAndDownload,
  projectName,
  trainAndWait,
  uploadFolderDataset,
} from './lib/steps.ts';

type Ort = typeof import('onnxruntime-node');

export interface ExportOnnxOptions extends ConnectOptions {
  trainDir?: string;
  perTag?: number;
  /** `ONNX12` for the Windows ML flavor; default: the platform's default flavor. */
  flavor?: 'ONNX10' | 'ONNX12';
  /** Also write the unzipped export here. */
  outDir?: string;
  /** How many images to compare (the test image first, then training images); default 4. */
  compare?: number;
}

export interface Comparison {
  file: string;
  server: Record<string, number>;
  onnx: Record<string, number>;
  maxAbsDiff: number;
  sameTop: boolean;
}

export interface ExportOnnxResult {
  projectId: string;
  iteration: TrainingModels.Iteration;
  files: string[];
  metadata: Record<string, string>;
  /** Empty when onnxruntime-node is not installed or the service could not export ONNX. */
  comparisons: Comparison[];
  skipped?: string;
}

/** How to turn an image into the model's input, read from the export's metadata (Custom Vision's keys). */
export interface InputRecipe {
  inputName: string;
  layout: 'NCHW' | 'NHWC';
  width: number;
  height: number;
  channelOrder: 'RGB' | 'BGR';
  /** Multiply 0–255 pixel values by this (1 for NominalRange_0_255, 1/255 for Normalized_0_1). */
  scale: number;
  mean: number[];
  std: number[];
  /** Crop the centred square of the shorter side before resizing (CropMethod FullImageShorterSide). */
  centreCrop: boolean;
  /**
   * How to resize: 'crop_and_resize' is TensorFlow's sampler as @microsoft/customvision-tfjs calls it (what cvkit
   * exports say, and what the server computes); otherwise a sharp kernel.
   */
  resize: 'crop_and_resize' | 'linear' | 'cubic';
}

export function inputRecipe(
  metadata: Record<string, string>,
  manifest: { Cvkit?: { Preprocess?: { Resize?: { Method?: string } } } } | undefined,
  input: { name: string; shape: readonly (number | string)[] },
): InputRecipe {
  const dims = input.shape.map((d) => (typeof d === 'number' ? d : -1));
  const layout = dims[1] === 3 ? 'NCHW' : 'NHWC';
  const [h, w] = layout === 'NCHW' ? [dims[2]!, dims[3]!] : [dims[1]!, dims[2]!];
  const num = (key: string, fallback: number) => {
    const v = Number(metadata[key]);
    return Number.isFinite(v) && v > 0 ? v : fallback;
  };
  const list = (key: string, fallback: number[]) => {
    try {
      const v = JSON.parse(metadata[key] ?? '') as unknown;
      return Array.isArray(v) && v.length === 3 ? v.map(Number) : fallback;
    } catch {
      return fallback;
    }
  };
  return {
    inputName: input.name,
    layout,
    width: w > 0 ? w : num('CustomVision.Preprocess.TargetWidth', 224),
    height: h > 0 ? h : num('CustomVision.Preprocess.TargetHeight', 224),
    channelOrder: metadata['Image.BitmapPixelFormat'] === 'Bgr8' ? 'BGR' : 'RGB',
    scale: metadata['Image.NominalPixelRange'] === 'Normalized_0_1' ? 1 / 255 : 1,
    mean: list('CustomVision.Preprocess.NormalizeMean', [0, 0, 0]),
    std: list('CustomVision.Preprocess.NormalizeStd', [1, 1, 1]),
    centreCrop: (metadata['CustomVision.Preprocess.CropMethod'] ?? 'FullImageShorterSide') === 'FullImageShorterSide',
    resize: resizeMethod(manifest?.Cvkit?.Preprocess?.Resize?.Method ?? ''),
  };
}

function resizeMethod(method: string): InputRecipe['resize'] {
  if (method === 'crop_and_resize') return 'crop_and_resize';
  return /cubic/i.test(method) ? 'cubic' : 'linear';
}

/**
 * TensorFlow's crop_and_resize (bilinear) of the centred square, as customvision-tfjs computes it: the box in
 * float32 fractions of the image (its offsets are not rounded), each output pixel a blend of the four source pixels
 * around one point, no antialiasing, 0 past the last row or column.
 */
function cropAndResize(rgb: Uint8Array, w: number, h: number, outW: number, outH: number): Float32Array {
  const top = h > w ? (h - w) / 2 : 0;
  const left = h > w ? 0 : (w - h) / 2;
  const side = Math.min(w, h);
  const [y1, x1, y2, x2] = [top / h, left / w, (top + side) / h, (left + side) / w].map(Math.fround) as [
    number,
    number,
    number,
    number,
  ];
  // Computed in TensorFlow's order, so rounding (and which samples fall past the edge) is the same.
  const scaleY = ((y2 - y1) * (h - 1)) / (outH - 1);
  const scaleX = ((x2 - x1) * (w - 1)) / (outW - 1);
  const out = new Float32Array(outW * outH * 3);
  for (let y = 0; y < outH; y++) {
    const sy = y1 * (h - 1) + y * scaleY;
    if (sy < 0 || sy > h - 1) continue;
    const [t, b, fy] = [Math.floor(sy), Math.ceil(sy), sy - Math.floor(sy)];
    for (let x = 0; x < outW; x++) {
      const sx = x1 * (w - 1) + x * scaleX;
      if (sx < 0 || sx > w - 1) continue;
      const [l, r, fx] = [Math.floor(sx), Math.ceil(sx), sx - Math.floor(sx)];
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => rgb[(yy * w + xx) * 3 + c]!;
        const upper = at(t, l) + (at(t, r) - at(t, l)) * fx;
        const lower = at(b, l) + (at(b, r) - at(b, l)) * fx;
        out[(y * outW + x) * 3 + c] = upper + (lower - upper) * fy;
      }
    }
  }
  return out;
}

/** Decodes an image (applying its EXIF orientation) and lays it out as the recipe says. */
export async function prepareInput(bytes: Uint8Array, r: InputRecipe): Promise<Float32Array> {
  const data = await resized(bytes, r);
  const plane = r.width * r.height;
  const tensor = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const source = r.channelOrder === 'BGR' ? 2 - c : c;
      const value = (data[i * 3 + source]! * r.scale - r.mean[c]!) / r.std[c]!;
      tensor[r.layout === 'NCHW' ? c * plane + i : i * 3 + c] = value;
    }
  }
  return tensor;
}

/** RGB values of the image at the model's input size, interleaved. */
async function resized(bytes: Uint8Array, r: InputRecipe): Promise<ArrayLike<number>> {
  if (r.resize === 'crop_and_resize') {
    if (!r.centreCrop) throw new Error('crop_and_resize is only described with the centre square crop');
    const { data, info } = await sharp(bytes)
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return cropAndResize(new Uint8Array(data), info.width, info.height, r.width, r.height);
  }
  const meta = await sharp(bytes).metadata();
  const swap = (meta.orientation ?? 1) >= 5;
  const width = (swap ? meta.height : meta.width) ?? 0;
  const height = (swap ? meta.width : meta.height) ?? 0;
  let img = sharp(bytes).rotate();
  if (r.centreCrop) {
    const side = Math.min(width, height);
    img = img.extract({
      left: Math.floor((width - side) / 2),
      top: Math.floor((height - side) / 2),
      width: side,
      height: side,
    });
  }
  return img
    .resize(r.width, r.height, { kernel: r.resize, fit: 'fill' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer();
}

async function loadOrt(out: Output): Promise<Ort | undefined> {
  try {
    const mod = (await import('onnxruntime-node')) as Ort & { default?: Ort };
    return mod.InferenceSession ? mod : mod.default;
  } catch (e) {
    out.log(`onnxruntime-node is not installed (${(e as Error).message.split('\n')[0]}); not running the model.`);
    return undefined;
  }
}

export async function main(options: ExportOnnxOptions = {}): Promise<ExportOnnxResult> {
  const out = options.out ?? consoleOutput();
  const trainDir = resolve(options.trainDir ?? datasetPath('azure-cv-fork-scissors', 'train'));
  const dataset = readFolderDataset(trainDir, { perTag: options.perTag ?? 10 });
  const test = findTestImage(trainDir);
  const compareFiles = [...(test ? [test.file] : []), ...dataset.tags.flatMap((t) => t.files.slice(0, 2))].slice(
    0,
    options.compare ?? 4,
  );

  const conn = await connect({ ...options, out });
  const { trainer } = conn;
  try {
    const domain = await compactClassificationDomain(trainer);
    const project = await trainer.createProject({
      name: projectName('onnx export'),
      domainId: domain.id!,
      classificationType: 'Multiclass',
    });
    const projectId = project.id!;
    out.log(`Created project "${project.name}" (${projectId}) on ${domain.name}`);
    const tagIds = await createTags(
      trainer,
      projectId,
      dataset.tags.map((t) => t.name),
      out,
    );
    await uploadFolderDataset(trainer, projectId, dataset, tagIds, out);
    const iteration = await trainAndWait(trainer, projectId, out, { pollMs: conn.pollMs });

    let exported: Awaited<ReturnType<typeof exportAndDownload>>;
    if (options.flavor) {
      await trainer.exportIteration(projectId, iteration.id!, { platform: 'ONNX', flavor: options.flavor });
      const done = await trainer.waitForExport(projectId, iteration.id!, 'ONNX', {
        flavor: options.flavor,
        intervalMs: conn.pollMs,
      });
      const zip = new Uint8Array(await (await fetch(done.downloadUri!)).arrayBuffer());
      exported = { platform: 'ONNX', flavor: options.flavor, zip, files: (await import('fflate')).unzipSync(zip) };
    } else exported = await exportAndDownload(trainer, projectId, iteration, ['ONNX'], out, conn.pollMs);
    const base = { projectId, iteration, files: [] as string[], metadata: {}, comparisons: [] };
    if (!exported) return { ...base, skipped: 'the service did not export ONNX' };
    const files = exported.files;
    if (options.outDir) {
      for (const [name, bytes] of Object.entries(files)) {
        const path = join(resolve(options.outDir), name);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, bytes);
      }
      out.log(`Unzipped into ${resolve(options.outDir)}`);
    }

    // What the package says about itself: Custom Vision's manifest and metadata properties, and the labels.
    const text = (name: string) => (files[name] ? new TextDecoder().decode(files[name]) : undefined);
    const manifest = text('cvexport.manifest') ? JSON.parse(text('cvexport.manifest')!) : undefined;
    const metadata: Record<string, string> = text('metadata_properties.json')
      ? JSON.parse(text('metadata_properties.json')!)
      : {};
    const labels = (text(manifest?.LabelFileName ?? 'labels.txt') ?? '')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
    const modelFile = manifest?.ModelFileName ?? Object.keys(files).find((f) => f.endsWith('.onnx'));
    out.log(`Model ${modelFile}, labels ${labels.join(', ')}`);
    for (const key of ['Image.BitmapPixelFormat', 'Image.NominalPixelRange', 'CustomVision.Preprocess.CropMethod'])
      out.log(`  ${key} = ${metadata[key] ?? '(not given)'}`);

    const ort = await loadOrt(out);
    if (!ort || !modelFile || !files[modelFile])
      return { ...base, files: Object.keys(files), metadata, skipped: 'onnxruntime-node or the model is missing' };
    const session = await ort.InferenceSession.create(files[modelFile]!, { intraOpNumThreads: 1 });
    const input = session.inputMetadata[0]!;
    const recipe = inputRecipe(metadata, manifest, {
      name: session.inputNames[0]!,
      shape: input.isTensor ? input.shape : [1, 3, 224, 224],
    });
    out.log(
      `Input ${recipe.inputName} ${recipe.layout} ${recipe.width}×${recipe.height} ${recipe.channelOrder}, ` +
        `×${recipe.scale === 1 ? 1 : '1/255'}, ${recipe.centreCrop ? 'centre square crop' : 'no crop'}, ${recipe.resize} resize`,
    );
    const outputName = session.outputNames.includes('model_output') ? 'model_output' : session.outputNames[0]!;

    const comparisons: Comparison[] = [];
    for (const file of compareFiles) {
      const bytes = await readFile(file);
      const tensor = await prepareInput(bytes, recipe);
      const dims = recipe.layout === 'NCHW' ? [1, 3, recipe.height, recipe.width] : [1, recipe.height, recipe.width, 3];
      const result = await session.run({ [recipe.inputName]: new ort.Tensor('float32', tensor, dims) }, [outputName]);
      const probs = Array.from(result[outputName]!.data as Float32Array);
      const onnx = Object.fromEntries(labels.map((l, i) => [l, probs[i]!]));
      // The service's answer for the same bytes, without storing the image.
      const quick = await trainer.quickTestImage(projectId, bytes, { iterationId: iteration.id!, store: false });
      const server = Object.fromEntries((quick.predictions ?? []).map((p) => [p.tagName!, p.probability!]));
      const maxAbsDiff = Math.max(...labels.map((l) => Math.abs((onnx[l] ?? 0) - (server[l] ?? 0))));
      const top = (m: Record<string, number>) => Object.entries(m).sort((a, b) => b[1] - a[1])[0]?.[0];
      comparisons.push({ file, server, onnx, maxAbsDiff, sameTop: top(onnx) === top(server) });
    }
    for (const line of table(
      ['image', 'server top', 'onnx top', 'max |Δp|'],
      comparisons.map((c) => {
        const top = (m: Record<string, number>) => {
          const [name, p] = Object.entries(m).sort((a, b) => b[1] - a[1])[0] ?? ['?', 0];
          return `${name} ${(100 * p).toFixed(1)}%`;
        };
        return [basename(c.file), top(c.server), top(c.onnx), c.maxAbsDiff.toExponential(1)];
      }),
    ))
      out.log(`  ${line}`);
    const worst = Math.max(...comparisons.map((c) => c.maxAbsDiff));
    out.log(`Largest difference between the local ONNX run and the service: ${worst.toExponential(2)}`);
    return { projectId, iteration, files: Object.keys(files), metadata, comparisons };
  } finally {
    await conn.stop();
  }
}

if (isMain(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'per-tag': { type: 'string' }, out: { type: 'string' }, flavor: { type: 'string' } },
  });
  run(() =>
    main({
      ...(positionals[0] ? { trainDir: positionals[0] } : {}),
      ...(values['per-tag'] ? { perTag: Number(values['per-tag']) } : {}),
      ...(values.out ? { outDir: values.out } : {}),
      ...(values.flavor ? { flavor: values.flavor as 'ONNX12' } : {}),
    }),
  );
}
