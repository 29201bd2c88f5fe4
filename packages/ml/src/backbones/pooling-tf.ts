/**
 * `bilinear-msqrt` pooling on the TF.js runtime, as tensor ops: the same steps as `pooling.ts`'s float64 reference
 * and the ONNX feature model's MatMul ops (G = XᵀX / positions, A = G / tr(G), Newton–Schulz for A^½, times
 * √tr(G)), in float32 on the backend's matrix kernels. In JavaScript the 136×136 products cost about 30 ms per
 * image and made the fallback path's General prediction take 220 ms; on the wasm backend's kernels they take a few.
 * Upper triangle and L2 norm stay in JavaScript (`upperTriangleL2`): they are linear in the size and cheap.
 */
import type { Tensor1D, Tensor3D, Tensor4D } from '@tensorflow/tfjs';
import { getTf } from '../engine/engine.ts';
import { MSQRT_ITERATIONS, pooledSize } from './pooling.ts';

/** Roots [batch, c, c] (A^½ · √tr(G)) and traces [batch] of an NHWC feature map; call inside `tf.tidy`. */
export function matrixSqrtRoots(map: Tensor4D): { roots: Tensor3D; traces: Tensor1D } {
  const tf = getTf();
  const [n, h, w, c] = map.shape;
  const x = map.reshape([n, h * w, c]);
  const gram = tf.matMul(x, x, true, false).div(h * w) as Tensor3D;
  const eye = tf.eye(c).expandDims(0);
  const traces = gram.mul(eye).sum([1, 2]) as Tensor1D;
  const a = gram.div(traces.reshape([n, 1, 1])) as Tensor3D;
  const threeHalves = eye.mul(1.5);
  let y: Tensor3D = a;
  let z: Tensor3D | null = null;
  for (let it = 0; it < MSQRT_ITERATIONS; it++) {
    const zy = z ? (tf.matMul(z, y) as Tensor3D) : y;
    const t = threeHalves.sub(zy.mul(0.5)) as Tensor3D;
    const nextY = tf.matMul(y, t) as Tensor3D;
    // The last iteration's Z is never read.
    if (it < MSQRT_ITERATIONS - 1) z = z ? (tf.matMul(t, z) as Tensor3D) : t;
    y = nextY;
  }
  return { roots: y.mul(traces.sqrt().reshape([n, 1, 1])) as Tensor3D, traces };
}

/** One image's features from its root (c×c, row-major): the upper triangle, unit L2 norm; zeros for a zero map. */
export function upperTriangleL2(root: Float32Array, trace: number, c: number): Float32Array {
  const out = new Float32Array(pooledSize('bilinear', c));
  if (!(trace > 0)) return out;
  let norm = 0;
  let k = 0;
  for (let i = 0; i < c; i++) {
    for (let j = i; j < c; j++) {
      const v = root[i * c + j]!;
      out[k++] = v;
      norm += v * v;
    }
  }
  norm = Math.sqrt(norm) || 1;
  for (let m = 0; m < out.length; m++) out[m]! /= norm;
  return out;
}
