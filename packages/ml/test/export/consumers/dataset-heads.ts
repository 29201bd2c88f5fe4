/**
 * Real data for the consumer and Docker tests: the azure-cv-trees and ai102-fruit photos (found
 * under ../shared/datasets or $CVKIT_SHARED_DIR/datasets), split per tag into images a head is
 * trained on and held-out images the consumers are compared on, and a softmax head trained on
 * the backbone's features.
 *
 * Why a trained head here, when the parity tests use seeded random ones: a consumer's own
 * preprocessing (customvision-tfjs resamples without antialiasing; the ONNX sample squashes the
 * whole image without cropping or EXIF) changes the features a little, and a random head
 * projects features on arbitrary directions, so its top tag flips on ~20% of photos under such
 * changes. A trained head is what users export; agreement on it is the property that matters.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { LinearHead } from '../../../src/export/index.ts';
import { type InProcessClassifier, preprocess, sharedDir } from '../helpers/fixtures.ts';

export interface DatasetImage {
  /** Path relative to the data set folder, e.g. 'train/Hemlock/hemlock_1.jpg'. */
  name: string;
  bytes: Buffer;
  /** Index of the image's tag in the data set's sorted tag list. */
  tag: number;
}

export interface Dataset {
  name: string;
  /** Tag folder names, sorted; a head's labels. */
  tags: string[];
  /** The first half (by file name) of each tag's train folder. */
  training: DatasetImage[];
  /** The rest of train/ and all of test/: never seen by the head. */
  heldOut: DatasetImage[];
}

export const DATASET_NAMES = ['azure-cv-trees', 'ai102-fruit'] as const;

function listImages(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort();
}

/** The data set, or null when its folder is absent. */
export function loadDataset(name: string): Dataset | null {
  const root = path.join(sharedDir(), 'datasets', name);
  if (!existsSync(path.join(root, 'train'))) return null;
  const tags = readdirSync(path.join(root, 'train')).sort();
  const training: DatasetImage[] = [];
  const heldOut: DatasetImage[] = [];
  const read = (split: string, tag: string, file: string, t: number): DatasetImage => ({
    name: `${split}/${tag}/${file}`,
    bytes: readFileSync(path.join(root, split, tag, file)),
    tag: t,
  });
  tags.forEach((tag, t) => {
    const files = listImages(path.join(root, 'train', tag));
    const half = Math.ceil(files.length / 2);
    files.forEach((file, i) => {
      (i < half ? training : heldOut).push(read('train', tag, file, t));
    });
    for (const file of listImages(path.join(root, 'test', tag))) heldOut.push(read('test', tag, file, t));
  });
  return { name, tags, training, heldOut };
}

/** Both data sets, or null (with the reason) when either is absent. */
export function loadDatasets(): { datasets: Dataset[] } | { missing: string } {
  const datasets: Dataset[] = [];
  for (const name of DATASET_NAMES) {
    const dataset = loadDataset(name);
    if (!dataset) {
      return {
        missing: `${path.join(sharedDir(), 'datasets', name)} not found (set CVKIT_SHARED_DIR to the shared folder)`,
      };
    }
    datasets.push(dataset);
  }
  return { datasets };
}

/**
 * Multinomial logistic regression on backbone features (server preprocessing), full-batch
 * gradient descent with a little L2: enough to separate these data sets with confident
 * probabilities, deterministic, and well under a second.
 */
export async function trainSoftmaxHead(
  reference: InProcessClassifier,
  dataset: Dataset,
  { epochs = 100, learningRate = 0.5, l2 = 1e-3 } = {},
): Promise<LinearHead> {
  const features: Float32Array[] = [];
  for (const image of dataset.training) features.push(reference.features(await preprocess(image.bytes)));
  const dim = features[0]!.length;
  const numTags = dataset.tags.length;
  const W = new Float64Array(dim * numTags);
  const b = new Float64Array(numTags);
  const logits = new Float64Array(numTags);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const gradW = new Float64Array(dim * numTags);
    const gradB = new Float64Array(numTags);
    features.forEach((x, n) => {
      for (let t = 0; t < numTags; t++) {
        let z = b[t]!;
        for (let f = 0; f < dim; f++) z += x[f]! * W[f * numTags + t]!;
        logits[t] = z;
      }
      const max = Math.max(...logits);
      let sum = 0;
      for (let t = 0; t < numTags; t++) sum += Math.exp(logits[t]! - max);
      for (let t = 0; t < numTags; t++) {
        const g = Math.exp(logits[t]! - max) / sum - (dataset.training[n]!.tag === t ? 1 : 0);
        gradB[t] = gradB[t]! + g;
        for (let f = 0; f < dim; f++) gradW[f * numTags + t] = gradW[f * numTags + t]! + g * x[f]!;
      }
    });
    const n = features.length;
    for (let i = 0; i < W.length; i++) W[i] = W[i]! - learningRate * (gradW[i]! / n + l2 * W[i]!);
    for (let t = 0; t < numTags; t++) b[t] = b[t]! - (learningRate * gradB[t]!) / n;
  }
  return { W: Float32Array.from(W), b: Float32Array.from(b), activation: 'softmax', labels: dataset.tags };
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
