/**
 * Limited-memory BFGS for the small, smooth, convex problems the heads pose (L2-regularised logistic losses).
 * Full-batch and free of randomness: the same data and options give the same weights on every run and machine.
 * Chosen over Adam because it needs no learning-rate schedule and converges in tens of iterations here.
 */

export interface LbfgsOptions {
  maxIterations: number;
  /** Stop when the largest gradient component falls below this. */
  gradientTolerance: number;
  /** Stop when the loss improves by less than this fraction over an iteration. */
  relativeTolerance: number;
  memory: number;
  /** Called every `yieldEvery` iterations; await it to keep an event loop responsive. */
  onProgress?: () => Promise<void> | void;
  yieldEvery: number;
}

export const DEFAULT_LBFGS: LbfgsOptions = {
  maxIterations: 300,
  gradientTolerance: 1e-4,
  relativeTolerance: 1e-8,
  memory: 10,
  yieldEvery: 10,
};

/** Loss at `x`; writes the gradient into `grad`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsResult {
  x: Float64Array;
  loss: number;
  iterations: number;
  converged: boolean;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

export async function minimizeLbfgs(
  objective: Objective,
  start: Float64Array,
  options: Partial<LbfgsOptions> = {},
): Promise<LbfgsResult> {
  const opt = { ...DEFAULT_LBFGS, ...options };
  const n = start.length;
  let x = Float64Array.from(start);
  let g = new Float64Array(n);
  let f = objective(x, g);
  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rhoList: number[] = [];
  const direction = new Float64Array(n);
  const alpha = new Float64Array(opt.memory);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  let iterations = 0;
  let converged = maxAbs(g) < opt.gradientTolerance;

  while (!converged && iterations < opt.maxIterations) {
    iterations++;
    // Two-loop recursion: direction = -H·g.
    for (let i = 0; i < n; i++) direction[i] = -g[i]!;
    const k = sList.length;
    for (let j = k - 1; j >= 0; j--) {
      const a = rhoList[j]! * dot(sList[j]!, direction);
      alpha[j] = a;
      const y = yList[j]!;
      for (let i = 0; i < n; i++) direction[i]! -= a * y[i]!;
    }
    if (k > 0) {
      const gamma = dot(sList[k - 1]!, yList[k - 1]!) / dot(yList[k - 1]!, yList[k - 1]!);
      for (let i = 0; i < n; i++) direction[i]! *= gamma;
    }
    for (let j = 0; j < k; j++) {
      const b = rhoList[j]! * dot(yList[j]!, direction);
      const s = sList[j]!;
      const a = alpha[j]!;
      for (let i = 0; i < n; i++) direction[i]! += s[i]! * (a - b);
    }
    let slope = dot(g, direction);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      sList.length = 0;
      yList.length = 0;
      rhoList.length = 0;
      for (let i = 0; i < n; i++) direction[i] = -g[i]!;
      slope = dot(g, direction);
    }
    // Backtracking line search with the Armijo condition; the first step is scaled since no curvature is known.
    let step = k === 0 ? Math.min(1, 1 / Math.max(1e-12, maxAbs(g))) : 1;
    let fNew = Number.POSITIVE_INFINITY;
    let accepted = false;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * direction[i]!;
      fNew = objective(xNew, gNew);
      if (Number.isFinite(fNew) && fNew <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = gNew[i]! - g[i]!;
    }
    const sy = dot(s, y);
    // Skip updates that would break positive definiteness (possible with a non-Wolfe line search).
    if (sy > 1e-12) {
      if (sList.length === opt.memory) {
        sList.shift();
        yList.shift();
        rhoList.shift();
      }
      sList.push(s);
      yList.push(y);
      rhoList.push(1 / sy);
    }
    const improvement = f - fNew;
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    f = fNew;
    converged = maxAbs(g) < opt.gradientTolerance || improvement <= opt.relativeTolerance * Math.max(1, Math.abs(f));
    if (opt.onProgress && iterations % opt.yieldEvery === 0) await opt.onProgress();
  }
  return { x, loss: f, iterations, converged };
}
