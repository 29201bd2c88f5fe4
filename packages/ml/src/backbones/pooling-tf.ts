/**
 * `bilinear-msqrt` pooling on the TF.js runtime, as tensor ops: the same steps as `pooling.ts`'s float64 reference
 * and the ONNX feature model's MatMul ops (G = XᵀX / positions, A = G / tr(G), Newton–Schulz for A^½, times
 * √tr(G)), in float32 on the backend's matrix kernels. In JavaScript the 136×136 products cost about 30 ms per
 * image and made the fallback path's General prediction take 220 ms; on the wasm backend's kernels they take a few.
 * Upper triangle and L2 norm stay in JavaScript (`upperTriangleL2`): they are linear in the size and cheap.
 */
import type { Scalar, Tensor1D, Tensor2D, Tensor3D, Tensor4D } from '@tensorflow/tfjs';
import { getTf } from '../engine/engine.ts';
import { MSQRT_ITERATIONS, pooledSize } from './pooling.ts';

/** Roots [batch, c, c] (A^½ · √tr(G)) and traces [batch] of an NHWC feature map; call inside `tf.tidy`. */
export function matrixSqrtRoots(map: Tensor4D): { roots: Tensor3D; traces: Tensor1D } {
  const tf = getTf();
  const [n, h, w, c] = map.shape;
  const eye = tf.eye(c);
  const threeHalves = eye.mul(1.5);
  // One image at a time: the wasm backend hands 2-D products to XNNPACK (0.2 ms for 136×136) but computes batched
  // ones with a plain loop (3 ms each), and a transposed left operand falls to that loop too (2.2 ms against 0.2 ms
  // for the Gram matrix), hence the explicit transpose. Measured on 2 cores, single-threaded backend.
  const perImage = tf.unstack(map.reshape([n, h * w, c])).map((x) => {
    const gram = tf.matMul(x.transpose(), x).div(h * w) as Tensor2D;
    const trace = gram.mul(eye).sum() as Scalar;
    const a = gram.div(trace) as Tensor2D;
    let y: Tensor2D = a;
    let z: Tensor2D | null = null;
    for (let it = 0; it < MSQRT_ITERATIONS; it++) {
      const zy = z ? tf.matMul(z, y) : y;
      const t = threeHalves.sub(zy.mul(0.5)) as Tensor2D;
      const nextY = tf.matMul(y, t) as Tensor2D;
      // The last iteration's Z is never read.
      if (it < MSQRT_ITERATIONS - 1) z = z ? (tf.matMul(t, z) as Tensor2D) : t;
      y = nextY;
    }
    return { root: y.mul(trace.sqrt()) as Tensor2D, trace };
  });
  return {
    roots: tf.stack(perImage.map((p) => p.root)) as Tensor3D,
    traces: tf.stack(perImage.map((p) => p.trace)) as Tensor1D,
  };
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
