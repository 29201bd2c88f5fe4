/**
 * Which views become training rows and which are averaged at prediction.
 *
 * A row is the mean of the features of a view and its mirror image (or just the view without augmentation):
 * measured on mlnet-flowers-small, training on mirror-means predicts as well as using the two as separate rows,
 * with half the rows, and averaging features (not probabilities) keeps prediction a single linear layer.
 */
import type { TrainingType } from '../heads/head.ts';
import type { ViewName } from '../preprocess/views.ts';

export type ViewGroup = readonly ViewName[];

const CENTRE: ViewGroup = ['centre', 'centre-mirrored'];

export function trainingViewGroups(trainingType: TrainingType, augment: boolean): readonly ViewGroup[] {
  if (!augment) return [['centre']];
  if (trainingType === 'Regular') return [CENTRE];
  // Advanced: the centre and two opposite corner pairs (6 views, 3 rows per image). On flowers (General, 5 fold
  // shuffles) this cross-validated as well as all six pairs (0.855 against 0.853) for half the embedding and a
  // quarter of the Gram matrix; docs/benchmarks.md ("Advanced training time") has the other sets measured.
  return [CENTRE, ['top-left', 'top-left-mirrored'], ['bottom-right', 'bottom-right-mirrored']];
}

/** Views a head averages at prediction: the first training group. */
export function predictionViewsFor(augment: boolean): ViewName[] {
  return augment ? [...CENTRE] : ['centre'];
}

/** Every view the server must embed for a training request, canonical first. */
export function trainingViews(trainingType: TrainingType, augment: boolean): ViewName[] {
  return trainingViewGroups(trainingType, augment).flat();
}
