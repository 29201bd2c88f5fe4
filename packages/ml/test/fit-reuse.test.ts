import { describe, expect, it } from 'vitest';
import { buildRowSet, fitSubset, type SubsetFitProblem } from '../src/heads/fit.ts';
import { activate, linearLogits } from '../src/heads/linear-model.ts';
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
    const [warmModel, coldModel] = [warm.model(), cold.model()];
    for (const row of rows) {
      const a = activate(warmModel, row);
      const b = activate(coldModel, row);
      for (let o = 0; o < 3; o++) expect(a[o]).toBeCloseTo(b[o]!, 2);
    }
    // A factor of another subset is not reused.
    const other = await fitSubset({ ...problem(0.03), subset: subset.slice(1), targets: targets.slice(3) }, {}, first);
    expect(other.factor).not.toBe(first.factor);
  });

  it('logits from the Gram matrix equal the feature-space model on training, held-out and extra rows', async () => {
    // Row 23 is an extra row (not a training row), as trainHead adds for prediction inputs of other views.
    const extra = sample(centres[1]!, rng);
    const set = await buildRowSet([...rows, extra]);
    const subset = rows.map((_, i) => i).filter((i) => i % 4 !== 1);
    for (const activation of ['softmax', 'sigmoid'] as const) {
      const targets = new Float32Array(subset.length * 3);
      subset.forEach((r, s) => {
        targets[s * 3 + (r % 3)] = 1;
      });
      const weights = new Float32Array(activation === 'softmax' ? subset.length : subset.length * 3).fill(1);
      const fit = await fitSubset({ activation, set, subset, outputs: 3, targets, weights, l2: 0.05 });
      const model = fit.model();
      const probes = [0, 1, 5, 22, 23];
      const fromGram = fit.logitsOf(probes);
      probes.forEach((h, p) => {
        const direct = linearLogits(model, h === 23 ? extra : rows[h]!);
        // The model's weights are float32; the Gram route stays in float64.
        for (let o = 0; o < 3; o++) expect(fromGram[p]![o]).toBeCloseTo(direct[o]!, 4);
      });
    }
  });
});
