/**
 * Fit a LinearModel by minimising an L2-regularised, weighted logistic loss (softmax cross-entropy or per-output
 * binary cross-entropy) with L-BFGS, solved in the span of the training rows.
 *
 * Why the span: features have thousands of dimensions (9316 for the bilinear backbone) but a project has at most a
 * few hundred images, and the optimal weights of an L2-regularised linear model are a combination of the training
 * rows (representer theorem). So each fit works on the rows' Gram matrix: centre it, factor it as L·Lᵀ (pivoted
 * Cholesky, L is rows × rank), optimise the small problem Z = L·B + b with penalty ‖B‖², and map B back to weights
 * in feature space. That is exactly the same optimum as optimising the weights directly, for a fraction of the cost,
 * and the Gram matrix of all rows is computed once per training job and shared by every fold and candidate.
 *
 * Features are centred on the training rows and divided by one global scale (the root mean variance per dimension),
 * so a single L2 strength suits any backbone. The bias is not penalised beyond a tiny term that keeps it finite when
 * a tag is on every image or none.
 */
import { type LbfgsOptions, minimizeLbfgs } from './lbfgs.ts';
import { type Activation, type LinearModel, sigmoid } from './linear-model.ts';

const BIAS_L2 = 1e-6;
/** Pivoted Cholesky stops when the largest remaining variance is below this fraction of the largest one. */
const RANK_TOLERANCE = 1e-10;

/** Rows of a training job and their Gram matrix (row i · row j), computed once. */
export interface RowSet {
  rows: readonly Float32Array[];
  dim: number;
  /** rows × rows, symmetric. */
  gram: Float64Array;
}

/**
 * Gram matrix with float64 sums, yielding every few rows so a long job does not block the event loop. It is the
 * largest cost of Advanced training (1200 rows × 9316 features for 200 images), so it runs in 4 × 2 tiles: each
 * value read feeds several products, about 2.5× faster than one dot product at a time, and every sum still runs
 * over the features in order, so the values are the same as a plain dot product's.
 */
export async function buildRowSet(rows: readonly Float32Array[], onChunk?: () => Promise<void>): Promise<RowSet> {
  const n = rows.length;
  const dim = rows[0]?.length ?? 0;
  rows.forEach((row, i) => {
    if (row.length !== dim) throw new Error(`row ${i} has ${row.length} values, expected ${dim}`);
  });
  const gram = new Float64Array(n * n);
  const budget = 5e7; // multiply-adds between yields (~50 ms)
  let work = 0;
  const at = (i: number) => rows[Math.min(i, n - 1)]!;
  const put = (i: number, j: number, s: number) => {
    if (i < n && j < n && j >= i) {
      gram[i * n + j] = s;
      gram[j * n + i] = s;
    }
  };
  const sums = new Float64Array(8);
  for (let i = 0; i < n; i += 4) {
    // Past the end, tiles read the last row again and drop those sums.
    const [a0, a1, a2, a3] = [at(i), at(i + 1), at(i + 2), at(i + 3)];
    for (let j = i; j < n; j += 2) {
      tileDots(a0, a1, a2, a3, at(j), at(j + 1), dim, sums);
      for (let u = 0; u < 4; u++) {
        put(i + u, j, sums[u * 2]!);
        put(i + u, j + 1, sums[u * 2 + 1]!);
      }
    }
    work += 4 * (n - i) * dim;
    if (onChunk && work > budget) {
      work = 0;
      await onChunk();
    }
  }
  return { rows, dim, gram };
}

/** A fit on explicit rows (the Gram matrix is computed for this fit alone). */
export interface FitProblem {
  activation: Activation;
  /** Training rows, all of the same length. */
  rows: readonly Float32Array[];
  outputs: number;
  /** rows × outputs targets in [0, 1]: one-hot for softmax, independent 0/1 per output for sigmoid. */
  targets: Float32Array;
  /** Per row (softmax) or per row × output (sigmoid); lets callers balance classes. */
  weights: Float32Array;
  /** L2 strength on centred, globally scaled features, relative to the mean loss. */
  l2: number;
}

/** A fit on a subset of a shared RowSet (cross-validation folds reuse one Gram matrix). */
export interface SubsetFitProblem extends Omit<FitProblem, 'rows'> {
  set: RowSet;
  /** Rows (indices into set.rows) this fit trains on; targets and weights follow this order. */
  subset: readonly number[];
}

export interface FitResult {
  model: LinearModel;
  iterations: number;
  converged: boolean;
  loss: number;
  rank: number;
}

interface Factor {
  /** m × rank, row-major, in subset order. */
  l: Float64Array;
  rank: number;
  /** Subset positions of the pivots, in pivot order. */
  pivots: number[];
}

/** Pivoted (rank-revealing) Cholesky of a PSD matrix: a ≈ L·Lᵀ. */
async function pivotedCholesky(a: Float64Array, m: number, onChunk?: () => Promise<void>): Promise<Factor> {
  const diag = new Float64Array(m);
  for (let i = 0; i < m; i++) diag[i] = a[i * m + i]!;
  const maxDiag = Math.max(0, ...diag);
  // Row-major m × m workspace: row i holds L[i, 0..rank), so each entry is one contiguous dot product.
  const work = new Float64Array(m * m);
  const pivots: number[] = [];
  const used = new Uint8Array(m);
  let ops = 0;
  let rank = 0;
  while (rank < m) {
    let p = -1;
    for (let i = 0; i < m; i++) if (!used[i] && (p < 0 || diag[i]! > diag[p]!)) p = i;
    if (p < 0 || !(diag[p]! > RANK_TOLERANCE * maxDiag)) break;
    const pivotValue = Math.sqrt(diag[p]!);
    const k = rank;
    const rowP = p * m;
    work[rowP + k] = pivotValue;
    used[p] = 1;
    for (let i = 0; i < m; i++) {
      if (used[i]) continue;
      const rowI = i * m;
      let v = a[rowI + p]!;
      for (let t = 0; t < k; t++) v -= work[rowI + t]! * work[rowP + t]!;
      v /= pivotValue;
      work[rowI + k] = v;
      diag[i]! -= v * v;
    }
    pivots.push(p);
    rank++;
    ops += m * k;
    if (onChunk && ops > 5e7) {
      ops = 0;
      await onChunk();
    }
  }
  // Rows pivoted before column k hold 0 there, so L is lower triangular in pivot order.
  const l = new Float64Array(m * rank);
  for (let i = 0; i < m; i++) l.set(work.subarray(i * m, i * m + rank), i * rank);
  return { l, rank, pivots };
}

/** a (rows × cols, row-major) transposed. */
function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
}

type Vector = Float32Array | Float64Array;

/**
 * The 4 × 2 dot products of a0..a3 with b0, b1 over their first `len` values, into sums[u·2 + v]. Each value loaded
 * feeds several products (about 2.5× faster than one dot product at a time), and every sum runs over the values in
 * order, so it equals a plain dot product. The Gram matrix and the L-BFGS objective both run on it.
 */
function tileDots(
  a0: Vector,
  a1: Vector,
  a2: Vector,
  a3: Vector,
  b0: Vector,
  b1: Vector,
  len: number,
  sums: Float64Array,
) {
  let s00 = 0;
  let s01 = 0;
  let s10 = 0;
  let s11 = 0;
  let s20 = 0;
  let s21 = 0;
  let s30 = 0;
  let s31 = 0;
  for (let t = 0; t < len; t++) {
    const x0 = b0[t]!;
    const x1 = b1[t]!;
    const y0 = a0[t]!;
    const y1 = a1[t]!;
    const y2 = a2[t]!;
    const y3 = a3[t]!;
    s00 += y0 * x0;
    s01 += y0 * x1;
    s10 += y1 * x0;
    s11 += y1 * x1;
    s20 += y2 * x0;
    s21 += y2 * x1;
    s30 += y3 * x0;
    s31 += y3 * x1;
  }
  sums[0] = s00;
  sums[1] = s01;
  sums[2] = s10;
  sums[3] = s11;
  sums[4] = s20;
  sums[5] = s21;
  sums[6] = s30;
  sums[7] = s31;
}

/** Rows of a row-major matrix (rows × cols) as views. */
function rowViews(a: Float64Array, rows: number, cols: number): Float64Array[] {
  return Array.from({ length: rows }, (_, i) => a.subarray(i * cols, (i + 1) * cols));
}

/** out[i·b.length + j] = a_i · b_j over `len` values, in tiles (edge tiles reuse the last row and drop those sums). */
function dotRows(a: readonly Float64Array[], b: readonly Float64Array[], len: number, out: Float64Array): void {
  const na = a.length;
  const nb = b.length;
  const sums = new Float64Array(8);
  for (let i = 0; i < na; i += 4) {
    const [a0, a1, a2, a3] = [0, 1, 2, 3].map((u) => a[Math.min(i + u, na - 1)]!) as [Vector, Vector, Vector, Vector];
    for (let j = 0; j < nb; j += 2) {
      tileDots(a0, a1, a2, a3, b[j]!, b[Math.min(j + 1, nb - 1)]!, len, sums);
      for (let u = 0; u < 4 && i + u < na; u++) {
        for (let v = 0; v < 2 && j + v < nb; v++) out[(i + u) * nb + j + v] = sums[u * 2 + v]!;
      }
    }
  }
}

export async function fitLinear(problem: FitProblem, lbfgs: Partial<LbfgsOptions> = {}): Promise<FitResult> {
  const { rows, ...rest } = problem;
  if (rows.length === 0) throw new Error('fitLinear: no rows');
  const onChunk = lbfgs.onProgress ? async () => void (await lbfgs.onProgress?.()) : undefined;
  const set = await buildRowSet(rows, onChunk);
  const fit = await fitSubset({ ...rest, set, subset: rows.map((_, i) => i) }, lbfgs);
  const { iterations, converged, loss, rank } = fit;
  return { model: fit.model(), iterations, converged, loss, rank };
}

/**
 * The subset's centred, scaled Gram matrix factored as L·Lᵀ: depends on the rows only, so fits of one subset with
 * different L2 strengths or targets (Advanced's search) share it.
 */
export interface SubsetFactor {
  subset: readonly number[];
  l: Float64Array;
  rank: number;
  pivots: number[];
  scale: number;
  /** μ·x_i for each subset row (μ the subset's mean row), and μ·μ: what centring a Gram column needs. */
  rowMean: Float64Array;
  total: number;
}

export async function factorSubset(
  set: RowSet,
  subset: readonly number[],
  onChunk?: () => Promise<void>,
): Promise<SubsetFactor> {
  const m = subset.length;
  const n = set.rows.length;
  // Centre the Gram matrix on the subset: Gc = H·G·H with H = I − 11ᵀ/m.
  const g = new Float64Array(m * m);
  const rowMean = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const gi = subset[i]! * n;
    let s = 0;
    for (let j = 0; j < m; j++) {
      const v = set.gram[gi + subset[j]!]!;
      g[i * m + j] = v;
      s += v;
    }
    rowMean[i] = s / m;
  }
  let total = 0;
  for (let i = 0; i < m; i++) total += rowMean[i]!;
  total /= m;
  let trace = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) g[i * m + j] = g[i * m + j]! - rowMean[i]! - rowMean[j]! + total;
    trace += g[i * m + i]!;
  }
  // One global scale: the root of the mean per-dimension variance.
  const scale = Math.sqrt(trace / (m * set.dim)) || 1;
  for (let i = 0; i < g.length; i++) g[i]! /= scale * scale;
  const { l, rank, pivots } = await pivotedCholesky(g, m, onChunk);
  return { subset: [...subset], l, rank, pivots, scale, rowMean, total };
}

/** A subset's fit: its parameters, and the model in feature space or its logits on rows of the set. */
export interface SubsetFit extends Omit<FitResult, 'model'> {
  factor: SubsetFactor;
  params: Float64Array;
  /** The linear model on raw features (maps the solution back to feature space: k × rank × dim work). */
  model(): LinearModel;
  /**
   * Logits of rows of the set (training rows or extra rows the set carries for this purpose), from the Gram matrix
   * alone: the same values the model gives, at rank × outputs work per row instead of dim × outputs.
   */
  logitsOf(setRows: readonly number[]): Float64Array[];
}

export async function fitSubset(
  problem: SubsetFitProblem,
  lbfgs: Partial<LbfgsOptions> = {},
  reuse: { factor?: SubsetFactor; start?: Float64Array } = {},
): Promise<SubsetFit> {
  const onChunk = lbfgs.onProgress ? async () => void (await lbfgs.onProgress?.()) : undefined;
  const { activation, set, subset, outputs: k, targets, weights, l2 } = problem;
  const m = subset.length;
  const d = set.dim;
  const sameSubset = (f: SubsetFactor) => f.subset.length === m && f.subset.every((v, i) => v === subset[i]);
  const factor = reuse.factor && sameSubset(reuse.factor) ? reuse.factor : await factorSubset(set, subset, onChunk);
  const { l, rank, pivots, scale } = factor;
  const r = rank;
  const perOutputWeights = activation === 'sigmoid';
  let totalWeight = 0;
  for (const w of weights) totalWeight += w;
  if (perOutputWeights) totalWeight /= k;
  const norm = 1 / Math.max(totalWeight, 1e-12);
  const bOffset = k * r;
  const z = new Float64Array(k);

  // Parameters: B (k × r, row-major by output) then the k biases. Logits Z = L·Bᵀ + b and the gradient Rᵀ·L are
  // both products of rows with rows (dotRows), so L is also kept transposed (r × m) for the gradient.
  const lRows = rowViews(l, m, r);
  const ltRows = rowViews(transpose(l, m, r), r, m);
  const logits = new Float64Array(m * k);
  // Residuals, output-major (k × m): row o is d loss / d z_o over the rows.
  const residuals = new Float64Array(k * m);
  const residualRows = rowViews(residuals, k, m);
  const gradT = new Float64Array(r * k);
  const objective = (params: Float64Array, grad: Float64Array): number => {
    dotRows(lRows, rowViews(params, k, r), r, logits);
    let loss = 0;
    for (let i = 0; i < m; i++) {
      const zi = i * k;
      for (let o = 0; o < k; o++) z[o] = logits[zi + o]! + params[bOffset + o]!;
      if (activation === 'softmax') {
        let max = Number.NEGATIVE_INFINITY;
        for (let o = 0; o < k; o++) max = Math.max(max, z[o]!);
        let sum = 0;
        for (let o = 0; o < k; o++) sum += Math.exp(z[o]! - max);
        const lse = max + Math.log(sum);
        const w = weights[i]! * norm;
        for (let o = 0; o < k; o++) {
          const t = targets[i * k + o]!;
          if (t > 0) loss += w * t * (lse - z[o]!);
          residuals[o * m + i] = w * (Math.exp(z[o]! - lse) - t);
        }
      } else {
        for (let o = 0; o < k; o++) {
          const t = targets[i * k + o]!;
          const w = weights[i * k + o]! * norm;
          const v = z[o]!;
          // log(1 + e^v) − t·v without overflow.
          loss += w * (Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))) - t * v);
          residuals[o * m + i] = w * (sigmoid(v) - t);
        }
      }
    }
    dotRows(ltRows, residualRows, m, gradT);
    for (let o = 0; o < k; o++) {
      let g = 0;
      for (let i = 0; i < m; i++) g += residuals[o * m + i]!;
      const p = params[bOffset + o]!;
      loss += 0.5 * BIAS_L2 * p * p;
      grad[bOffset + o] = g + BIAS_L2 * p;
      const bo = o * r;
      for (let q = 0; q < r; q++) {
        const pq = params[bo + q]!;
        loss += 0.5 * l2 * pq * pq;
        grad[bo + q] = gradT[q * k + o]! + l2 * pq;
      }
    }
    return loss;
  };

  // A warm start (the solution for a neighbouring L2 strength on the same factor) saves most iterations.
  const start = reuse.start?.length === k * (r + 1) ? Float64Array.from(reuse.start) : new Float64Array(k * (r + 1));
  const result = await minimizeLbfgs(objective, start, lbfgs);
  const params = result.x;

  // The solution as weights on the centred, scaled rows. With pivot rows P, L[P] = L11 is lower triangular and the
  // weights are A = L11⁻ᵀ·B on the pivots (zero elsewhere): then G·A = L·B and ‖W‖² = ‖B‖².
  const coef = new Float64Array(r * k);
  for (let o = 0; o < k; o++) {
    for (let t = r - 1; t >= 0; t--) {
      let s = params[o * r + t]!;
      for (let u = t + 1; u < r; u++) s -= l[pivots[u]! * r + t]! * coef[u * k + o]!;
      coef[t * k + o] = s / l[pivots[t]! * r + t]!;
    }
  }
  const bias = (o: number) => params[bOffset + o]!;
  const s2 = scale * scale;

  const model = (): LinearModel => {
    // W = Σ_t A_t · (x_t − μ) / scale², folded into raw-feature weights and bias.
    const mean = new Float64Array(d);
    for (const i of subset) {
      const row = set.rows[i]!;
      for (let q = 0; q < d; q++) mean[q]! += row[q]!;
    }
    for (let q = 0; q < d; q++) mean[q]! /= m;
    const w = new Float64Array(k * d);
    for (let t = 0; t < r; t++) {
      const row = set.rows[subset[pivots[t]!]!]!;
      for (let o = 0; o < k; o++) {
        const a = coef[t * k + o]! / s2;
        if (a === 0) continue;
        const wo = o * d;
        for (let q = 0; q < d; q++) w[wo + q]! += a * (row[q]! - mean[q]!);
      }
    }
    const modelWeights = new Float32Array(k * d);
    const modelBias = new Float32Array(k);
    for (let o = 0; o < k; o++) {
      let b = bias(o);
      for (let q = 0; q < d; q++) {
        modelWeights[o * d + q] = w[o * d + q]!;
        b -= w[o * d + q]! * mean[q]!;
      }
      modelBias[o] = b;
    }
    return { activation, inputDim: d, outputs: k, weights: modelWeights, bias: modelBias };
  };

  // z_o(x) = Σ_t A_t,o (x_t − μ)·(x − μ) / scale² + b_o, and (x_t − μ)·(x − μ) = G[t,x] − μ·x − μ·x_t + μ·μ.
  const logitsOf = (setRows: readonly number[]): Float64Array[] => {
    const n = set.rows.length;
    const { rowMean, total } = factor;
    return setRows.map((h) => {
      if (!(h >= 0 && h < n)) throw new Error(`logitsOf: row ${h} is not in the set`);
      let meanDot = 0;
      for (const j of subset) meanDot += set.gram[j * n + h]!;
      meanDot /= m;
      const z = new Float64Array(k);
      for (let o = 0; o < k; o++) z[o] = bias(o);
      for (let t = 0; t < r; t++) {
        const p = pivots[t]!;
        const centred = (set.gram[subset[p]! * n + h]! - meanDot - rowMean[p]! + total) / s2;
        for (let o = 0; o < k; o++) z[o]! += coef[t * k + o]! * centred;
      }
      return z;
    });
  };

  return {
    iterations: result.iterations,
    converged: result.converged,
    loss: result.loss,
    rank,
    factor,
    params,
    model,
    logitsOf,
  };
}
