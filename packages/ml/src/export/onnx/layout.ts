/**
 * TensorFlow (NHWC, HWIO filters) ↔ ONNX (NCHW, OIHW filters) layout helpers and TF's padding
 * arithmetic. Pure functions over shapes and flat row-major arrays.
 */

/** Position j of an NCHW tensor holds NHWC axis NHWC_TO_NCHW[j]. */
export const NHWC_TO_NCHW = [0, 3, 1, 2] as const;

/** Row-major transpose of `values` (shape `shape`) by `perm` (output axis j = input axis perm[j]). */
export function transpose(
  values: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
): { values: Float32Array; shape: number[] } {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new Array<number>(rank);
  let stride = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = stride;
    stride *= shape[i]!;
  }
  const out = new Float32Array(values.length);
  const index = new Array<number>(rank).fill(0);
  const permStrides = perm.map((p) => inStrides[p]!);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let j = 0; j < rank; j++) src += index[j]! * permStrides[j]!;
    out[o] = values[src]!;
    for (let j = rank - 1; j >= 0; j--) {
      index[j]!++;
      if (index[j]! < outShape[j]!) break;
      index[j] = 0;
    }
  }
  return { values: out, shape: outShape };
}

/** Conv2D filter [kh, kw, in, out] (HWIO) → ONNX Conv weight [out, in, kh, kw] (OIHW). */
export function hwioToOihw(values: Float32Array, shape: readonly number[]): { values: Float32Array; shape: number[] } {
  return transpose(values, shape, [3, 2, 0, 1]);
}

/**
 * Depthwise filter [kh, kw, C, M] → grouped-conv weight [C·M, 1, kh, kw] with group = C.
 * TF's output channel c·M + m is filter (c, m); ONNX group g = c owns outputs [c·M, (c+1)·M),
 * so the [C, M] pair flattens in the same order.
 */
export function depthwiseToGroupedOihw(
  values: Float32Array,
  shape: readonly number[],
): { values: Float32Array; shape: number[] } {
  const [kh, kw, c, m] = shape as [number, number, number, number];
  const t = transpose(values, shape, [2, 3, 0, 1]); // [C, M, kh, kw]
  return { values: t.values, shape: [c * m, 1, kh, kw] };
}

export type TfPadding = 'SAME' | 'VALID' | 'EXPLICIT';

export interface Window2d {
  kernel: readonly [number, number];
  strides: readonly [number, number];
  dilations: readonly [number, number];
}

/**
 * ONNX pads [top, left, bottom, right] and output size reproducing TF's padding for a 2-D
 * window over an `inHW` input. TF SAME: out = ceil(in / stride), total padding
 * max((out − 1)·stride + (k − 1)·dilation + 1 − in, 0), the extra odd pixel going to the end
 * (bottom/right) — ONNX's SAME_UPPER, written out explicitly.
 */
export function tfPads(
  inHW: readonly [number, number],
  window: Window2d,
  padding: TfPadding,
  explicit?: readonly number[],
): { pads: [number, number, number, number]; outHW: [number, number] } {
  const begin: number[] = [];
  const end: number[] = [];
  const out: number[] = [];
  for (let axis = 0; axis < 2; axis++) {
    const size = inHW[axis]!;
    const stride = window.strides[axis]!;
    const effectiveKernel = (window.kernel[axis]! - 1) * window.dilations[axis]! + 1;
    let before = 0;
    let after = 0;
    if (padding === 'SAME') {
      const outSize = Math.ceil(size / stride);
      const total = Math.max((outSize - 1) * stride + effectiveKernel - size, 0);
      before = Math.floor(total / 2);
      after = total - before;
    } else if (padding === 'EXPLICIT') {
      // explicit_paddings is [n0, n1, h0, h1, w0, w1, c0, c1] for NHWC.
      before = explicit?.[2 + axis * 2] ?? 0;
      after = explicit?.[3 + axis * 2] ?? 0;
    }
    begin.push(before);
    end.push(after);
    out.push(Math.floor((size + before + after - effectiveKernel) / stride) + 1);
  }
  return {
    pads: [begin[0]!, begin[1]!, end[0]!, end[1]!],
    outHW: [out[0]!, out[1]!],
  };
}
