import { describe, expect, it } from 'vitest';
import { activate, type LinearModel, softmaxInPlace } from '../src/heads/linear-model.ts';
import { blendPrototypes, classPrototypes, prototypeScores } from '../src/heads/prototypes.ts';
import { deserializeHead, serializeHead } from '../src/heads/serialize.ts';
import { type TrainHeadOptions, trainHead } from '../src/training/train-head.ts';
import { createRng } from '../src/util/random.ts';
import { blobCentres, gaussian, imageFeatures, sample, syntheticBackbone } from './helpers/synthetic.ts';

const DIM = 12;

function randomModel(outputs: number, rng: () => number): LinearModel {
  return {
    activation: 'softmax',
    inputDim: DIM,
    outputs,
    weights: Float32Array.from({ length: outputs * DIM }, () => gaussian(rng)),
    bias: Float32Array.from({ length: outputs }, () => gaussian(rng)),
  };
}

describe('class prototypes', () => {
  const rng = createRng(3);
  const centres = blobCentres(3, DIM, 5);
  const rows = centres.flatMap((c) => Array.from({ length: 4 }, () => sample(c, rng)));
  const rowClass = centres.flatMap((_, c) => [c, c, c, c]);
  const p = classPrototypes(rows, rowClass, 3);

  it('holds each class mean and the mean squared distance to the overall mean', () => {
    for (let q = 0; q < DIM; q++) {
      const mean1 = (rows[4]![q]! + rows[5]![q]! + rows[6]![q]! + rows[7]![q]!) / 4;
      expect(p.means[DIM + q]).toBeCloseTo(mean1, 5);
    }
    const overall = Array.from({ length: DIM }, (_, q) => rows.reduce((s, r) => s + r[q]!, 0) / rows.length);
    const spread = rows.reduce((s, r) => s + r.reduce((t, v, q) => t + (v - overall[q]!) ** 2, 0), 0) / rows.length;
    expect(p.spread).toBeCloseTo(spread, 4);
  });

  it('folds into the linear layer: softmax of logits plus β·scores, exactly', () => {
    const model = randomModel(3, rng);
    for (const beta of [0, 0.7, 5]) {
      const blended = blendPrototypes(model, p, beta);
      for (let t = 0; t < 5; t++) {
        const x = sample(centres[t % 3]!, rng, 2);
        const z = new Float64Array(3);
        const lin = activate(model, x);
        const scores = prototypeScores(p, x);
        for (let o = 0; o < 3; o++) z[o] = Math.log(lin[o]!) + beta * scores[o]!;
        const expected = softmaxInPlace(z);
        const got = activate(blended, x);
        for (let o = 0; o < 3; o++) expect(got[o]).toBeCloseTo(expected[o]!, 4);
      }
    }
    // The input model is left alone.
    const before = Float32Array.from(model.weights);
    expect(blendPrototypes(model, p, 3).weights).not.toEqual(model.weights);
    expect(model.weights).toEqual(before);
  });

  it('with a large weight predicts the nearest class mean whatever the linear layer says', () => {
    const blended = blendPrototypes(randomModel(3, rng), p, 1e4);
    for (let t = 0; t < 12; t++) {
      const x = sample(centres[t % 3]!, rng, 1.5);
      const scores = prototypeScores(p, x);
      const nearest = scores.indexOf(Math.max(...scores));
      const probs = activate(blended, x);
      expect(probs.indexOf(Math.max(...probs))).toBe(nearest);
    }
  });

  it('refuses sigmoid models and mismatched shapes', () => {
    expect(() => blendPrototypes({ ...randomModel(3, rng), activation: 'sigmoid' }, p, 1)).toThrow(/softmax/);
    expect(() => blendPrototypes(randomModel(2, rng), p, 1)).toThrow(/match/);
  });
});

describe('trainHead with prototype candidates', () => {
  const centres = blobCentres(3, DIM, 11, 1.2);
  const rng = createRng(12);
  const images = centres.flatMap((c, k) =>
    Array.from({ length: 6 }, () => ({ features: imageFeatures(c, rng, 1), tags: [k] })),
  );
  const base: TrainHeadOptions = {
    backbone: syntheticBackbone(DIM),
    tagIds: ['a', 'b', 'c'],
    tagTypes: ['Regular', 'Regular', 'Regular'],
    images,
    classificationType: 'Multiclass',
    seed: 3,
  };

  it('records the weight chosen by cross-validated log-loss, and the evaluation is that blend', async () => {
    const plain = await trainHead({ ...base, prototypeWeights: [0] });
    const blended = await trainHead({ ...base, prototypeWeights: [0, 1, 10] });
    expect(plain.head.training.prototypeWeight).toBeUndefined();
    expect([0, 1, 10]).toContain(blended.head.training.prototypeWeight);
    const loss = (e: typeof plain.evaluation) =>
      e!.probabilities.reduce((s, p, i) => s - Math.log(Math.max(1e-7, p[e!.labels[i]![0]!]!)), 0);
    // The chosen candidate can only lower the out-of-fold log-loss (0 is among the candidates).
    expect(loss(blended.evaluation)).toBeLessThanOrEqual(loss(plain.evaluation) + 1e-9);
    if (blended.head.training.prototypeWeight !== 0) {
      expect(blended.head.model.weights).not.toEqual(plain.head.model.weights);
    }
    // Still a plain linear head: serialises and loads with the same format version.
    const back = deserializeHead(serializeHead(blended.head));
    expect(back.formatVersion).toBe(1);
    expect(back.training.prototypeWeight).toBe(blended.head.training.prototypeWeight);
  }, 60_000);

  it('trains a plain linear head by default', async () => {
    const byDefault = await trainHead(base);
    const plain = await trainHead({ ...base, prototypeWeights: [0] });
    expect(byDefault.head.training.prototypeWeight).toBeUndefined();
    expect(byDefault.head.model.weights).toEqual(plain.head.model.weights);
  }, 60_000);

  it('uses a forced weight when it is the only candidate, and rejects negative ones', async () => {
    const forced = await trainHead({ ...base, prototypeWeights: [10], evaluate: false });
    const plain = await trainHead({ ...base, prototypeWeights: [0], evaluate: false });
    expect(forced.head.training.prototypeWeight).toBe(10);
    const x = images[0]!.features.centre!;
    expect(activate(forced.head.model, x)).not.toEqual(activate(plain.head.model, x));
    await expect(trainHead({ ...base, prototypeWeights: [-1] })).rejects.toThrow(/non-negative/);
  }, 60_000);
});
