/**
 * Which views become training rows and which are averaged at prediction.
 *
 * A row is the mean of the features of a view and its mirror image (or just the view without augmentation):
 * measured on mlnet-flowers-small, training on mirror-means predicts as well as using the two as separate rows,
 * with half the rows, and averaging features (not probabilities) keeps prediction a single linear layer.
 *
 * Crop views as extra training rows. Advanced uses two opposite corner crops, each averaged with its mirror (3 rows
 * per image). Regular uses the same two corners, unmirrored, on small projects (at most CROP_GROUPS_MAX_IMAGES
 * images), where they pay most: on the few-shot benchmark (docs/benchmarks.md) they bought 1.4–2.5 points on flowers
 * at 5 and 10 photos per tag, at no cost per prediction (a head reads the centre view only). They
 * cost at training: 4 views to embed per image instead of 2, the crops cut from the same decode. Advanced's former
 * ten crop views bought 0.2–0.6 points more (20 draws) for about four times that extra work.
 */
import type { TrainingType } from '../heads/head.ts';
import type { ViewName } from '../preprocess/views.ts';

export type ViewGroup = readonly ViewName[];

/** Largest project (training images) on which Regular training adds its crop views. */
export const CROP_GROUPS_MAX_IMAGES = 100;

const CENTRE: ViewGroup = ['centre', 'centre-mirrored'];
const REGULAR_WITH_CROPS: readonly ViewGroup[] = [CENTRE, ['top-left'], ['bottom-right']];
// The centre and two opposite corner pairs (6 views, 3 rows per image). On flowers (General, 5 fold shuffles) this
// cross-validated as well as all six pairs (0.855 against 0.853) for half the embedding and a quarter of the Gram
// matrix; docs/benchmarks.md ("Advanced training time") has the other sets measured.
const ADVANCED: readonly ViewGroup[] = [
  CENTRE,
  ['top-left', 'top-left-mirrored'],
  ['bottom-right', 'bottom-right-mirrored'],
];

/** The view groups of a training job of `imageCount` images: one training row per group present for an image. */
export function trainingViewGroups(
  trainingType: TrainingType,
  augment: boolean,
  imageCount: number,
): readonly ViewGroup[] {
  if (!augment) return [['centre']];
  if (trainingType === 'Advanced') return ADVANCED;
  return imageCount <= CROP_GROUPS_MAX_IMAGES ? REGULAR_WITH_CROPS : [CENTRE];
}

/**
 * Views a head reads at prediction: the centre view alone, with or without augmentation. The mirror's features
 * only go into training rows: averaging them in at prediction too cost a second backbone pass (about a fifth of a
 * General prediction's CPU) and bought nothing measurable (docs/benchmarks.md, "Prediction throughput"). Heads
 * stored before this keep the views they name.
 */
export function predictionViewsFor(_augment: boolean): ViewName[] {
  return ['centre'];
}

/** Every view the caller must embed for a training job of `imageCount` images, canonical first. */
export function trainingViews(trainingType: TrainingType, augment: boolean, imageCount: number): ViewName[] {
  return trainingViewGroups(trainingType, augment, imageCount).flat();
}
