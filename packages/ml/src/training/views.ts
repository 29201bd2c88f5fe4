/**
 * Which views become training rows and which are averaged at prediction.
 *
 * A row is the mean of the features of a view and its mirror image (or just the view without augmentation):
 * measured on mlnet-flowers-small, training on mirror-means predicts as well as using the two as separate rows,
 * with half the rows, and averaging features (not probabilities) keeps prediction a single linear layer.
 *
 * Crop groups (four corners and a zoom, each with its mirror) are extra training rows. Advanced always uses them.
 * Regular uses them on small projects (at most CROP_GROUPS_MAX_IMAGES images), where they pay most and cost
 * least: on the few-shot benchmark (docs/benchmarks.md) they bought about 1.5–2 points on flowers at 5, 10, 20 and
 * 30 photos per tag, at no cost per prediction (a head still averages the centre view and its mirror). What they
 * cost is at training: 12 views to embed per image instead of 2, so the bound keeps that extra work to at most
 * 1000 backbone passes.
 */
import type { TrainingType } from '../heads/head.ts';
import type { ViewName } from '../preprocess/views.ts';

export type ViewGroup = readonly ViewName[];

/** Largest project (training images) on which Regular training adds the crop groups. */
export const CROP_GROUPS_MAX_IMAGES = 100;

const CENTRE: ViewGroup = ['centre', 'centre-mirrored'];
const WITH_CROPS: readonly ViewGroup[] = [
  CENTRE,
  ['top-left', 'top-left-mirrored'],
  ['top-right', 'top-right-mirrored'],
  ['bottom-left', 'bottom-left-mirrored'],
  ['bottom-right', 'bottom-right-mirrored'],
  ['zoom', 'zoom-mirrored'],
];

/** The view groups of a training job of `imageCount` images: one training row per group present for an image. */
export function trainingViewGroups(
  trainingType: TrainingType,
  augment: boolean,
  imageCount: number,
): readonly ViewGroup[] {
  if (!augment) return [['centre']];
  if (trainingType === 'Advanced' || imageCount <= CROP_GROUPS_MAX_IMAGES) return WITH_CROPS;
  return [CENTRE];
}

/** Views a head averages at prediction: the first training group. */
export function predictionViewsFor(augment: boolean): ViewName[] {
  return augment ? [...CENTRE] : ['centre'];
}

/** Every view the caller must embed for a training job of `imageCount` images, canonical first. */
export function trainingViews(trainingType: TrainingType, augment: boolean, imageCount: number): ViewName[] {
  return trainingViewGroups(trainingType, augment, imageCount).flat();
}
