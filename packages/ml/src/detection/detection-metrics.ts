/**
 * Object-detection metrics as Custom Vision reports them, from stored out-of-fold detections, for any probability
 * threshold and box-overlap threshold without retraining:
 *
 * - a detection is a true positive when its IoU with a not-yet-matched ground-truth box of the same tag reaches the
 *   overlap threshold (detections taken highest probability first, per image; PASCAL VOC's matching);
 * - precision and recall per tag count the detections at or above the probability threshold;
 * - AP per tag is the area under the precision/recall curve of all detections, with precision made monotone
 *   (all-point interpolation, PASCAL VOC 2010 onwards); mAP is the mean over tags that have ground truth.
 */
import { type Detection, iou, type LabelledBox } from './detector-head.ts';

export interface DetectionEvaluation {
  tagIds: string[];
  /** Per evaluated image: its ground truth and its out-of-fold detections. */
  images: { truth: LabelledBox[]; detections: Detection[] }[];
}

export interface DetectionTagMetrics {
  tagId: string;
  precision: number;
  recall: number;
  averagePrecision: number;
}

export interface DetectionMetrics {
  perTag: DetectionTagMetrics[];
  /** Over all tags' detections at the threshold. */
  precision: number;
  recall: number;
  /** Mean of the per-tag APs (mAP). */
  averagePrecision: number;
}

/** Azure's overlap threshold when a request gives none (the portal's 30 %). */
export const DEFAULT_OVERLAP_THRESHOLD = 0.3;

/** Per detection of every image: whether it matched a ground-truth box at `overlap`. Same order as the input. */
export function matchDetections(evaluation: DetectionEvaluation, overlap: number): boolean[][] {
  return evaluation.images.map(({ truth, detections }) => {
    const used = new Array<boolean>(truth.length).fill(false);
    const order = detections.map((_, i) => i).sort((a, b) => detections[b]!.probability - detections[a]!.probability);
    const hit = new Array<boolean>(detections.length).fill(false);
    for (const i of order) {
      const d = detections[i]!;
      let best = -1;
      let bestIou = overlap;
      truth.forEach((g, j) => {
        if (used[j] || g.tag !== d.tag) return;
        const v = iou(g, d);
        if (v >= bestIou) {
          bestIou = v;
          best = j;
        }
      });
      if (best >= 0) {
        used[best] = true;
        hit[i] = true;
      }
    }
    return hit;
  });
}

export function detectionMetricsAt(
  evaluation: DetectionEvaluation,
  threshold: number,
  overlap: number = DEFAULT_OVERLAP_THRESHOLD,
): DetectionMetrics {
  const hits = matchDetections(evaluation, overlap);
  const T = evaluation.tagIds.length;
  const truthCount = new Array<number>(T).fill(0);
  for (const img of evaluation.images) for (const g of img.truth) truthCount[g.tag]!++;
  const scored: { p: number; tp: boolean }[][] = Array.from({ length: T }, () => []);
  evaluation.images.forEach((img, i) => {
    img.detections.forEach((d, k) => {
      scored[d.tag]?.push({ p: d.probability, tp: hits[i]![k]! });
    });
  });
  let allTp = 0;
  let allDet = 0;
  let allTruth = 0;
  const perTag = evaluation.tagIds.map((tagId, t) => {
    const list = scored[t]!.sort((a, b) => b.p - a.p);
    const above = list.filter((s) => s.p >= threshold);
    const tp = above.filter((s) => s.tp).length;
    allTp += tp;
    allDet += above.length;
    allTruth += truthCount[t]!;
    return {
      tagId,
      precision: above.length ? tp / above.length : 0,
      recall: truthCount[t] ? tp / truthCount[t]! : 0,
      averagePrecision: averagePrecisionOf(list, truthCount[t]!),
    };
  });
  const withTruth = perTag.filter((_, t) => truthCount[t]! > 0);
  return {
    perTag,
    precision: allDet ? allTp / allDet : 0,
    recall: allTruth ? allTp / allTruth : 0,
    averagePrecision: withTruth.length ? withTruth.reduce((s, m) => s + m.averagePrecision, 0) / withTruth.length : 0,
  };
}

/** All-point interpolated AP of detections sorted by probability, highest first. */
function averagePrecisionOf(sorted: readonly { tp: boolean }[], truth: number): number {
  if (!truth) return 0;
  const precision: number[] = [];
  const recall: number[] = [];
  let tp = 0;
  sorted.forEach((s, i) => {
    if (s.tp) tp++;
    precision.push(tp / (i + 1));
    recall.push(tp / truth);
  });
  for (let i = precision.length - 2; i >= 0; i--) precision[i] = Math.max(precision[i]!, precision[i + 1]!);
  let ap = 0;
  let prev = 0;
  for (let i = 0; i < recall.length; i++) {
    if (recall[i]! > prev) {
      ap += (recall[i]! - prev) * precision[i]!;
      prev = recall[i]!;
    }
  }
  return ap;
}
