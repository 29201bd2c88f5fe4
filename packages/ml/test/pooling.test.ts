/**
 * Spatial pooling definitions (backbones/pooling.ts), checked against their mathematical meaning on random maps.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { pooledSize, poolFeatureMap } from '../src/backbones/pooling.ts';
import { matrixSqrtRoots, upperTriangleL2 } from '../src/backbones/pooling-tf.ts';
import { getTf, initEngine } from '../src/engine/engine.ts';
import { createRng } from '../src/util/random.ts';

const C = 12;
const POSITIONS = 49;

/** Signed values, like the residual block output the backbones tap. */
function randomMap(seed: number): Float32Array {
  const next = createRng(seed);
  return Float32Array.from({ length: POSITIONS * C }, (_, k) => (2 * next() - 1) * (1 + (k % C) / C));
}

function gram(map: Float32Array): number[][] {
  const g = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  for (let s = 0; s < POSITIONS; s++)
    for (let i = 0; i < C; i++)
      for (let j = 0; j < C; j++) g[i]![j]! += (map[s * C + i]! * map[s * C + j]!) / POSITIONS;
  return g;
}

/** The symmetric matrix whose upper triangle (row-major) is `upper`. */
function symmetric(upper: Float32Array): number[][] {
  const m = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  let k = 0;
  for (let i = 0; i < C; i++)
    for (let j = i; j < C; j++) {
      m[i]![j] = upper[k]!;
      m[j]![i] = upper[k++]!;
    }
  return m;
}

describe('poolFeatureMap', () => {
  it('mean: the average of each channel over positions', () => {
    const map = randomMap(1);
    const pooled = poolFeatureMap(map, POSITIONS, C, 'mean');
    expect(pooled).toHaveLength(C);
    let sum = 0;
    for (let s = 0; s < POSITIONS; s++) sum += map[s * C + 3]!;
    expect(pooled[3]).toBeCloseTo(sum / POSITIONS, 5);
  });

  it('bilinear-msqrt: a unit vector whose matrix, squared, is proportional to the co-activation matrix', () => {
    const map = randomMap(2);
    const pooled = poolFeatureMap(map, POSITIONS, C, 'bilinear-msqrt');
    expect(pooled).toHaveLength(pooledSize('bilinear-msqrt', C));
    expect(Math.hypot(...pooled)).toBeCloseTo(1, 6);
    const s = symmetric(pooled);
    const g = gram(map);
    const squared = s.map((row) => row.map((_, j) => row.reduce((acc, v, k) => acc + v * s[k]![j]!, 0)));
    // S·S = λ·G for one λ > 0 (the L2 normalisation): compare after scaling by the traces.
    const trace = (m: number[][]) => m.reduce((acc, row, i) => acc + row[i]!, 0);
    const [ts, tg] = [trace(squared), trace(g)];
    let worst = 0;
    for (let i = 0; i < C; i++)
      for (let j = 0; j < C; j++) worst = Math.max(worst, Math.abs(squared[i]![j]! / ts - g[i]![j]! / tg));
    // Five Newton–Schulz steps are an approximation (entries of G/tr(G) here are ≈ 0.08): 3.4e-3 at 5 steps,
    // under 2e-3 at 10 (measured), so the iteration converges to the true root and 5 steps stay near it.
    expect(worst).toBeLessThan(5e-3);
    // And not the element-wise square root that plain bilinear pooling takes.
    const plain = poolFeatureMap(map, POSITIONS, C, 'bilinear');
    expect(Math.max(...pooled.map((v, k) => Math.abs(v - plain[k]!)))).toBeGreaterThan(1e-2);
  });

  it('bilinear-msqrt of an all-zero map is the zero vector, not NaN', () => {
    const pooled = poolFeatureMap(new Float32Array(POSITIONS * C), POSITIONS, C, 'bilinear-msqrt');
    expect(pooled.every((v) => v === 0)).toBe(true);
  });
});

describe('bilinear-msqrt on the TF.js backend (the fallback runtime)', () => {
  beforeAll(async () => {
    await initEngine();
  });

  it('gives the float64 reference within float32 rounding, for a batch, and zeros for a zero map', () => {
    const tf = getTf();
    const maps = [randomMap(3), randomMap(4), new Float32Array(POSITIONS * C)];
    const { roots, traces } = tf.tidy(() => matrixSqrtRoots(tf.tensor4d(concat(maps), [maps.length, 7, 7, C])));
    const rootValues = roots.dataSync() as Float32Array;
    const traceValues = traces.dataSync() as Float32Array;
    roots.dispose();
    traces.dispose();
    maps.forEach((map, i) => {
      const reference = poolFeatureMap(map, POSITIONS, C, 'bilinear-msqrt');
      const pooled = upperTriangleL2(rootValues.subarray(i * C * C, (i + 1) * C * C), traceValues[i]!, C);
      expect(pooled).toHaveLength(reference.length);
      expect(pooled.every(Number.isFinite)).toBe(true);
      expect(Math.max(...pooled.map((v, k) => Math.abs(v - reference[k]!)))).toBeLessThan(1e-5);
    });
  });
});

function concat(maps: Float32Array[]): Float32Array {
  const out = new Float32Array(maps.reduce((n, m) => n + m.length, 0));
  maps.reduce((offset, m) => {
    out.set(m, offset);
    return offset + m.length;
  }, 0);
  return out;
}
