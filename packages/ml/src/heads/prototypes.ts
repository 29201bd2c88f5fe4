/**
 * Class prototypes (nearest class mean) blended into a softmax head.
 *
 * With few photos per tag a linear head fitted by logistic loss leans on whichever few directions separate the
 * training images; the distance to each class's mean feature is a steadier, more biased vote. The prototype score
 * of class c is −β·‖x − μ_c‖² / (2T), T the mean squared distance of the training rows to their overall mean (so β
 * is free of the backbone's scale). Expanded, that is β·(x·μ_c − ‖μ_c‖²/2)/T minus a term the same for every
 * class, which softmax ignores: so the blend folds exactly into the linear layer's weights and biases, and a
 * blended head is still one MatMul + Add + softmax that every exporter and runtime reproduces unchanged.
 */
import type { LinearModel } from './linear-model.ts';

export interface Prototypes {
  /** outputs × dim class means, row-major. */
  means: Float64Array;
  outputs: number;
  dim: number;
  /** Mean squared distance of the rows to their overall mean (at least a tiny positive number). */
  spread: number;
}

/** Means per output class of rows labelled by `rowClass` (an output index per row). */
export function classPrototypes(
  rows: readonly Float32Array[],
  rowClass: readonly number[],
  outputs: number,
): Prototypes {
  const dim = rows[0]?.length ?? 0;
  const means = new Float64Array(outputs * dim);
  const counts = new Array<number>(outputs).fill(0);
  const overall = new Float64Array(dim);
  rows.forEach((row, i) => {
    const c = rowClass[i]!;
    counts[c]!++;
    const base = c * dim;
    for (let q = 0; q < dim; q++) {
      means[base + q]! += row[q]!;
      overall[q]! += row[q]!;
    }
  });
  for (let c = 0; c < outputs; c++) {
    if (counts[c] === 0) throw new Error(`classPrototypes: output ${c} has no row`);
    for (let q = 0; q < dim; q++) means[c * dim + q]! /= counts[c]!;
  }
  for (let q = 0; q < dim; q++) overall[q]! /= rows.length;
  let spread = 0;
  for (const row of rows) {
    for (let q = 0; q < dim; q++) {
      const v = row[q]! - overall[q]!;
      spread += v * v;
    }
  }
  spread /= rows.length;
  return { means, outputs, dim, spread: Math.max(spread, 1e-12) };
}

/** −‖x − μ_c‖² / (2T) for every class (multiply by β to blend). */
export function prototypeScores(p: Prototypes, x: Float32Array): Float64Array {
  const out = new Float64Array(p.outputs);
  for (let c = 0; c < p.outputs; c++) {
    let s = 0;
    const base = c * p.dim;
    for (let q = 0; q < p.dim; q++) {
      const v = x[q]! - p.means[base + q]!;
      s += v * v;
    }
    out[c] = -s / (2 * p.spread);
  }
  return out;
}

/** The softmax model whose logits are the model's plus β times the prototype scores (up to a shared constant). */
export function blendPrototypes(model: LinearModel, p: Prototypes, beta: number): LinearModel {
  if (model.activation !== 'softmax') throw new Error('prototypes blend into softmax heads only');
  if (model.outputs !== p.outputs || model.inputDim !== p.dim) throw new Error('prototypes do not match the model');
  const weights = new Float32Array(model.weights);
  const bias = new Float32Array(model.bias);
  if (beta === 0) return { ...model, weights, bias };
  const a = beta / p.spread;
  for (let c = 0; c < p.outputs; c++) {
    const base = c * p.dim;
    let norm = 0;
    for (let q = 0; q < p.dim; q++) {
      const m = p.means[base + q]!;
      weights[base + q]! += a * m;
      norm += m * m;
    }
    bias[c]! -= (a * norm) / 2;
  }
  return { ...model, weights, bias };
}
