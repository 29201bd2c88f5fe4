/**
 * A trained classifier head and how it turns features into Custom Vision predictions.
 *
 * Negative tag (Custom Vision's "none of the above"):
 * - Multiclass: Negative is one more softmax class trained on the Negative-tagged images; its probability is
 *   reported under the Negative tag, and the regular tags' probabilities sum to 1 minus it.
 * - Multilabel: Negative-tagged images are all-zero targets for every regular tag. When there are Negative images
 *   the Negative tag also gets its own sigmoid (positive on Negative images, negative on the rest); without any,
 *   its probability is that none of the regular tags applies, Π (1 − pₖ).
 * Tags that had no training image get probability 0.
 */

import { HeadFormatError } from '../errors.ts';
import type { ClassificationType, TagType } from '../evaluation/metrics.ts';
import type { PreprocessingDescription } from '../preprocess/preprocess.ts';
import type { ImageFeatures, ViewName } from '../preprocess/views.ts';
import { type Activation, activateInPlace, type LinearModel, linearLogits, meanFeatures } from './linear-model.ts';

export type TrainingType = 'Regular' | 'Advanced';

/** The backbone a head was trained on: features from any other cache key are incompatible. */
export interface BackboneRef {
  id: string;
  version: string;
  cacheKey: string;
  dim: number;
}

export type NegativeSource = 'class' | 'sigmoid' | 'none-of-the-tags';

export interface Head {
  format: 'cvkit-head';
  formatVersion: 1;
  classificationType: ClassificationType;
  tagIds: string[];
  tagTypes: TagType[];
  backbone: BackboneRef;
  preprocessing: PreprocessingDescription;
  /**
   * Views whose features are averaged before the linear layer (test-time augmentation); the first is the
   * canonical view. Missing views are skipped, the canonical one is required.
   */
  predictionViews: ViewName[];
  model: LinearModel;
  /** Tag index (into tagIds) scored by each model output. */
  outputTags: number[];
  negative: { tagIndex: number; source: NegativeSource } | null;
  training: HeadTrainingInfo;
}

export interface HeadTrainingInfo {
  trainingType: TrainingType;
  augment: boolean;
  seed: number;
  l2: number;
  trainingViews: ViewName[];
  imageCount: number;
  balanced: boolean;
  iterations: number;
  durationMs: number;
  /** Advanced training: each L2 strength tried, its cross-validated log-loss and mean average precision. */
  search?: { l2: number; loss: number; averagePrecision: number; prototypeWeight?: number }[];
  /**
   * Multiclass heads: weight of the class-prototype scores folded into the weights (heads/prototypes.ts); absent
   * on heads trained before prototypes existed. Informational only: prediction is the linear layer either way.
   */
  prototypeWeight?: number;
}

export interface TagPrediction {
  tagId: string;
  probability: number;
}

/** Probability of each tag, in tagIds order, from the features of one image. */
export function tagProbabilities(head: Head, features: ImageFeatures): number[] {
  const views: Float32Array[] = [];
  if (!features[head.predictionViews[0]!]) {
    throw new HeadFormatError(`predict needs the features of view ${head.predictionViews[0]}`);
  }
  for (const name of head.predictionViews) {
    const v = features[name];
    if (!v) continue;
    if (v.length !== head.model.inputDim) {
      throw new HeadFormatError(
        `features of view ${name} have ${v.length} values, the head expects ${head.model.inputDim} (backbone ${head.backbone.cacheKey})`,
      );
    }
    views.push(v);
  }
  return probabilitiesFromLogits(head, head.model.activation, linearLogits(head.model, meanFeatures(views)));
}

/** Probability of each tag, in tagIds order, from the model's logits (consumed). */
export function probabilitiesFromLogits(
  head: Pick<Head, 'tagIds' | 'tagTypes' | 'outputTags' | 'negative'>,
  activation: Activation,
  logits: Float64Array,
): number[] {
  const out = activateInPlace(activation, logits);
  const probs = new Array<number>(head.tagIds.length).fill(0);
  head.outputTags.forEach((tag, o) => {
    probs[tag] = out[o]!;
  });
  if (head.negative?.source === 'none-of-the-tags') {
    let none = 1;
    head.tagTypes.forEach((type, k) => {
      if (type !== 'Negative') none *= 1 - probs[k]!;
    });
    probs[head.negative.tagIndex] = none;
  }
  return probs;
}

/** Custom Vision's prediction list: every tag with its probability, most probable first (ties by tag order). */
export function predict(head: Head, features: ImageFeatures): TagPrediction[] {
  const probs = tagProbabilities(head, features);
  return head.tagIds
    .map((tagId, k) => ({ tagId, probability: probs[k]!, k }))
    .sort((a, b) => b.probability - a.probability || a.k - b.k)
    .map(({ tagId, probability }) => ({ tagId, probability }));
}
