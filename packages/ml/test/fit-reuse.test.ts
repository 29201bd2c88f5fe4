import { describe, expect, it } from 'vitest';
import { buildRowSet, fitSubset, type SubsetFitProblem } from '../src/heads/fit.ts';
import { activate } from '../src/heads/linear-model.ts';
import { createRng } from '../src/util/random.ts';
import { blobCentres, sample } from './helpers/synthetic.ts';

describe('Advanced search reuse', () => {
  const rng = createRng(21);
  const centres = blobCentres(3, 30, 22, 1);
  // 23 rows: not a multiple of the Gram tile (4 × 2), so the edge tiles are exercised.
  const rows = Array.from({ length: 23 }, (_, i) => sample(centres[i % 3]!, rng));

  it('the tiled Gram matrix equals plain float64 dot products', async () => {
    const { gram } = await buildRowSet(rows);
    for (let i = 0; i < rows.length; i++) {
      for (let j = 0; j < rows.length; j++) {
        let s = 0;
        for (let d = 0; d < 30; d++) s += rows[i]![d]! * rows[j]![d]!;
        expect(gram[i * rows.length + j]).toBe(s);
      }
    }
  });

  it('a shared factor and a warm start reach the same model as a cold fit', async () => {
    const set = await buildRowSet(rows);
    const subset = rows.map((_, i) => i).filter((i) => i % 5 !== 0);
    const targets = new Float32Array(subset.length * 3);
    subset.forEach((r, s) => {
      targets[s * 3 + (r % 3)] = 1;
    });
    const problem = (l2: number): SubsetFitProblem => ({
      activation: 'softmax',
      set,
      subset,
      outputs: 3,
      targets,
      weights: new Float32Array(subset.length).fill(1),
      l2,
    });
    const first = await fitSubset(problem(0.1));
    const cold = await fitSubset(problem(0.03));
    const warm = await fitSubset(problem(0.03), {}, { factor: first.factor, start: first.params });
    expect(warm.factor).toBe(first.factor);
    expect(warm.iterations).toBeLessThan(cold.iterations);
    // Both stop within the same gradient tolerance of the one optimum: same objective, same predictions.
    expect(warm.loss).toBeCloseTo(cold.loss, 4);
    for (const row of rows) {
      const a = activate(warm.model, row);
      const b = activate(cold.model, row);
      for (let o = 0; o < 3; o++) expect(a[o]).toBeCloseTo(b[o]!, 2);
    }
    // A factor of another subset is not reused.
    const other = await fitSubset({ ...problem(0.03), subset: subset.slice(1), targets: targets.slice(3) }, {}, first);
    expect(other.factor).not.toBe(first.factor);
  });
});
