/**
 * Turn tagged images into the head's optimisation problem: which tags become model outputs, targets, and weights
 * that balance classes and count every image once however many views it contributes.
 */
import { TrainingInputError } from '../errors.ts';
import { rarestTagStrata } from '../evaluation/folds.ts';
import type { ClassificationType, TagType } from '../evaluation/metrics.ts';
import type { NegativeSource } from '../heads/head.ts';
import type { ImageFeatures } from '../preprocess/views.ts';

export interface TrainingImage {
  /** Features of this image under (at least) the canonical view. */
  features: ImageFeatures;
  /** Indices into tagIds. */
  tags: number[];
}

export interface LabelLayout {
  /** Tag index scored by each output. */
  outputTags: number[];
  negative: { tagIndex: number; source: NegativeSource } | null;
  /** images × outputs targets. */
  targets: Float32Array;
  /** Multiclass: one weight per image; multilabel: images × outputs. Before dividing among views. */
  imageWeights: Float32Array;
  /** Class of each image for multiclass; its rarest output for multilabel (stratification). */
  strata: number[];
  /** Images per stratum class, to size the folds. */
  classSizes: number[];
  untrainedTagIds: string[];
}

export function layoutLabels(
  classificationType: ClassificationType,
  tagIds: readonly string[],
  tagTypes: readonly TagType[],
  images: readonly TrainingImage[],
  balance: boolean,
): LabelLayout {
  if (tagIds.length !== tagTypes.length) throw new TrainingInputError('tagIds and tagTypes differ in length');
  const negatives = tagTypes.flatMap((t, k) => (t === 'Negative' ? [k] : []));
  if (negatives.length > 1) throw new TrainingInputError('at most one tag can be of type Negative');
  const negativeTag = negatives[0] ?? -1;
  const n = images.length;
  if (n < 2) throw new TrainingInputError(`training needs at least 2 images, got ${n}`);
  const counts = new Array<number>(tagIds.length).fill(0);
  images.forEach((img, i) => {
    if (img.tags.length === 0) throw new TrainingInputError(`image ${i} has no tag`);
    if (new Set(img.tags).size !== img.tags.length) throw new TrainingInputError(`image ${i} repeats a tag`);
    for (const t of img.tags) {
      if (!Number.isInteger(t) || t < 0 || t >= tagIds.length) {
        throw new TrainingInputError(`image ${i} has tag index ${t}, outside 0..${tagIds.length - 1}`);
      }
      counts[t]!++;
    }
    if (classificationType === 'Multiclass' && img.tags.length > 1) {
      throw new TrainingInputError(`image ${i} has ${img.tags.length} tags; a multiclass image has exactly one`);
    }
    if (img.tags.includes(negativeTag) && img.tags.length > 1) {
      throw new TrainingInputError(`image ${i} combines the Negative tag with other tags`);
    }
  });
  const untrainedTagIds = tagIds.filter((_, k) => counts[k] === 0 && k !== negativeTag);

  if (classificationType === 'Multiclass') {
    const outputTags = tagIds.flatMap((_, k) => (counts[k]! > 0 ? [k] : []));
    if (outputTags.length < 2) {
      throw new TrainingInputError('multiclass training needs images of at least two tags (Negative counts as one)');
    }
    const outputs = outputTags.length;
    const outputOf = new Map(outputTags.map((t, o) => [t, o]));
    const targets = new Float32Array(n * outputs);
    const imageWeights = new Float32Array(n);
    const strata = images.map((img) => outputOf.get(img.tags[0]!)!);
    strata.forEach((o, i) => {
      targets[i * outputs + o] = 1;
      // Balanced: every class carries the same total weight n / outputs.
      imageWeights[i] = balance ? n / (outputs * counts[outputTags[o]!]!) : 1;
    });
    return {
      outputTags,
      negative: negativeTag >= 0 ? { tagIndex: negativeTag, source: 'class' } : null,
      targets,
      imageWeights,
      strata,
      classSizes: outputTags.map((t) => counts[t]!),
      untrainedTagIds,
    };
  }

  // Multilabel: one sigmoid per regular tag with images, plus one for Negative when it has images.
  const regular = tagIds.flatMap((_, k) => (k !== negativeTag && counts[k]! > 0 ? [k] : []));
  const negativeTrained = negativeTag >= 0 && counts[negativeTag]! > 0 && counts[negativeTag]! < n;
  const outputTags = negativeTrained ? [...regular, negativeTag] : regular;
  if (regular.length === 0) throw new TrainingInputError('multilabel training needs at least one tagged image');
  const outputs = outputTags.length;
  const targets = new Float32Array(n * outputs);
  const imageWeights = new Float32Array(n * outputs);
  outputTags.forEach((tag, o) => {
    const positives = counts[tag]!;
    const negativesCount = n - positives;
    images.forEach((img, i) => {
      const positive = img.tags.includes(tag);
      targets[i * outputs + o] = positive ? 1 : 0;
      // Balanced per tag: positives and negatives each carry half of the n images' weight.
      imageWeights[i * outputs + o] = balance ? n / (2 * (positive ? positives : Math.max(negativesCount, 1))) : 1;
    });
  });
  const outputCounts = outputTags.map((t) => counts[t]!);
  // An image with no output tag (Negative without its own output) forms a stratum of its own.
  const strata = rarestTagStrata(
    images.map((img) => img.tags.map((t) => outputTags.indexOf(t)).filter((o) => o >= 0)),
    outputCounts,
  ).map((s) => (s < 0 ? outputs : s));
  return {
    outputTags,
    negative:
      negativeTag >= 0 ? { tagIndex: negativeTag, source: negativeTrained ? 'sigmoid' : 'none-of-the-tags' } : null,
    targets,
    imageWeights,
    strata,
    classSizes: [...new Set(strata)].map((s) => strata.filter((v) => v === s).length),
    untrainedTagIds,
  };
}
