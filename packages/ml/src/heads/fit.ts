/**
 * Fit a LinearModel by minimising an L2-regularised, sample-weighted logistic loss with L-BFGS.
 *
 * Features are standardised (zero mean, unit variance per dimension, from the training rows) while optimising so
 * one L2 strength suits every backbone and the problem is well conditioned; the scaling is folded back into the
 * weights at the end. The bias is not regularised (apart from a tiny term that keeps it finite when a tag is on
 * every image or none).
 */
import { type LbfgsOptions, minimizeLbfgs } from './lbfgs.ts';
import { type Activation, type LinearModel, sigmoid } from './linear-model.ts';

export interface FitProblem {
  activation: Activation;
  /** Training rows (one per image view), all of the same length. */
  rows: readonly Float32Array[];
  /** rows × outputs targets in [0, 1]: one-hot for softmax, independent 0/1 per output for sigmoid. */
  targets: Float32Array;
  outputs: number;
  /**
   * Weight of each (row, output) term for sigmoid, or of each row (length = rows) for softmax. Lets callers balance
   * classes and make every image count once however many views it has.
   */
  weights: Float32Array;
  /** L2 strength on standardised weights, relative to the mean loss. */
  l2: number;
}

const BIAS_L2 = 1e-6;

export interface FitResult {
  model: LinearModel;
  iterations: number;
  converged: boolean;
  loss: number;
}

export async function fitLinear(
  problem: FitProblem,
  lbfgs: Partial<LbfgsOptions> = {},
  warmStart?: Float64Array,
): Promise<FitResult & { params: Float64Array }> {
  const { rows, targets, outputs: k, weights, activation, l2 } = problem;
  const n = rows.length;
  if (n === 0) throw new Error('fitLinear: no rows');
  const d = rows[0]!.length;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const r of rows) for (let i = 0; i < d; i++) mean[i]! += r[i]!;
  for (let i = 0; i < d; i++) mean[i]! /= n;
  for (const r of rows) {
    for (let i = 0; i < d; i++) {
      const c = r[i]! - mean[i]!;
      std[i]! += c * c;
    }
  }
  // Constant dimensions (dead ReLUs) get unit scale instead of a division by zero.
  for (let i = 0; i < d; i++) std[i] = Math.sqrt(std[i]! / n) || 1;
  const x = new Float32Array(n * d);
  rows.forEach((r, j) => {
    for (let i = 0; i < d; i++) x[j * d + i] = (r[i]! - mean[i]!) / std[i]!;
  });

  const perOutputWeights = activation === 'sigmoid';
  let totalWeight = 0;
  for (const w of weights) totalWeight += w;
  if (perOutputWeights) totalWeight /= k;
  const norm = 1 / Math.max(totalWeight, 1e-12);
  const wOffset = 0;
  const bOffset = k * d;
  const z = new Float64Array(k);

  const objective = (params: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let j = 0; j < n; j++) {
      const xo = j * d;
      for (let o = 0; o < k; o++) {
        let s = params[bOffset + o]!;
        const wo = wOffset + o * d;
        for (let i = 0; i < d; i++) s += params[wo + i]! * x[xo + i]!;
        z[o] = s;
      }
      if (activation === 'softmax') {
        let max = Number.NEGATIVE_INFINITY;
        for (let o = 0; o < k; o++) max = Math.max(max, z[o]!);
        let sum = 0;
        for (let o = 0; o < k; o++) sum += Math.exp(z[o]! - max);
        const lse = max + Math.log(sum);
        const w = weights[j]! * norm;
        for (let o = 0; o < k; o++) {
          const t = targets[j * k + o]!;
          if (t > 0) loss += w * t * (lse - z[o]!);
          const r = w * (Math.exp(z[o]! - lse) - t);
          if (r === 0) continue;
          grad[bOffset + o]! += r;
          const wo = wOffset + o * d;
          for (let i = 0; i < d; i++) grad[wo + i]! += r * x[xo + i]!;
        }
      } else {
        for (let o = 0; o < k; o++) {
          const t = targets[j * k + o]!;
          const w = weights[j * k + o]! * norm;
          const v = z[o]!;
          // log(1 + e^v) - t·v, computed without overflow.
          loss += w * (Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))) - t * v);
          const r = w * (sigmoid(v) - t);
          if (r === 0) continue;
          grad[bOffset + o]! += r;
          const wo = wOffset + o * d;
          for (let i = 0; i < d; i++) grad[wo + i]! += r * x[xo + i]!;
        }
      }
    }
    for (let i = 0; i < k * d; i++) {
      const p = params[wOffset + i]!;
      loss += 0.5 * l2 * p * p;
      grad[wOffset + i]! += l2 * p;
    }
    for (let o = 0; o < k; o++) {
      const p = params[bOffset + o]!;
      loss += 0.5 * BIAS_L2 * p * p;
      grad[bOffset + o]! += BIAS_L2 * p;
    }
    return loss;
  };

  const start = warmStart && warmStart.length === k * (d + 1) ? warmStart : new Float64Array(k * (d + 1));
  const result = await minimizeLbfgs(objective, start, lbfgs);
  const p = result.x;
  // Fold the standardisation back in: w·(x-μ)/σ + b = (w/σ)·x + (b - Σ w·μ/σ).
  const modelWeights = new Float32Array(k * d);
  const bias = new Float32Array(k);
  for (let o = 0; o < k; o++) {
    let b = p[bOffset + o]!;
    for (let i = 0; i < d; i++) {
      const w = p[wOffset + o * d + i]! / std[i]!;
      modelWeights[o * d + i] = w;
      b -= w * mean[i]!;
    }
    bias[o] = b;
  }
  return {
    model: { activation, inputDim: d, outputs: k, weights: modelWeights, bias },
    iterations: result.iterations,
    converged: result.converged,
    loss: result.loss,
    params: p,
  };
}
