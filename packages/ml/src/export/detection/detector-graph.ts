/**
 * What the ONNX and TF.js detection graphs share: the heads' 1×1 kernels with the feature standardisation folded in,
 * and the cell centres the box decoding adds its offsets to.
 */
import type { DetectorWeights } from '../../detection/detector-head.ts';

/** (x − mean) / scale folded into one output's kernel: k' = k / scale, b' = b − Σ k·mean / scale. */
export function foldedKernel(
  w: DetectorWeights,
  weight: (channel: number) => number,
  bias: number,
): { kernel: Float32Array; bias: number } {
  const kernel = new Float32Array(w.channels);
  let shift = bias;
  for (let c = 0; c < w.channels; c++) {
    kernel[c] = weight(c) / w.scale;
    shift -= (weight(c) * w.mean[c]!) / w.scale;
  }
  return { kernel, bias: shift };
}

/** x + 0.5 and y + 0.5 for every cell of the grid, row-major. */
export function cellCentres(grid: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(grid * grid);
  const y = new Float32Array(grid * grid);
  for (let r = 0; r < grid; r++)
    for (let c = 0; c < grid; c++) {
      x[r * grid + c] = c + 0.5;
      y[r * grid + c] = r + 0.5;
    }
  return { x, y };
}
