/**
 * exportTfjs on the real backbone: the files are written to disk, loaded back with
 * tf.loadGraphModel through a file-reading IO handler (what `file://` does under tfjs-node), and
 * compared with backbone + head run in-process; plus the contract of
 * @microsoft/customvision-tfjs 1.3.0's ClassificationModel, replayed step by step.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ExportFile,
  exportTfjs,
  InvalidBackboneError,
  type LinearHead,
  type TfjsGraphBackbone,
} from '../../src/export/index.ts';
import {
  InProcessClassifier,
  initTf,
  loadMidBackbone,
  maxAbsDiff,
  preprocess,
  randomHead,
  syntheticImages,
  TEST_LABELS,
  type TestImage,
  treeImages,
} from './helpers/fixtures.ts';

const TOLERANCE = 1e-3;
const FEATURE_DIM = 1792;

let backbone: TfjsGraphBackbone;
let reference: InProcessClassifier;
type Sample = { name: string; bytes: Buffer; pixels: Float32Array };
let images: Sample[];
let treeSamples: Sample[] = [];
const dirs: string[] = [];
const measured: string[] = [];
const TREES = treeImages();
const HEADS = {
  softmax: () => randomHead(21, FEATURE_DIM, 'softmax'),
  sigmoid: () => randomHead(22, FEATURE_DIM, 'sigmoid'),
};

beforeAll(async () => {
  const backend = await initTf();
  backbone = loadMidBackbone();
  reference = await InProcessClassifier.load(backbone);
  const prepare = (raw: TestImage[]) =>
    Promise.all(raw.map(async (i) => ({ ...i, pixels: await preprocess(i.bytes) })));
  images = await prepare(await syntheticImages());
  treeSamples = await prepare(TREES);
  measured.push(`tfjs backend ${backend}`);
}, 60_000);

function parity(model: tf.GraphModel, head: LinearHead, set: Sample[], label: string): void {
  let worst = 0;
  for (const image of set) {
    const diff = maxAbsDiff(run(model, image.pixels), reference.probabilities(image.pixels, head));
    expect(diff, image.name).toBeLessThanOrEqual(TOLERANCE);
    worst = Math.max(worst, diff);
  }
  measured.push(`${label}: max |Δp| = ${worst.toExponential(2)} over ${set.length} images`);
}

afterAll(() => {
  reference?.dispose();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  console.info(`TF.js export parity:\n  ${measured.join('\n  ')}`);
});

function writeExport(files: ExportFile[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cvkit-tfjs-export-'));
  dirs.push(dir);
  for (const f of files) writeFileSync(path.join(dir, f.path), f.bytes);
  return dir;
}

/** Reads model.json and its shards from disk as tfjs-node's file:// handler does. */
function fileHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      const manifest = json.weightsManifest;
      const shards = manifest.flatMap((group) => group.paths.map((p) => readFileSync(path.join(dir, p))));
      const all = Buffer.concat(shards);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        userDefinedMetadata: json.userDefinedMetadata,
        weightSpecs: manifest.flatMap((group) => group.weights),
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
      };
    },
  };
}

async function exportAndLoad(head: LinearHead, shardBytes?: number) {
  const files = await exportTfjs({ backbone, head, ...(shardBytes ? { shardBytes } : {}) });
  const dir = writeExport(files);
  const model = await tf.loadGraphModel(fileHandler(dir));
  return { files, dir, model };
}

function run(model: tf.GraphModel, pixels: Float32Array): Float32Array {
  return tf.tidy(() => (model.execute(tf.tensor4d(pixels, [1, 224, 224, 3])) as tf.Tensor).dataSync() as Float32Array);
}

describe('exportTfjs on the nsfwjs mid backbone', () => {
  for (const activation of ['softmax', 'sigmoid'] as const) {
    it(`${activation} head: the reloaded graph model matches TF.js in-process within 1e-3`, async () => {
      const head = HEADS[activation]();
      const { model } = await exportAndLoad(head);
      parity(model, head, images, `${activation}, synthetic`);
      // Sensitivity: swapped channels move the probabilities far beyond the tolerance.
      const bgr = images[0]!.pixels.map((_, i, a) => a[i - (i % 3) + 2 - (i % 3)]!);
      expect(maxAbsDiff(run(model, bgr), reference.probabilities(images[0]!.pixels, head))).toBeGreaterThan(
        10 * TOLERANCE,
      );
      model.dispose();
    }, 60_000);
  }

  it('azure-cv-trees photos (one stored upside down): both heads match within 1e-3', async () => {
    for (const activation of ['softmax', 'sigmoid'] as const) {
      const head = HEADS[activation]();
      const { model } = await exportAndLoad(head);
      parity(model, head, treeSamples, `${activation}, azure-cv-trees`);
      model.dispose();
    }
  }, 60_000);

  it('is what @microsoft/customvision-tfjs 1.3.0 expects, and its preprocessing path gives our probabilities', async () => {
    const head = randomHead(23, FEATURE_DIM, 'softmax');
    const { model, files } = await exportAndLoad(head);
    // loadModelAsync: input_size = inputs[0].shape[1]; object detection iff 3 outputs;
    // is_rgb_input = metadata['Image.BitmapPixelFormat'] == 'Rgb8' (else it reverses to BGR).
    expect(model.inputs[0]!.shape).toEqual([-1, 224, 224, 3]);
    expect(model.inputs[0]!.shape![1]).toBe(224);
    expect(model.outputs).toHaveLength(1);
    const metadata = model.metadata as Record<string, unknown>;
    expect(metadata['Image.BitmapPixelFormat']).toBe('Rgb8');
    expect(metadata['Image.NominalPixelRange']).toBe('NominalRange_0_255');

    // ClassificationModel._preprocess: centre crop via cropAndResize on the 0–255 float image, no reverse.
    for (const image of images.slice(0, 3)) {
      const { data, info } = await sharp(image.bytes)
        .rotate()
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const pixels = tf.tidy(() => {
        const img = tf.tensor3d(Uint8Array.from(data), [info.height, info.width, 3], 'int32');
        const [h, w] = [info.height, info.width];
        const top = h > w ? (h - w) / 2 : 0;
        const left = h > w ? 0 : (w - h) / 2;
        const size = Math.min(h, w);
        const box = [[top / h, left / w, (top + size) / h, (left + size) / w]];
        return tf.image
          .cropAndResize(img.expandDims(0).toFloat() as tf.Tensor4D, box, [0], [224, 224])
          .dataSync() as Float32Array;
      });
      const output = (await model.executeAsync(tf.tensor4d(pixels, [1, 224, 224, 3]), undefined)) as tf.Tensor;
      const probabilities = (await output.array()) as number[][];
      output.dispose();
      expect(probabilities).toHaveLength(1);
      expect(maxAbsDiff(probabilities[0]!, reference.probabilities(pixels, head))).toBeLessThanOrEqual(TOLERANCE);
    }

    const byPath = new Map(files.map((f) => [f.path, new TextDecoder().decode(f.bytes)]));
    expect(byPath.get('labels.txt')).toBe(`${TEST_LABELS.join('\n')}\n`);
    const manifest = JSON.parse(byPath.get('cvexport.manifest')!);
    expect(manifest).toMatchObject({ Platform: 'TensorFlow', Flavor: 'TensorFlowJs', ModelFileName: 'model.json' });
    expect(manifest.Cvkit.Input).toMatchObject({ Layout: 'NHWC', ChannelOrder: 'RGB', PixelRange: [0, 255] });
    model.dispose();
  }, 60_000);

  it('keeps the backbone’s quantized weights as they are and re-shards them', async () => {
    const head = randomHead(24, FEATURE_DIM, 'softmax');
    const { model: a, files } = await exportAndLoad(head);
    const { model: b, files: smallShards } = await exportAndLoad(head, 1024 * 1024);
    const shards = smallShards.filter((f) => f.path.endsWith('.bin'));
    expect(shards.length).toBeGreaterThanOrEqual(5);
    expect(shards.every((s) => s.bytes.length <= 1024 * 1024)).toBe(true);
    expect(files.filter((f) => f.path.endsWith('.bin')).map((f) => f.path)).toEqual([
      'group1-shard1of2.bin',
      'group1-shard2of2.bin',
    ]);
    // Same weights however they are cut: identical outputs.
    expect(Array.from(run(b, images[0]!.pixels))).toEqual(Array.from(run(a, images[0]!.pixels)));

    const json = JSON.parse(new TextDecoder().decode(files.find((f) => f.path === 'model.json')!.bytes));
    const specs = json.weightsManifest[0].weights as { name: string; quantization?: { dtype: string } }[];
    const original = new Map(backbone.artifacts.weightSpecs!.map((s) => [s.name, s]));
    const kept = specs.filter((s) => original.has(s.name));
    expect(kept.length).toBeGreaterThan(100);
    expect(kept.every((s) => JSON.stringify(s) === JSON.stringify(original.get(s.name)))).toBe(true);
    // The nsfwjs classifier layer (dense + softmax) is cut away with the nodes after the feature node.
    const nodeNames = (json.modelTopology.node as { name: string }[]).map((n) => n.name);
    expect(nodeNames).not.toContain('StatefulPartitionedCall/sequential/dense/BiasAdd');
    expect(nodeNames).toContain('model_output');
    expect(specs.map((s) => s.name).filter((n) => n.startsWith('cvkit/'))).toEqual([
      'cvkit/input_scale',
      'cvkit/head/W',
      'cvkit/head/b',
    ]);
    a.dispose();
    b.dispose();
  }, 60_000);

  it('finds the input Placeholder itself, and refuses one that does not feed the feature node', async () => {
    const head = randomHead(25, FEATURE_DIM, 'softmax');
    const { inputNode: _, ...withoutInputNode } = backbone;
    const implicit = await exportTfjs({ backbone: withoutInputNode, head, exportedDate: 'fixed' });
    const explicit = await exportTfjs({ backbone, head, exportedDate: 'fixed' });
    expect(implicit.map((f) => Buffer.from(f.bytes).toString('base64'))).toEqual(
      explicit.map((f) => Buffer.from(f.bytes).toString('base64')),
    );
    await expect(exportTfjs({ backbone: { ...backbone, inputNode: 'nope' }, head })).rejects.toThrow(
      InvalidBackboneError,
    );
  }, 30_000);
});
