/**
 * Test fixtures for the export tests: the real nsfwjs MobileNetV2 ×1.4 "mid" backbone (loaded
 * here, independently of src/backbones), a TF.js engine (wasm, else cpu), seeded heads, images
 * made with sharp, the optional azure-cv-trees images, and the in-process reference:
 * backbone + head run by TF.js.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { weightsFeaturesByTags } from '../../../src/export/head.ts';
import type { LinearHead, TfjsGraphBackbone } from '../../../src/export/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const requireHere = createRequire(import.meta.url);
export const REPO_ROOT = path.resolve(here, '../../../../..');

export const MID_FEATURE_NODE =
  'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/feature_vector/SpatialSqueeze';
export const INPUT_SIZE = 224;

let backendReady: Promise<string> | undefined;

/** wasm is ~30× faster than cpu for this model; fall back to cpu if it cannot start. */
export function initTf(): Promise<string> {
  backendReady ??= (async () => {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return 'wasm';
      }
    } catch (error) {
      console.warn(`tfjs wasm backend unavailable (${(error as Error).message}); using cpu`);
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return 'cpu';
  })();
  return backendReady;
}

/** The bundled nsfwjs mid model as ModelArtifacts (model.min.js + base64 shards, by absolute path). */
export function loadMidBackbone(): TfjsGraphBackbone {
  const nsfwjsMain = requireHere.resolve('nsfwjs');
  const root = path.resolve(path.dirname(nsfwjsMain), '..', '..');
  const dir = path.join(root, 'dist', 'models', 'mobilenet_v2_mid');
  const json = requireHere(path.join(dir, 'model.min.js')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const shards = json.weightsManifest.flatMap((g) =>
    g.paths.map((p) => Buffer.from(requireHere(path.join(dir, `${p}.min.js`)) as string, 'base64')),
  );
  const all = Buffer.concat(shards);
  const version = (requireHere(path.join(root, 'package.json')) as { version: string }).version;
  return {
    artifacts: {
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
    },
    inputNode: 'input',
    featureNode: MID_FEATURE_NODE,
    inputSize: INPUT_SIZE,
    inputScale: 1 / 255,
    name: `nsfwjs ${version} MobileNetV2 ×1.4 (mid)`,
  };
}

/** mulberry32: small, seedable, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export const TEST_LABELS = ['Hemlock', 'Japanese Cherry', 'ünïcödé — tag', 'tag with spaces', 'Negative'];

/**
 * A random linear head. The weight scale spreads the logits over several units so probabilities
 * are far from uniform and an input error changes them visibly.
 */
export function randomHead(seed: number, featureDim: number, activation: LinearHead['activation']): LinearHead {
  const random = seededRandom(seed);
  const numTags = TEST_LABELS.length;
  const W = new Float32Array(featureDim * numTags);
  for (let i = 0; i < W.length; i++) W[i] = gaussian(random) * 0.06;
  const b = new Float32Array(numTags);
  for (let i = 0; i < b.length; i++) b[i] = gaussian(random) * 0.5 - (activation === 'sigmoid' ? 1 : 0);
  return { W, b, activation, labels: TEST_LABELS };
}

export interface TestImage {
  name: string;
  bytes: Buffer;
}

/** Synthetic images of several sizes, aspect ratios and formats, one with an EXIF orientation. */
export async function syntheticImages(): Promise<TestImage[]> {
  const random = seededRandom(7);
  const make = (width: number, height: number, pixel: (x: number, y: number) => [number, number, number]) => {
    const data = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
    }
    return sharp(data, { raw: { width, height, channels: 3 } });
  };
  const blobs = Array.from({ length: 12 }, () => ({
    x: random(),
    y: random(),
    r: 0.05 + random() * 0.2,
    c: [random() * 255, random() * 255, random() * 255] as const,
  }));
  return [
    {
      name: 'gradient-landscape.png',
      bytes: await make(320, 240, (x, y) => [x % 256, y % 256, (x * y) % 256])
        .png()
        .toBuffer(),
    },
    {
      name: 'blobs-portrait.jpg',
      bytes: await make(200, 300, (x, y) => {
        for (const b of blobs) {
          if ((x / 200 - b.x) ** 2 + (y / 300 - b.y) ** 2 < b.r ** 2) return [b.c[0], b.c[1], b.c[2]];
        }
        return [30, 90, 40];
      })
        .jpeg({ quality: 90 })
        .toBuffer(),
    },
    {
      name: 'noise-square.png',
      bytes: await make(256, 256, () => [random() * 255, random() * 255, random() * 255])
        .png()
        .toBuffer(),
    },
    {
      name: 'stripes-exif6.jpg',
      bytes: await make(280, 180, (x, y) => (Math.floor(x / 20) % 2 ? [220, 40, 40] : [40, 40, 220 - (y % 100)]))
        .withMetadata({ orientation: 6 })
        .jpeg({ quality: 92 })
        .toBuffer(),
    },
  ];
}

/** The sample data sets the repository ships (`data/datasets`). */
export function datasetsDir(): string {
  return path.resolve(REPO_ROOT, 'data', 'datasets');
}

/** A handful of azure-cv-trees photos (one stored upside down). */
export function treeImages(): TestImage[] {
  const root = path.join(datasetsDir(), 'azure-cv-trees');
  const files = [
    'train/Hemlock/hemlock_1.jpg',
    'train/Hemlock/hemlock_10.jpg',
    'train/Japanese_Cherry/japanese_cherry_8.jpg',
    'train/Japanese_Cherry/japanese_cherry_2.jpg',
    'test/Hemlock/test_image.jpg',
  ];
  return files.map((f) => ({ name: f, bytes: readFileSync(path.join(root, f)) }));
}

/**
 * The shared preprocessing, rebuilt independently of src/preprocess: EXIF-orient, sRGB, then what
 * customvision-tfjs does (its centre box, tf.image.cropAndResize), RGB float 0–255 (NHWC).
 */
export async function preprocess(bytes: Buffer, size = INPUT_SIZE): Promise<Float32Array> {
  const oriented = await sharp(bytes).rotate().toColourspace('srgb').removeAlpha().raw().toBuffer({
    resolveWithObject: true,
  });
  const { width: w, height: h, channels } = oriented.info;
  if (channels !== 3) throw new Error(`expected RGB pixels, got ${channels} channels`);
  // customvision-tfjs' ClassificationModel._preprocess, with TF.js' own crop_and_resize kernel.
  const top = h > w ? (h - w) / 2 : 0;
  const left = h > w ? 0 : (w - h) / 2;
  const side = Math.min(h, w);
  const resized = tf.tidy(() =>
    tf.image.cropAndResize(
      tf.tensor3d(Float32Array.from(oriented.data), [h, w, 3]).expandDims(0) as tf.Tensor4D,
      [[top / h, left / w, (top + side) / h, (left + side) / w]],
      [0],
      [size, size],
    ),
  );
  const pixels = resized.dataSync() as Float32Array;
  resized.dispose();
  return pixels;
}

/** NHWC [1, s, s, 3] → NCHW [1, 3, s, s], optionally with the channels reversed (RGB → BGR). */
export function toNchw(nhwc: Float32Array, size = INPUT_SIZE, reverseChannels = false): Float32Array {
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[(reverseChannels ? 2 - c : c) * plane + i] = nhwc[i * 3 + c]!;
  }
  return out;
}

/** The in-process reference: backbone features (TF.js) → head (TF.js ops) → activation. */
export class InProcessClassifier {
  private constructor(
    private readonly model: tf.GraphModel,
    private readonly backbone: TfjsGraphBackbone,
  ) {}

  static async load(backbone: TfjsGraphBackbone): Promise<InProcessClassifier> {
    await initTf();
    const model = await tf.loadGraphModel(tf.io.fromMemory(backbone.artifacts as tf.io.ModelArtifacts));
    return new InProcessClassifier(model, backbone);
  }

  features(pixels: Float32Array): Float32Array {
    const size = this.backbone.inputSize;
    return tf.tidy(() => {
      const x = tf.tensor4d(pixels, [1, size, size, 3]).mul(this.backbone.inputScale);
      return (this.model.execute(x, this.backbone.featureNode) as tf.Tensor).dataSync() as Float32Array;
    });
  }

  probabilities(pixels: Float32Array, head: LinearHead): Float32Array {
    const features = this.features(pixels);
    return tf.tidy(() => {
      const numTags = head.b.length;
      const logits = tf
        .tensor2d(features, [1, features.length])
        .matMul(tf.tensor2d(weightsFeaturesByTags(head, features.length), [features.length, numTags]))
        .add(tf.tensor1d(head.b));
      const probabilities = head.activation === 'softmax' ? tf.softmax(logits) : tf.sigmoid(logits);
      return probabilities.dataSync() as Float32Array;
    });
  }

  dispose(): void {
    this.model.dispose();
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
