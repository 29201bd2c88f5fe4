/** Seeded synthetic feature vectors: Gaussian blobs around class centres. */
import type { ImageFeatures } from '../../src/preprocess/views.ts';
import type { TrainHeadOptions } from '../../src/training/train-head.ts';
import { createRng } from '../../src/util/random.ts';

export function gaussian(rng: () => number): number {
  // Box-Muller; 1 - u keeps log away from 0.
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function blobCentres(classes: number, dim: number, seed: number, spread = 3): Float32Array[] {
  const rng = createRng(seed);
  return Array.from({ length: classes }, () => Float32Array.from({ length: dim }, () => gaussian(rng) * spread));
}

export function sample(centre: Float32Array, rng: () => number, noise = 1): Float32Array {
  return Float32Array.from(centre, (c) => c + gaussian(rng) * noise);
}

/** Features of an image under the centre view and its mirror (a slightly perturbed copy). */
export function imageFeatures(centre: Float32Array, rng: () => number, noise = 1): ImageFeatures {
  const f = sample(centre, rng, noise);
  return { centre: f, 'centre-mirrored': sample(f, rng, 0.1) };
}

/** A backbone description for heads trained on synthetic features of `dim` values. */
export function syntheticBackbone(dim: number) {
  return {
    id: 'synthetic',
    version: '1',
    cacheKey: 'synthetic@1',
    dim,
    defaultL2: 1e-2,
    preprocessing: {
      version: 'test',
      exifOrientation: 'applied',
      crop: 'centre-square',
      resize: 'linear',
      colourSpace: 'srgb',
      alpha: 'dropped',
      channelOrder: 'RGB',
      layout: 'NHWC',
      valueRange: [0, 255],
      size: 224,
    },
  } satisfies TrainHeadOptions['backbone'];
}
