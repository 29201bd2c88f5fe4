import { describe, expect, it } from 'vitest';
import { chooseFoldCount, rarestTagStrata, stratifiedFolds } from '../src/evaluation/folds.ts';
import { averagePrecision, type EvaluationData, metricsAt, predictedTags } from '../src/evaluation/metrics.ts';

/**
 * Multiclass, tags A, B and C (Negative), two folds. At threshold 0.5 each image's prediction is its most probable
 * tag if ≥ 0.5:
 *   img0 A → A (TP A)   img1 A → none, top 0.4 (FN A)   img2 B → B (TP B)
 *   img3 B → A (FP A, FN B)   img4 C → C (TP C)   img5 A → B (FP B, FN A)
 */
const multiclass: EvaluationData = {
  classificationType: 'Multiclass',
  tagIds: ['A', 'B', 'C'],
  tagTypes: ['Regular', 'Regular', 'Negative'],
  folds: 2,
  fold: [0, 0, 0, 1, 1, 1],
  labels: [[0], [0], [1], [1], [2], [0]],
  probabilities: [
    [0.7, 0.2, 0.1],
    [0.4, 0.35, 0.25],
    [0.1, 0.8, 0.1],
    [0.6, 0.3, 0.1],
    [0.2, 0.1, 0.7],
    [0.3, 0.6, 0.1],
  ],
};

/** Multilabel, tags X, Y and N (Negative); each tag is predicted when its probability ≥ threshold. */
const multilabel: EvaluationData = {
  classificationType: 'Multilabel',
  tagIds: ['X', 'Y', 'N'],
  tagTypes: ['Regular', 'Regular', 'Negative'],
  folds: 2,
  fold: [0, 0, 1, 1],
  labels: [[0], [0, 1], [1], [2]],
  probabilities: [
    [0.9, 0.6, 0.05],
    [0.8, 0.4, 0.1],
    [0.3, 0.7, 0.2],
    [0.55, 0.1, 0.6],
  ],
};

describe('predictedTags', () => {
  it('multiclass: the top tag when it reaches the threshold, else nothing; ties go to the earlier tag', () => {
    expect(predictedTags('Multiclass', [0.2, 0.5, 0.3], 0.5)).toEqual([1]);
    expect(predictedTags('Multiclass', [0.4, 0.35, 0.25], 0.5)).toEqual([]);
    expect(predictedTags('Multiclass', [0.5, 0.5], 0.5)).toEqual([0]);
    expect(predictedTags('Multiclass', [0.3, 0.3, 0.4], 0.3)).toEqual([2]);
  });
  it('multilabel: every tag at or above the threshold', () => {
    expect(predictedTags('Multilabel', [0.9, 0.5, 0.49], 0.5)).toEqual([0, 1]);
  });
});

describe('averagePrecision', () => {
  it('matches a hand computation: 1/3·1 + 1/3·2/3 + 1/3·3/4 = 29/36', () => {
    const ap = averagePrecision([0.7, 0.4, 0.1, 0.6, 0.2, 0.3], [true, true, false, false, false, true]);
    expect(ap).toBeCloseTo(29 / 36, 12);
  });
  it('treats tied scores as one threshold', () => {
    expect(averagePrecision([0.5, 0.5], [true, false])).toBeCloseTo(0.5, 12);
    expect(averagePrecision([0.5, 0.4], [true, false])).toBeCloseTo(1, 12);
  });
  it('is null without positives', () => {
    expect(averagePrecision([0.1, 0.9], [false, false])).toBeNull();
  });
});

describe('metricsAt, multiclass', () => {
  const m = metricsAt(multiclass, 0.5);
  const tag = (id: string) => m.perTag.find((t) => t.tagId === id)!;

  it('per tag precision and recall', () => {
    expect(tag('A').precision).toBeCloseTo(1 / 2, 12);
    expect(tag('A').recall).toBeCloseTo(1 / 3, 12);
    expect(tag('B').precision).toBeCloseTo(1 / 2, 12);
    expect(tag('B').recall).toBeCloseTo(1 / 2, 12);
    expect(tag('C').precision).toBe(1);
    expect(tag('C').recall).toBe(1);
    expect(tag('A').imageCount).toBe(3);
  });

  it('overall is micro-averaged over regular tags, Negative left out', () => {
    // TP 2 (A, B), FP 2, FN 3.
    expect(m.precision).toBeCloseTo(2 / 4, 12);
    expect(m.recall).toBeCloseTo(2 / 5, 12);
  });

  it('standard deviations across folds (population), skipping folds where a figure is undefined', () => {
    // Fold 0: A P=1 R=1/2, B P=1 R=1, overall P=1 R=2/3. Fold 1: everything 0. C only in fold 1.
    expect(tag('A').precisionStdDeviation).toBeCloseTo(0.5, 12);
    expect(tag('A').recallStdDeviation).toBeCloseTo(0.25, 12);
    expect(tag('B').recallStdDeviation).toBeCloseTo(0.5, 12);
    expect(tag('C').precisionStdDeviation).toBe(0);
    expect(m.precisionStdDeviation).toBeCloseTo(0.5, 12);
    expect(m.recallStdDeviation).toBeCloseTo(1 / 3, 12);
  });

  it('average precision per tag and overall (mean over regular tags)', () => {
    expect(tag('A').averagePrecision).toBeCloseTo(29 / 36, 12);
    expect(tag('B').averagePrecision).toBeCloseTo(3 / 4, 12);
    expect(tag('C').averagePrecision).toBe(1);
    expect(m.averagePrecision).toBeCloseTo((29 / 36 + 3 / 4) / 2, 12);
  });

  it('recomputes for another threshold without retraining', () => {
    const low = metricsAt(multiclass, 0.35);
    // img1 now predicts A: TP 3, FP 2, FN 2.
    expect(low.perTag[0]!.precision).toBeCloseTo(2 / 3, 12);
    expect(low.perTag[0]!.recall).toBeCloseTo(2 / 3, 12);
    expect(low.precision).toBeCloseTo(3 / 5, 12);
    expect(low.recall).toBeCloseTo(3 / 5, 12);
    expect(low.averagePrecision).toBe(m.averagePrecision);
    const none = metricsAt(multiclass, 0.95);
    expect(none.precision).toBe(0);
    expect(none.recall).toBe(0);
  });
});

describe('metricsAt, multilabel', () => {
  const m = metricsAt(multilabel, 0.5);
  it('decides each tag independently', () => {
    expect(m.perTag[0]!.precision).toBeCloseTo(2 / 3, 12);
    expect(m.perTag[0]!.recall).toBe(1);
    expect(m.perTag[1]!.precision).toBeCloseTo(1 / 2, 12);
    expect(m.perTag[1]!.recall).toBeCloseTo(1 / 2, 12);
    expect(m.perTag[2]!.precision).toBe(1);
    // TP 3, FP 2 (Y on img0, X on img3), FN 1 (Y on img1).
    expect(m.precision).toBeCloseTo(3 / 5, 12);
    expect(m.recall).toBeCloseTo(3 / 4, 12);
  });
  it('average precision', () => {
    expect(m.perTag[0]!.averagePrecision).toBe(1);
    expect(m.perTag[1]!.averagePrecision).toBeCloseTo(5 / 6, 12);
    expect(m.averagePrecision).toBeCloseTo(11 / 12, 12);
  });
});

describe('folds', () => {
  it('uses at most 5 folds, at most the smallest class, at least 2', () => {
    expect(chooseFoldCount([40, 40, 40], 120)).toBe(5);
    expect(chooseFoldCount([3, 40], 43)).toBe(3);
    expect(chooseFoldCount([1, 10], 11)).toBe(2);
  });
  it('stratifies: every fold gets each class in proportion, deterministically for a seed', () => {
    const strata = [...Array(10).fill(0), ...Array(5).fill(1)];
    const folds = stratifiedFolds(strata, 5, 42);
    for (let f = 0; f < 5; f++) {
      expect(strata.filter((s, i) => s === 0 && folds[i] === f)).toHaveLength(2);
      expect(strata.filter((s, i) => s === 1 && folds[i] === f)).toHaveLength(1);
    }
    expect(stratifiedFolds(strata, 5, 42)).toEqual(folds);
    expect(stratifiedFolds(strata, 5, 43)).not.toEqual(folds);
  });
  it('stratifies multilabel images by their rarest tag', () => {
    expect(rarestTagStrata([[0, 1], [1], [0, 2]], [2, 5, 1])).toEqual([0, 1, 2]);
  });
});
