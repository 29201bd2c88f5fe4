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
  return activateInPlace(model.activation, linearLogits(model, features));
}

/** Probabilities from logits, in place. */
export function activateInPlace(activation: Activation, z: Float64Array): Float64Array {
  if (activation === 'softmax') return softmaxInPlace(z);
  for (let i = 0; i < z.length; i++) z[i] = sigmoid(z[i]!);
  return z;
}

/** Mean of several feature vectors (the views of one image); heads are trained and applied on view means. */
export function meanFeatures(views: readonly Float32Array[]): Float32Array {
  if (views.length === 1) return views[0]!;
  const out = new Float32Array(views[0]!.length);
  const acc = new Float64Array(out.length);
  for (const v of views) for (let i = 0; i < acc.length; i++) acc[i]! += v[i]!;
  for (let i = 0; i < out.length; i++) out[i] = acc[i]! / views.length;
  return out;
}
