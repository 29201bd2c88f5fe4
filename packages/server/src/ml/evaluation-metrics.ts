/**
 * Custom Vision's evaluation figures from out-of-fold probabilities, recomputed for any threshold without retraining.
 *
 * - A tag is predicted for an image when its probability is at least the threshold; for Multiclass only the most
 *   probable tag can be predicted (Custom Vision shows one tag per image there).
 * - Precision = TP / (TP + FP), recall = TP / (TP + FN), per tag; 0 when the denominator is 0.
 * - Average precision = mean of precision@k over the ranks k of the tag's positives, images ranked by probability.
 * - Overall precision and recall pool the counts of all tags (micro average); overall AP is the mean over tags.
 * - Standard deviations are over the cross-validation folds.
 * - The Negative tag is not a tag to find: it is left out of the figures, and an image predicted Negative has no tag.
 */
export interface EvaluatedImage {
  imageId: string;
  fold: number;
  /** Tag ids the image carries. */
  truth: string[];
  /** Probability per tag, in `tags` order. */
  probabilities: number[];
}

export interface Evaluation {
  classificationType: 'Multiclass' | 'Multilabel';
  tags: { id: string; negative: boolean }[];
  folds: number;
  images: EvaluatedImage[];
}

export interface TagFigures {
  tagId: string;
  precision: number;
  precisionStdDeviation: number;
  recall: number;
  recallStdDeviation: number;
  averagePrecision: number;
}

export interface Figures {
  perTag: TagFigures[];
  precision: number;
  precisionStdDeviation: number;
  recall: number;
  recallStdDeviation: number;
  averagePrecision: number;
}

interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

const ratio = (a: number, b: number) => (b ? a / b : 0);

function predictedTags(e: Evaluation, img: EvaluatedImage, threshold: number): Set<number> {
  const out = new Set<number>();
  if (e.classificationType === 'Multiclass') {
    let best = 0;
    img.probabilities.forEach((p, i) => {
      if (p > img.probabilities[best]!) best = i;
    });
    if (img.probabilities[best]! >= threshold) out.add(best);
  } else
    img.probabilities.forEach((p, i) => {
      if (p >= threshold) out.add(i);
    });
  return out;
}

function counts(e: Evaluation, images: EvaluatedImage[], threshold: number): Counts[] {
  const c = e.tags.map(() => ({ tp: 0, fp: 0, fn: 0 }));
  for (const img of images) {
    const predicted = predictedTags(e, img, threshold);
    e.tags.forEach((tag, i) => {
      const actual = img.truth.includes(tag.id);
      const hit = predicted.has(i);
      if (hit && actual) c[i]!.tp++;
      else if (hit) c[i]!.fp++;
      else if (actual) c[i]!.fn++;
    });
  }
  return c;
}

export function averagePrecision(scores: { p: number; positive: boolean }[]): number {
  const ranked = [...scores].sort((a, b) => b.p - a.p);
  let hits = 0;
  let sum = 0;
  ranked.forEach((s, k) => {
    if (!s.positive) return;
    hits++;
    sum += hits / (k + 1);
  });
  return hits ? sum / hits : 0;
}

function std(values: number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
}

export function figuresAt(e: Evaluation, threshold: number): Figures {
  const reported = e.tags.map((t, i) => ({ t, i })).filter(({ t }) => !t.negative);
  const all = counts(e, e.images, threshold);
  const perFold = Array.from({ length: e.folds }, (_, f) =>
    counts(
      e,
      e.images.filter((img) => img.fold === f),
      threshold,
    ),
  );
  const perTag = reported.map(({ t, i }) => ({
    tagId: t.id,
    precision: ratio(all[i]!.tp, all[i]!.tp + all[i]!.fp),
    precisionStdDeviation: std(perFold.map((c) => ratio(c[i]!.tp, c[i]!.tp + c[i]!.fp))),
    recall: ratio(all[i]!.tp, all[i]!.tp + all[i]!.fn),
    recallStdDeviation: std(perFold.map((c) => ratio(c[i]!.tp, c[i]!.tp + c[i]!.fn))),
    averagePrecision: averagePrecision(
      e.images.map((img) => ({ p: img.probabilities[i]!, positive: img.truth.includes(t.id) })),
    ),
  }));
  const pool = (c: Counts[]) =>
    reported.reduce((s, { i }) => ({ tp: s.tp + c[i]!.tp, fp: s.fp + c[i]!.fp, fn: s.fn + c[i]!.fn }), {
      tp: 0,
      fp: 0,
      fn: 0,
    });
  const total = pool(all);
  const folds = perFold.map(pool);
  return {
    perTag,
    precision: ratio(total.tp, total.tp + total.fp),
    precisionStdDeviation: std(folds.map((c) => ratio(c.tp, c.tp + c.fp))),
    recall: ratio(total.tp, total.tp + total.fn),
    recallStdDeviation: std(folds.map((c) => ratio(c.tp, c.tp + c.fn))),
    averagePrecision: perTag.length ? perTag.reduce((s, t) => s + t.averagePrecision, 0) / perTag.length : 0,
  };
}
