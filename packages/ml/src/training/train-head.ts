/**
 * Train a head on cached features, with Custom Vision's cross-validated evaluation.
 *
 * Regular: one L2 strength (the backbone's default), k-fold cross-validation for the evaluation, then a final fit on
 * all images; with augmentation, small projects also train on two corner crops per image (training/views.ts).
 * Advanced: three crop groups per image whatever the project's size, and a bounded search over L2 strengths; every
 * candidate is scored by its cross-validated log-loss on the same folds, the best one's out-of-fold predictions
 * become the evaluation (slightly optimistic, since the folds also chose the strength) and
 * it is refitted on all images. The search stops when `budgetMs` is spent and keeps the best candidate so far.
 *
 * Runs on the caller's event loop and yields between chunks of work (see yieldToEventLoop), so a server keeps
 * answering while it trains.
 */
import { TrainingInputError } from '../errors.ts';
import { chooseFoldCount, stratifiedFolds } from '../evaluation/folds.ts';
import { type ClassificationType, type EvaluationData, metricsAt, type TagType } from '../evaluation/metrics.ts';
import { buildRowSet, fitSubset, type RowSet, type SubsetFactor } from '../heads/fit.ts';
import { type BackboneRef, type Head, probabilitiesFromLogits, type TrainingType } from '../heads/head.ts';
import { meanFeatures, softmaxInPlace } from '../heads/linear-model.ts';
import { blendPrototypes, classPrototypes, type Prototypes, prototypeScores } from '../heads/prototypes.ts';
import type { PreprocessingDescription } from '../preprocess/preprocess.ts';
import type { ViewName } from '../preprocess/views.ts';
import { yieldToEventLoop } from '../util/yield.ts';
import { type LabelLayout, layoutLabels, type TrainingImage } from './problem.ts';
import { predictionViewsFor, trainingViewGroups, trainingViews } from './views.ts';

/** Candidate L2 strengths for Advanced, as multiples of the backbone's default, most likely first. */
export const ADVANCED_L2_FACTORS = [1, 0.3, 3, 0.1, 10] as const;
export const DEFAULT_ADVANCED_BUDGET_MS = 120_000;
/**
 * Weights β of the class-prototype scores a multiclass head may blend in (heads/prototypes.ts), chosen by the
 * cross-validated log-loss on the training images; 0 keeps the plain linear head. Opt-in (`prototypeWeights`), not
 * the default: on the few-shot benchmark (docs/benchmarks.md) the search kept 0 on every flowers draw and, where it
 * picked a weight (fruit, out-of-fold losses near 0), it changed nothing or cost one image.
 */
export const PROTOTYPE_WEIGHTS = [0, 1, 3, 10, 30] as const;

export interface TrainHeadOptions {
  backbone: BackboneRef & { preprocessing: PreprocessingDescription; defaultL2?: number };
  tagIds: string[];
  tagTypes: TagType[];
  images: TrainingImage[];
  classificationType: ClassificationType;
  trainingType?: TrainingType;
  /**
   * Use augmented views: mirror images, and crops for Advanced and for small projects (training/views.ts; features
   * of views the caller did not embed are skipped). The server maps image-processing settings to it.
   */
  augment?: boolean;
  /** Weight classes inversely to their frequency. Default true. */
  balance?: boolean;
  seed?: number;
  /** Cross-validate to produce the evaluation. Default true (Advanced always cross-validates). */
  evaluate?: boolean;
  /** Fixed L2 strength (also skips the Advanced search). */
  l2?: number;
  /** Advanced training time bound in ms (default 120 s). */
  budgetMs?: number;
  /**
   * Views averaged at prediction (default: centre and its mirror with augmentation, else centre). More views cost
   * one backbone pass each at prediction; all 12 views bought +0.5–1 point on flowers after Advanced training.
   */
  predictionViews?: ViewName[];
  /**
   * Candidate prototype weights for multiclass heads (default [0]: a plain linear head; PROTOTYPE_WEIGHTS for the
   * search). Several candidates need the cross-validation; without it the first is used.
   */
  prototypeWeights?: readonly number[];
  onProgress?: (progress: TrainingProgress) => void;
  signal?: AbortSignal;
}

export interface TrainingProgress {
  stage: 'preparing' | 'cross-validating' | 'final-fit';
  /** Fits done and planned (planned shrinks when the Advanced budget runs out). */
  done: number;
  total: number;
}

export interface TrainHeadResult {
  head: Head;
  /** Out-of-fold predictions; null when evaluation was switched off. */
  evaluation: EvaluationData | null;
  /** Tags (not Negative) without training images: they get probability 0. */
  untrainedTagIds: string[];
}

export async function trainHead(options: TrainHeadOptions): Promise<TrainHeadResult> {
  const started = performance.now();
  const trainingType = options.trainingType ?? 'Regular';
  const augment = options.augment ?? true;
  const balance = options.balance ?? true;
  const seed = options.seed ?? 0;
  const { images, tagIds, tagTypes, classificationType, backbone } = options;
  const layout = layoutLabels(classificationType, tagIds, tagTypes, images, balance);
  const groups = trainingViewGroups(trainingType, augment, images.length);
  const activation = classificationType === 'Multiclass' ? 'softmax' : 'sigmoid';
  const outputs = layout.outputTags.length;
  const predictionViews = options.predictionViews?.length ? [...options.predictionViews] : predictionViewsFor(augment);
  if (predictionViews[0] !== 'centre') throw new TrainingInputError('predictionViews must start with the centre view');

  const checkAbort = () => {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('training aborted');
  };
  const onChunk = async () => {
    await yieldToEventLoop();
    checkAbort();
  };

  // One row per (image, view group present for it): the mean of the group's features.
  const rows: Float32Array[] = [];
  const rowImage: number[] = [];
  images.forEach((img, i) => {
    for (const v of Object.values(img.features)) {
      if (v && v.length !== backbone.dim) {
        throw new TrainingInputError(
          `image ${i}: ${v.length} features, backbone ${backbone.cacheKey} gives ${backbone.dim}`,
        );
      }
    }
    if (!img.features.centre) throw new TrainingInputError(`image ${i} lacks features for the centre view`);
    for (const group of groups) {
      const present = group.map((v) => img.features[v]).filter((f): f is Float32Array => f !== undefined);
      // A group counts only with its first (unmirrored) view, so rows never mix crops.
      if (!img.features[group[0]!]) continue;
      rows.push(meanFeatures(present));
      rowImage.push(i);
    }
  });
  const rowsOfImage = images.map(() => 0);
  for (const i of rowImage) rowsOfImage[i]!++;
  options.onProgress?.({ stage: 'preparing', done: 0, total: 1 });
  // What a head's linear layer sees at prediction: the mean of the prediction views present. Cross-validation scores
  // held-out images from the Gram matrix (fitSubset's logitsOf), so each image's prediction input is a row of the
  // set: its first training row when that is the same vector (the default views), else an extra row after them.
  const predictionInput = (i: number): Float32Array =>
    meanFeatures(predictionViews.map((v) => images[i]!.features[v]).filter((f): f is Float32Array => f !== undefined));
  const firstRow = images.map(() => -1);
  rowImage.forEach((i, r) => {
    if (firstRow[i]! < 0) firstRow[i] = r;
  });
  const probes: Float32Array[] = [];
  const probeRow = images.map((_, i) => {
    const input = predictionInput(i);
    const own = rows[firstRow[i]!]!;
    if (input === own || input.every((v, q) => v === own[q])) return firstRow[i]!;
    probes.push(input);
    return rows.length + probes.length - 1;
  });
  const set: RowSet = await buildRowSet(probes.length ? [...rows, ...probes] : rows, onChunk);

  const fit = async (imageSubset: ReadonlySet<number>, l2: number, reuse: Parameters<typeof fitSubset>[2] = {}) => {
    const subset: number[] = [];
    rowImage.forEach((img, r) => {
      if (imageSubset.has(img)) subset.push(r);
    });
    const targets = new Float32Array(subset.length * outputs);
    const weights = new Float32Array(activation === 'sigmoid' ? subset.length * outputs : subset.length);
    subset.forEach((r, s) => {
      const i = rowImage[r]!;
      const share = 1 / rowsOfImage[i]!;
      for (let o = 0; o < outputs; o++) targets[s * outputs + o] = layout.targets[i * outputs + o]!;
      if (activation === 'sigmoid') {
        for (let o = 0; o < outputs; o++) weights[s * outputs + o] = layout.imageWeights[i * outputs + o]! * share;
      } else {
        weights[s] = layout.imageWeights[i]! * share;
      }
    });
    return fitSubset(
      { activation, set, subset, outputs, targets, weights, l2 },
      { onProgress: onChunk, yieldEvery: 5 },
      reuse,
    );
  };

  const makeHead = (model: Head['model'], l2: number, iterations: number): Head => ({
    format: 'cvkit-head',
    formatVersion: 1,
    classificationType,
    tagIds: [...tagIds],
    tagTypes: [...tagTypes],
    backbone: { id: backbone.id, version: backbone.version, cacheKey: backbone.cacheKey, dim: backbone.dim },
    preprocessing: backbone.preprocessing,
    predictionViews: predictionViews,
    model,
    outputTags: layout.outputTags,
    negative: layout.negative,
    training: {
      trainingType,
      augment,
      seed,
      l2,
      trainingViews: trainingViews(trainingType, augment, images.length),
      imageCount: images.length,
      balanced: balance,
      iterations,
      durationMs: 0,
    },
  });

  const shape = { tagIds, tagTypes, outputTags: layout.outputTags, negative: layout.negative };

  // Prototypes blend into softmax heads only (a per-image constant cancels there, not in sigmoids).
  const betas = options.prototypeWeights?.length ? [...options.prototypeWeights] : [0];
  if (betas.some((b) => !(b >= 0))) throw new TrainingInputError('prototypeWeights must be non-negative');
  const blendable = activation === 'softmax' && betas.some((b) => b !== 0);
  const rowOutput = rowImage.map((i) => layout.strata[i]!);
  const prototypesOf = (imageSubset: ReadonlySet<number>): Prototypes => {
    const picked = rows.flatMap((_, r) => (imageSubset.has(rowImage[r]!) ? [r] : []));
    return classPrototypes(
      picked.map((r) => rows[r]!),
      picked.map((r) => rowOutput[r]!),
      outputs,
    );
  };
  const blendProbabilities = (p: number[], scores: Float64Array, beta: number): number[] => {
    const z = new Float64Array(outputs);
    layout.outputTags.forEach((tag, o) => {
      z[o] = Math.log(Math.max(p[tag]!, 1e-300)) + beta * scores[o]!;
    });
    softmaxInPlace(z);
    const out = new Array<number>(tagIds.length).fill(0);
    layout.outputTags.forEach((tag, o) => {
      out[tag] = z[o]!;
    });
    return out;
  };

  const baseL2 = options.l2 ?? backbone.defaultL2 ?? 1e-2;
  const advanced = trainingType === 'Advanced' && options.l2 === undefined;
  const candidates = advanced ? ADVANCED_L2_FACTORS.map((f) => baseL2 * f) : [baseL2];
  const evaluate = advanced || (options.evaluate ?? true);
  const budget = options.budgetMs ?? DEFAULT_ADVANCED_BUDGET_MS;
  const all = images.map((_, i) => i);

  let evaluation: EvaluationData | null = null;
  let chosenL2 = candidates[0]!;
  let chosenBeta = betas[0]!;
  const search: NonNullable<Head['training']['search']> = [];
  if (evaluate) {
    const k = chooseFoldCount(layout.classSizes, images.length);
    const fold = stratifiedFolds(layout.strata, k, seed);
    let bestLoss = Number.POSITIVE_INFINITY;
    let bestAp = Number.NEGATIVE_INFINITY;
    const foldData = (probabilities: number[][]): EvaluationData => ({
      classificationType,
      tagIds: [...tagIds],
      tagTypes: [...tagTypes],
      folds: k,
      fold,
      labels: images.map((img) => [...img.tags]),
      probabilities,
    });
    let done = 0;
    let total = candidates.length * k + 1;
    // Prototype scores of each held-out image under its fold's class means: the same for every L2 candidate.
    const heldOutScores: Float64Array[] = new Array(images.length);
    if (blendable) {
      for (let f = 0; f < k; f++) {
        const p = prototypesOf(new Set(all.filter((i) => fold[i] !== f)));
        for (const i of all) if (fold[i] === f) heldOutScores[i] = prototypeScores(p, predictionInput(i));
      }
    }
    // Every L2 candidate refits the same folds: each fold's factorisation is computed once, and each fit starts
    // from the solution of the nearest strength already solved on that fold (far fewer L-BFGS iterations).
    const foldFactors: SubsetFactor[] = [];
    const foldSolutions: { l2: number; params: Float64Array }[][] = Array.from({ length: k }, () => []);
    for (const l2 of candidates) {
      let probabilities: number[][] = new Array(images.length);
      for (let f = 0; f < k; f++) {
        const nearest = foldSolutions[f]!.reduce<{ l2: number; params: Float64Array } | undefined>(
          (best, s) => (!best || Math.abs(Math.log(s.l2 / l2)) < Math.abs(Math.log(best.l2 / l2)) ? s : best),
          undefined,
        );
        const result = await fit(new Set(all.filter((i) => fold[i] !== f)), l2, {
          ...(foldFactors[f] ? { factor: foldFactors[f] } : {}),
          ...(nearest ? { start: nearest.params } : {}),
        });
        foldFactors[f] = result.factor;
        foldSolutions[f]!.push({ l2, params: result.params });
        const heldOut = all.filter((i) => fold[i] === f);
        const logits = result.logitsOf(heldOut.map((i) => probeRow[i]!));
        heldOut.forEach((i, j) => {
          probabilities[i] = probabilitiesFromLogits(shape, activation, logits[j]!);
        });
        options.onProgress?.({ stage: 'cross-validating', done: ++done, total });
        await onChunk();
      }
      let loss = crossValidatedLoss(classificationType, layout, images, probabilities);
      let beta = betas[0]!;
      if (blendable) {
        const linear = probabilities;
        for (const b of betas) {
          const blended = linear.map((p, i) => blendProbabilities(p, heldOutScores[i]!, b));
          const l = crossValidatedLoss(classificationType, layout, images, blended);
          if (b === betas[0] || l < loss) {
            loss = l;
            beta = b;
            probabilities = blended;
          }
        }
      }
      const meanAp = metricsAt(foldData(probabilities), 0.5).averagePrecision ?? 0;
      search.push({ l2, loss, averagePrecision: meanAp, ...(blendable ? { prototypeWeight: beta } : {}) });
      // Highest out-of-fold mean average precision (what Custom Vision reports), then lowest log-loss.
      if (meanAp > bestAp + 1e-9 || (Math.abs(meanAp - bestAp) <= 1e-9 && loss < bestLoss)) {
        bestAp = meanAp;
        bestLoss = loss;
        chosenL2 = l2;
        chosenBeta = beta;
        evaluation = foldData(probabilities);
      }
      if (performance.now() - started > budget) {
        total = done + 1;
        break;
      }
    }
  }
  const final = await fit(new Set(all), chosenL2);
  options.onProgress?.({ stage: 'final-fit', done: 1, total: 1 });
  const linear = final.model();
  const model =
    blendable && chosenBeta !== 0 ? blendPrototypes(linear, prototypesOf(new Set(all)), chosenBeta) : linear;
  const head = makeHead(model, chosenL2, final.iterations);
  if (blendable) head.training.prototypeWeight = chosenBeta;
  if (advanced) head.training.search = search;
  head.training.durationMs = performance.now() - started;
  return { head, evaluation, untrainedTagIds: layout.untrainedTagIds };
}

/** Mean negative log-likelihood of the truth under the out-of-fold probabilities (the search criterion). */
function crossValidatedLoss(
  type: ClassificationType,
  layout: LabelLayout,
  images: readonly TrainingImage[],
  probabilities: readonly number[][],
): number {
  const eps = 1e-7;
  let loss = 0;
  images.forEach((img, i) => {
    const p = probabilities[i]!;
    if (type === 'Multiclass') {
      loss -= Math.log(Math.max(eps, p[img.tags[0]!]!));
    } else {
      for (const tag of layout.outputTags) {
        const q = Math.min(1 - eps, Math.max(eps, p[tag]!));
        loss -= img.tags.includes(tag) ? Math.log(q) : Math.log(1 - q);
      }
    }
  });
  return loss / images.length;
}
