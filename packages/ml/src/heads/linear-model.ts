/**
 * The classifier head: one linear layer on backbone features followed by softmax (multiclass) or one sigmoid per
 * output (multilabel). Weights live in raw feature space (standardisation is folded in after training), so a
 * head is a MatMul + Add + activation that any runtime or ONNX exporter reproduces exactly.
 */

export type Activation = 'softmax' | 'sigmoid';

export interface LinearModel {
  activation: Activation;
  inputDim: number;
  outputs: number;
  /** outputs × inputDim, row-major: row k scores output k. */
  weights: Float32Array;
  bias: Float32Array;
}

export function linearLogits(model: LinearModel, features: Float32Array): Float64Array {
  const { inputDim: d, outputs: k, weights, bias } = model;
  const z = new Float64Array(k);
  for (let o = 0; o < k; o++) {
    let s = bias[o]!;
    const base = o * d;
    for (let i = 0; i < d; i++) s += weights[base + i]! * features[i]!;
    z[o] = s;
  }
  return z;
}

/** Numerically stable softmax in place. */
export function softmaxInPlace(z: Float64Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of z) max = Math.max(max, v);
  let sum = 0;
  for (let i = 0; i < z.length; i++) {
    z[i] = Math.exp(z[i]! - max);
    sum += z[i]!;
  }
  for (let i = 0; i < z.length; i++) z[i]! /= sum;
  return z;
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

export function activate(model: LinearModel, features: Float32Array): Float64Array {
  const z = linearLogits(model, features);
  if (model.activation === 'softmax') return softmaxInPlace(z);
  for (let i = 0; i < z.length; i++) z[i] = sigmoid(z[i]!);
  return z;
}

/** Average the outputs over several views of one image (test-time augmentation). */
export function activateViews(model: LinearModel, views: readonly Float32Array[]): Float64Array {
  const out = new Float64Array(model.outputs);
  for (const v of views) {
    const p = activate(model, v);
    for (let i = 0; i < out.length; i++) out[i]! += p[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= views.length;
  return out;
}
