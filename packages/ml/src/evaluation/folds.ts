/**
 * Stratified k-fold assignment for cross-validation. Deterministic for a seed.
 */
import { createRng, shuffled } from '../util/random.ts';

/**
 * Number of folds: at most 5, at most the size of the smallest class (so every fold can hold each class once) and
 * at least 2 (fewer is no cross-validation at all). With a class of one image that image is scored by a model
 * that never saw its class; that is the honest answer for a class nobody can evaluate.
 */
export function chooseFoldCount(classSizes: readonly number[], imageCount: number): number {
  const smallest = classSizes.length ? Math.min(...classSizes) : imageCount;
  return Math.max(2, Math.min(5, smallest, imageCount));
}

/**
 * One stratum per image (its class for multiclass; its rarest tag for multilabel). Images of a stratum are
 * shuffled and dealt round-robin, continuing where the previous stratum stopped so fold sizes differ by at most one.
 */
export function stratifiedFolds(strata: readonly number[], k: number, seed: number): number[] {
  const rng = createRng(seed);
  const byStratum = new Map<number, number[]>();
  strata.forEach((s, i) => {
    const list = byStratum.get(s) ?? [];
    list.push(i);
    byStratum.set(s, list);
  });
  const folds = new Array<number>(strata.length).fill(0);
  let next = 0;
  for (const key of [...byStratum.keys()].sort((a, b) => a - b)) {
    for (const i of shuffled(byStratum.get(key)!, rng)) {
      folds[i] = next % k;
      next++;
    }
  }
  return folds;
}

/** Stratum for a multilabel image: its tag with the fewest images overall (ties: lower index); -1 if untagged. */
export function rarestTagStrata(labels: readonly (readonly number[])[], tagCounts: readonly number[]): number[] {
  return labels.map((tags) => {
    let best = -1;
    for (const t of tags) {
      if (best < 0 || tagCounts[t]! < tagCounts[best]! || (tagCounts[t] === tagCounts[best] && t < best)) best = t;
    }
    return best;
  });
}
