/**
 * Real data for the consumer and Docker tests: the azure-cv-trees and ai102-fruit photos (the
 * repository's data/datasets), split per tag into images a head is
 * trained on and held-out images the consumers are compared on, and a head trained on them by
 * the server's own trainer.
 *
 * Why a trained head here, when the parity tests use seeded random ones: a consumer whose
 * preprocessing differs from the server's (the ONNX sample squashes the whole image, without
 * cropping or EXIF, with Pillow's antialiased bicubic) changes the features a little, and a
 * random head projects features on arbitrary directions, so its top tag flips on ~20% of photos
 * under such changes. A head trained by the server is what users export; agreement on it is the
 * property that matters.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BACKBONE_SPECS } from '../../../src/backbones/registry.ts';
import { type LinearHead, linearHeadFromTrained } from '../../../src/export/index.ts';
import { describePreprocessing, mirrorHorizontally } from '../../../src/preprocess/preprocess.ts';
import type { TrainingImage } from '../../../src/training/problem.ts';
import { trainHead } from '../../../src/training/train-head.ts';
import { datasetsDir, type InProcessClassifier, preprocess } from '../helpers/fixtures.ts';

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

/** One of the repository's data sets (a missing folder throws: the tests must not skip silently). */
export function loadDataset(name: string): Dataset {
  const root = path.join(datasetsDir(), name);
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

/** Both data sets. */
export function loadDatasets(): { datasets: Dataset[] } {
  return { datasets: DATASET_NAMES.map(loadDataset) };
}

/**
 * What a user exports from a General (compact) project: the server's own training (`trainHead`,
 * Regular, mirror augmentation, the compact backbone's L2, centre view only at prediction) on
 * the backbone's features of the training photos, converted as the server converts it for export.
 */
export async function trainServerHead(reference: InProcessClassifier, dataset: Dataset): Promise<LinearHead> {
  const spec = BACKBONE_SPECS['mnv2-140-gap']!;
  const images: TrainingImage[] = [];
  for (const image of dataset.training) {
    const data = await preprocess(image.bytes);
    const mirrored = mirrorHorizontally({ size: 224, data, sourceWidth: 0, sourceHeight: 0, format: '' }).data;
    images.push({
      features: { centre: reference.features(data), 'centre-mirrored': reference.features(mirrored) },
      tags: [image.tag],
    });
  }
  const dim = images[0]!.features.centre!.length;
  const { head } = await trainHead({
    backbone: {
      id: spec.id,
      version: 'consumer-test',
      cacheKey: `${spec.id}@consumer-test`,
      dim,
      preprocessing: describePreprocessing(224),
      defaultL2: spec.defaultL2,
    },
    tagIds: dataset.tags,
    tagTypes: dataset.tags.map(() => 'Regular' as const),
    images,
    classificationType: 'Multiclass',
    trainingType: 'Regular',
    augment: true,
    predictionViews: ['centre'],
    evaluate: false,
  });
  return linearHeadFromTrained(head, dataset.tags);
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
