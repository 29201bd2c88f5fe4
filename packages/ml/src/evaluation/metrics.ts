/**
 * Precision, recall and average precision as Custom Vision reports them (`TagPerformance`,
 * `IterationPerformance`), computed from stored out-of-fold probabilities so any threshold can be asked for later
 * without retraining. Pure functions of their inputs.
 *
 * Definitions (threshold t, default 0.5):
 * - Predicted tags of an image. Multiclass: the single most probable tag, if its probability ≥ t (ties go to the
 *   earlier tag), else none. Multilabel: every tag whose probability ≥ t, each decided independently.
 * - Per tag: TP = predicted and true, FP = predicted but not true, FN = true but not predicted.
 *   precision = TP / (TP + FP), recall = TP / (TP + FN); a ratio with a zero denominator is 0.
 * - Overall: micro-averaged over the regular tags, i.e. Σ TP / Σ (TP + FP) and Σ TP / Σ (TP + FN). The Negative
 *   tag is left out: predicting Negative means "none of the tags", so in multiclass it counts as no prediction and
 *   negative images only contribute false positives. The Negative tag still gets its own per-tag figures.
 * - Values are computed on the pooled out-of-fold predictions of all images; the standard deviations are the
 *   population standard deviations of the same figure computed fold by fold (folds where it is undefined, e.g. a
 *   tag with no image in that fold, are skipped).
 * - averagePrecision (per tag) is threshold-free: the area under the precision-recall curve of that tag's
 *   probability over all images, Σ (Rₙ − Rₙ₋₁)·Pₙ over distinct score thresholds, highest first (the same as
 *   scikit-learn's `average_precision_score`); null when the tag has no positive image. Overall it is the mean
 *   over regular tags that have one (mAP).
 */
export type ClassificationType = 'Multiclass' | 'Multilabel';
export type TagType = 'Regular' | 'Negative' | 'GeneralProduct';

/** Everything needed to recompute metrics at any threshold. Plain JSON. */
export interface EvaluationData {
  classificationType: ClassificationType;
  tagIds: string[];
  tagTypes: TagType[];
  /** Number of cross-validation folds. */
  folds: number;
  /** Fold of each image. */
  fold: number[];
  /** True tag indices (into tagIds) of each image. */
  labels: number[][];
  /** Out-of-fold probability of each tag (tagIds order) for each image, as `predict` would report it. */
  probabilities: number[][];
}

export interface TagMetrics {
  tagId: string;
  precision: number;
  precisionStdDeviation: number;
  recall: number;
  recallStdDeviation: number;
  averagePrecision: number | null;
  /** Images that truly carry the tag. */
  imageCount: number;
}

export interface Metrics {
  threshold: number;
  precision: number;
  precisionStdDeviation: number;
  recall: number;
  recallStdDeviation: number;
  averagePrecision: number | null;
  perTag: TagMetrics[];
}

interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

function ratio(num: number, den: number): number {
  return den > 0 ? num / den : 0;
}

/** Tag indices predicted for one image at threshold t. */
export function predictedTags(type: ClassificationType, probs: readonly number[], threshold: number): number[] {
  if (type === 'Multilabel') {
    const out: number[] = [];
    probs.forEach((p, k) => {
      if (p >= threshold) out.push(k);
    });
    return out;
  }
  let best = -1;
  probs.forEach((p, k) => {
    if (best < 0 || p > probs[best]!) best = k;
  });
  return best >= 0 && probs[best]! >= threshold ? [best] : [];
}

function countsFor(data: EvaluationData, threshold: number, images: readonly number[]): Counts[] {
  const counts = data.tagIds.map(() => ({ tp: 0, fp: 0, fn: 0 }));
  for (const i of images) {
    const truth = new Set(data.labels[i]);
    const predicted = new Set(predictedTags(data.classificationType, data.probabilities[i]!, threshold));
    for (let k = 0; k < counts.length; k++) {
      const c = counts[k]!;
      if (predicted.has(k) && truth.has(k)) c.tp++;
      else if (predicted.has(k)) c.fp++;
      else if (truth.has(k)) c.fn++;
    }
  }
  return counts;
}

function populationStd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
}

/** Average precision of one score column against binary truth; null without positives. */
export function averagePrecision(scores: readonly number[], positive: readonly boolean[]): number | null {
  const total = positive.filter(Boolean).length;
  if (total === 0) return null;
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  let tp = 0;
  let seen = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let j = 0; j < order.length; ) {
    // Images with equal scores cross the threshold together: one point on the curve.
    const score = scores[order[j]!]!;
    while (j < order.length && scores[order[j]!] === score) {
      if (positive[order[j]!]) tp++;
      seen++;
      j++;
    }
    const recall = tp / total;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
  }
  return ap;
}

export function metricsAt(data: EvaluationData, threshold = 0.5): Metrics {
  const all = data.labels.map((_, i) => i);
  const regular = data.tagTypes.map((t, k) => (t === 'Negative' ? -1 : k)).filter((k) => k >= 0);
  const pooled = countsFor(data, threshold, all);
  const perFold = Array.from({ length: data.folds }, (_, f) =>
    countsFor(
      data,
      threshold,
      all.filter((i) => data.fold[i] === f),
    ),
  );

  const perTag: TagMetrics[] = data.tagIds.map((tagId, k) => {
    const c = pooled[k]!;
    const foldPrecision: number[] = [];
    const foldRecall: number[] = [];
    for (const fc of perFold) {
      const t = fc[k]!;
      if (t.tp + t.fp > 0) foldPrecision.push(t.tp / (t.tp + t.fp));
      if (t.tp + t.fn > 0) foldRecall.push(t.tp / (t.tp + t.fn));
    }
    const positive = data.labels.map((l) => l.includes(k));
    return {
      tagId,
      precision: ratio(c.tp, c.tp + c.fp),
      precisionStdDeviation: populationStd(foldPrecision),
      recall: ratio(c.tp, c.tp + c.fn),
      recallStdDeviation: populationStd(foldRecall),
      averagePrecision: averagePrecision(
        data.probabilities.map((p) => p[k]!),
        positive,
      ),
      imageCount: positive.filter(Boolean).length,
    };
  });

  const micro = (counts: Counts[]) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const k of regular) {
      tp += counts[k]!.tp;
      fp += counts[k]!.fp;
      fn += counts[k]!.fn;
    }
    return { tp, fp, fn };
  };
  const total = micro(pooled);
  const foldTotals = perFold.map(micro);
  const aps = regular.map((k) => perTag[k]!.averagePrecision).filter((v): v is number => v !== null);
  return {
    threshold,
    precision: ratio(total.tp, total.tp + total.fp),
    precisionStdDeviation: populationStd(foldTotals.filter((c) => c.tp + c.fp > 0).map((c) => c.tp / (c.tp + c.fp))),
    recall: ratio(total.tp, total.tp + total.fn),
    recallStdDeviation: populationStd(foldTotals.filter((c) => c.tp + c.fn > 0).map((c) => c.tp / (c.tp + c.fn))),
    averagePrecision: aps.length ? aps.reduce((a, b) => a + b, 0) / aps.length : null,
    perTag,
  };
}

/** Top-1 accuracy over the regular-tag images (multiclass), for benchmarks and logs; not a Custom Vision figure. */
export function accuracy(data: EvaluationData): number {
  let correct = 0;
  data.labels.forEach((truth, i) => {
    const top = predictedTags('Multiclass', data.probabilities[i]!, 0);
    if (top.length && truth.includes(top[0]!)) correct++;
  });
  return data.labels.length ? correct / data.labels.length : 0;
}
