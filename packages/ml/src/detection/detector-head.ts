/**
 * A per-project object detector on a frozen feature map, CenterNet-style (Zhou et al., "Objects as Points", 2019):
 *
 * - a 1×1 heatmap head: one logistic output per tag at each cell of the G×G map, fitted with CenterNet's focal
 *   loss on elliptical Gaussian targets centred on each box (σ = box size / 6), full-batch Adam;
 * - a class-agnostic 1×1 box head: from the same features, the centre's offset inside its cell and the log of the
 *   box's width and height, fitted by ridge regression (closed form) on the cells around each box centre.
 *
 * Decoding: a cell is a candidate when its score is the maximum of its 3×3 neighbourhood (CenterNet's peak
 * extraction); its box comes from the box head at that cell; boxes of one tag that overlap by IoU ≥ 0.5 are then
 * suppressed (non-max suppression), and the highest-scoring `maxDetections` are returned, highest first.
 *
 * The COCO CenterNet of @vladmandic/human has a frozen size map to read box sizes from, but its weights have no
 * licence upstream (docs/detection.md); the MobileNetV2 ×1.4 map the project already ships has none, hence the
 * learned box head. Everything here is deterministic: no sampling, fixed initialisation, fixed step count.
 */
import { TrainingInputError } from '../errors.ts';

/** One labelled box, normalised to the image (0..1), as Custom Vision's regions. */
export interface LabelledBox {
  tag: number;
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Detection {
  tag: number;
  probability: number;
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A feature map of one image: grid × grid cells (row-major, y then x), `channels` values each. */
export interface FeatureMap {
  grid: number;
  channels: number;
  values: Float32Array;
}

export interface DetectorWeights {
  grid: number;
  channels: number;
  tags: number;
  /** Per-channel mean and one global scale: features are standardised as (x − mean) / scale. */
  mean: number[];
  scale: number;
  /** channels × tags, row-major, then one bias per tag. */
  heatWeights: number[];
  heatBias: number[];
  /** (channels + 1) × 4, row-major (last row: intercept): dx, dy (cells), log width, log height (image fraction). */
  boxWeights: number[];
}

export interface FitDetectorOptions {
  tags: number;
  maps: readonly FeatureMap[];
  boxes: readonly (readonly LabelledBox[])[];
  /** Adam steps on the heatmap head (default 100). */
  steps?: number;
  /** Ridge strength of the box head, relative to the number of rows (default 1). */
  boxL2?: number;
  signal?: AbortSignal;
}

const DEFAULT_STEPS = 100;
const LEARNING_RATE = 0.05;
const HEAT_L2 = 1e-4;
/** Sigmoid bias at start: prior probability ≈ 0.01, so the many empty cells do not swamp the first steps. */
const INITIAL_BIAS = -4.6;

export function fitDetector(o: FitDetectorOptions): DetectorWeights {
  if (!o.maps.length) throw new TrainingInputError('fitDetector: no images');
  if (o.maps.length !== o.boxes.length) throw new TrainingInputError('fitDetector: one box list per image');
  const { grid, channels } = o.maps[0]!;
  const cells = grid * grid;
  for (const m of o.maps) {
    if (m.grid !== grid || m.channels !== channels || m.values.length !== cells * channels)
      throw new TrainingInputError('fitDetector: feature maps differ in shape');
  }
  const T = o.tags;
  const rows = o.maps.length * cells;

  // Standardise: per-channel mean, one global scale (keeps the channels' relative strength).
  const mean = new Float64Array(channels);
  for (const m of o.maps) for (let i = 0; i < m.values.length; i++) mean[i % channels]! += m.values[i]!;
  for (let c = 0; c < channels; c++) mean[c]! /= rows;
  let sq = 0;
  for (const m of o.maps) for (let i = 0; i < m.values.length; i++) sq += (m.values[i]! - mean[i % channels]!) ** 2;
  const scale = Math.sqrt(sq / (rows * channels)) + 1e-6;
  const X = new Float32Array(rows * channels);
  o.maps.forEach((m, k) => {
    const base = k * cells * channels;
    for (let i = 0; i < m.values.length; i++) X[base + i] = (m.values[i]! - mean[i % channels]!) / scale;
  });

  // Targets: the maximum over a tag's boxes of their Gaussians; the centre cell is exactly 1 (a positive).
  const Y = new Float32Array(rows * T);
  o.boxes.forEach((list, k) => {
    for (const b of list) {
      if (b.tag < 0 || b.tag >= T) throw new TrainingInputError(`fitDetector: tag ${b.tag} out of range`);
      const cx = (b.left + b.width / 2) * grid;
      const cy = (b.top + b.height / 2) * grid;
      const sx = Math.max((b.width * grid) / 6, 0.5);
      const sy = Math.max((b.height * grid) / 6, 0.5);
      const px = Math.min(grid - 1, Math.floor(cx));
      const py = Math.min(grid - 1, Math.floor(cy));
      for (let y = 0; y < grid; y++) {
        for (let x = 0; x < grid; x++) {
          const g =
            x === px && y === py
              ? 1
              : Math.exp(-((x + 0.5 - cx) ** 2 / (2 * sx * sx) + (y + 0.5 - cy) ** 2 / (2 * sy * sy)));
          const at = (k * cells + y * grid + x) * T + b.tag;
          if (g > Y[at]!) Y[at] = g === 1 ? 1 : Math.min(g, 0.999);
        }
      }
    }
  });
  let positives = 0;
  for (let i = 0; i < Y.length; i++) if (Y[i] === 1) positives++;
  if (!positives) throw new TrainingInputError('fitDetector: no boxes to learn from');

  const heat = fitHeatmap(X, Y, rows, channels, T, o.steps ?? DEFAULT_STEPS, positives, o.signal);
  const boxWeights = fitBoxes(X, o.boxes, grid, channels, o.boxL2 ?? 1);
  return {
    grid,
    channels,
    tags: T,
    mean: Array.from(mean),
    scale,
    heatWeights: Array.from(heat.W),
    heatBias: Array.from(heat.b),
    boxWeights: Array.from(boxWeights),
  };
}

/** CenterNet's focal loss (α = 2, β = 4), full batch, Adam. Gradients with respect to the logits. */
function fitHeatmap(
  X: Float32Array,
  Y: Float32Array,
  rows: number,
  C: number,
  T: number,
  steps: number,
  positives: number,
  signal: AbortSignal | undefined,
) {
  // Weights held tag-major (T × C) so the inner loops run over contiguous channels; returned channel-major.
  const Wt = new Float64Array(T * C);
  const b = new Float64Array(T).fill(INITIAL_BIAS);
  const mW = new Float64Array(T * C);
  const vW = new Float64Array(T * C);
  const mb = new Float64Array(T);
  const vb = new Float64Array(T);
  const gW = new Float64Array(T * C);
  const gb = new Float64Array(T);
  for (let s = 1; s <= steps; s++) {
    if (signal?.aborted) throw signal.reason ?? new Error('training aborted');
    gW.fill(0);
    gb.fill(0);
    for (let r = 0; r < rows; r++) {
      const xo = r * C;
      for (let t = 0; t < T; t++) {
        const wo = t * C;
        let z = b[t]!;
        for (let c = 0; c < C; c++) z += X[xo + c]! * Wt[wo + c]!;
        const p = Math.min(Math.max(1 / (1 + Math.exp(-z)), 1e-6), 1 - 1e-6);
        const y = Y[r * T + t]!;
        // d/dz of −(1−p)² log p (positives) and −(1−y)⁴ p² log(1−p) (everything else).
        const g =
          (y === 1
            ? -((1 - p) ** 2) * (1 - p - 2 * p * Math.log(p))
            : (1 - y) ** 4 * (p ** 3 - 2 * p * p * (1 - p) * Math.log(1 - p))) / positives;
        gb[t]! += g;
        for (let c = 0; c < C; c++) gW[wo + c]! += X[xo + c]! * g;
      }
    }
    const c1 = 1 - 0.9 ** s;
    const c2 = 1 - 0.999 ** s;
    for (let i = 0; i < Wt.length; i++) {
      const g = gW[i]! + HEAT_L2 * Wt[i]!;
      mW[i] = 0.9 * mW[i]! + 0.1 * g;
      vW[i] = 0.999 * vW[i]! + 0.001 * g * g;
      Wt[i]! -= (LEARNING_RATE * (mW[i]! / c1)) / (Math.sqrt(vW[i]! / c2) + 1e-8);
    }
    for (let t = 0; t < T; t++) {
      const g = gb[t]!;
      mb[t] = 0.9 * mb[t]! + 0.1 * g;
      vb[t] = 0.999 * vb[t]! + 0.001 * g * g;
      b[t]! -= (LEARNING_RATE * (mb[t]! / c1)) / (Math.sqrt(vb[t]! / c2) + 1e-8);
    }
  }
  const W = new Float64Array(C * T);
  for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) W[c * T + t] = Wt[t * C + c]!;
  return { W, b };
}

/**
 * Ridge regression of [dx, dy, log w, log h] on the features of the 3×3 cells around each box centre (dx, dy:
 * the centre relative to the cell's middle, in cells), weighted by the Gaussian target at that cell.
 */
function fitBoxes(
  X: Float32Array,
  boxes: readonly (readonly LabelledBox[])[],
  grid: number,
  C: number,
  l2: number,
): Float64Array {
  const D = C + 1;
  const A = new Float64Array(D * D);
  const B = new Float64Array(D * 4);
  const row = new Float64Array(D);
  let n = 0;
  boxes.forEach((list, k) => {
    for (const b of list) {
      const cx = (b.left + b.width / 2) * grid;
      const cy = (b.top + b.height / 2) * grid;
      const px = Math.min(grid - 1, Math.floor(cx));
      const py = Math.min(grid - 1, Math.floor(cy));
      const sx = Math.max((b.width * grid) / 6, 0.5);
      const sy = Math.max((b.height * grid) / 6, 0.5);
      for (let y = py - 1; y <= py + 1; y++) {
        for (let x = px - 1; x <= px + 1; x++) {
          if (x < 0 || y < 0 || x >= grid || y >= grid) continue;
          const dx = cx - (x + 0.5);
          const dy = cy - (y + 0.5);
          const w = Math.exp(-(dx * dx) / (2 * sx * sx) - (dy * dy) / (2 * sy * sy));
          const base = (k * grid * grid + y * grid + x) * C;
          for (let c = 0; c < C; c++) row[c] = X[base + c]!;
          row[C] = 1;
          const target = [dx, dy, Math.log(Math.max(b.width, 1e-3)), Math.log(Math.max(b.height, 1e-3))];
          for (let i = 0; i < D; i++) {
            const wi = w * row[i]!;
            if (wi === 0) continue;
            for (let j = i; j < D; j++) A[i * D + j]! += wi * row[j]!;
            for (let t = 0; t < 4; t++) B[i * 4 + t]! += wi * target[t]!;
          }
          n += w;
        }
      }
    }
  });
  for (let i = 0; i < D; i++) for (let j = 0; j < i; j++) A[i * D + j] = A[j * D + i]!;
  // The intercept is not shrunk.
  for (let i = 0; i < C; i++) A[i * D + i]! += l2 * Math.max(n, 1);
  A[C * D + C]! += 1e-9;
  return solveSymmetric(A, B, D, 4);
}

/** Solves A·X = B for symmetric positive-definite A (Cholesky), B with `cols` columns. */
function solveSymmetric(A: Float64Array, B: Float64Array, n: number, cols: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / L[j * n + j]!;
    }
  }
  const X = new Float64Array(n * cols);
  for (let c = 0; c < cols; c++) {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = B[i * cols + c]!;
      for (let k = 0; k < i; k++) s -= L[i * n + k]! * y[k]!;
      y[i] = s / L[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i]!;
      for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * X[k * cols + c]!;
      X[i * cols + c] = s / L[i * n + i]!;
    }
  }
  return X;
}

/** Per-cell scores (grid² × tags, sigmoid) and boxes (grid² × 4: left, top, width, height) of one feature map. */
export function detectorOutputs(w: DetectorWeights, map: FeatureMap): { scores: Float32Array; boxes: Float32Array } {
  const { grid, channels: C, tags: T } = w;
  if (map.grid !== grid || map.channels !== C) throw new TrainingInputError('detector: feature map shape differs');
  const cells = grid * grid;
  const scores = new Float32Array(cells * T);
  const boxes = new Float32Array(cells * 4);
  const x = new Float64Array(C);
  for (let cell = 0; cell < cells; cell++) {
    for (let c = 0; c < C; c++) x[c] = (map.values[cell * C + c]! - w.mean[c]!) / w.scale;
    for (let t = 0; t < T; t++) {
      let z = w.heatBias[t]!;
      for (let c = 0; c < C; c++) z += x[c]! * w.heatWeights[c * T + t]!;
      scores[cell * T + t] = 1 / (1 + Math.exp(-z));
    }
    const r = [0, 0, 0, 0];
    for (let t = 0; t < 4; t++) {
      let v = w.boxWeights[C * 4 + t]!;
      for (let c = 0; c < C; c++) v += x[c]! * w.boxWeights[c * 4 + t]!;
      r[t] = v;
    }
    const gx = cell % grid;
    const gy = Math.floor(cell / grid);
    const cx = (gx + 0.5 + clamp(r[0]!, -1.5, 1.5)) / grid;
    const cy = (gy + 0.5 + clamp(r[1]!, -1.5, 1.5)) / grid;
    const bw = Math.min(Math.exp(clamp(r[2]!, -7, 0.5)), 1);
    const bh = Math.min(Math.exp(clamp(r[3]!, -7, 0.5)), 1);
    const left = clamp(cx - bw / 2, 0, 1);
    const top = clamp(cy - bh / 2, 0, 1);
    boxes[cell * 4] = left;
    boxes[cell * 4 + 1] = top;
    boxes[cell * 4 + 2] = clamp(cx + bw / 2, 0, 1) - left;
    boxes[cell * 4 + 3] = clamp(cy + bh / 2, 0, 1) - top;
  }
  return { scores, boxes };
}

export interface DecodeOptions {
  /** Candidates below this score are dropped (default 0.01: Azure answers low-probability boxes too). */
  minProbability?: number;
  /** Boxes of one tag overlapping an earlier (higher) one by at least this IoU are suppressed (default 0.5). */
  nmsIou?: number;
  /** At most this many boxes (default 200, Azure's regions per predicted image). */
  maxDetections?: number;
}

/** Peaks of the per-tag heatmaps with their boxes, NMS per tag, highest first. */
export function decodeDetections(
  w: DetectorWeights,
  out: { scores: Float32Array; boxes: Float32Array },
  o: DecodeOptions = {},
): Detection[] {
  const { grid, tags: T } = w;
  const min = o.minProbability ?? 0.01;
  const candidates: Detection[] = [];
  for (let y = 0; y < grid; y++) {
    for (let x = 0; x < grid; x++) {
      const cell = y * grid + x;
      for (let t = 0; t < T; t++) {
        const s = out.scores[cell * T + t]!;
        if (s < min) continue;
        let peak = true;
        for (let dy = -1; dy <= 1 && peak; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            const yy = y + dy;
            if ((dx || dy) && xx >= 0 && yy >= 0 && xx < grid && yy < grid) {
              const other = out.scores[(yy * grid + xx) * T + t]!;
              // Ties go to the first cell in scan order, so a plateau yields one peak.
              if (other > s || (other === s && yy * grid + xx < cell)) {
                peak = false;
                break;
              }
            }
          }
        }
        if (!peak) continue;
        const box = out.boxes.subarray(cell * 4, cell * 4 + 4);
        if (box[2]! <= 0 || box[3]! <= 0) continue;
        candidates.push({ tag: t, probability: s, left: box[0]!, top: box[1]!, width: box[2]!, height: box[3]! });
      }
    }
  }
  candidates.sort((a, b) => b.probability - a.probability || a.tag - b.tag);
  const nms = o.nmsIou ?? 0.5;
  const kept: Detection[] = [];
  for (const c of candidates) {
    if (kept.some((k) => k.tag === c.tag && iou(k, c) >= nms)) continue;
    kept.push(c);
    if (kept.length >= (o.maxDetections ?? 200)) break;
  }
  return kept;
}

/** Intersection over union of two boxes given as left, top, width, height. */
export function iou(
  a: { left: number; top: number; width: number; height: number },
  b: { left: number; top: number; width: number; height: number },
): number {
  const x1 = Math.max(a.left, b.left);
  const y1 = Math.max(a.top, b.top);
  const x2 = Math.min(a.left + a.width, b.left + b.width);
  const y2 = Math.min(a.top + a.height, b.top + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}
