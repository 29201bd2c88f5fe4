import { describe, expect, it } from 'vitest';
import { HeadFormatError, TrainingInputError } from '../src/errors.ts';
import type { TagType } from '../src/evaluation/metrics.ts';
import { accuracy, metricsAt } from '../src/evaluation/metrics.ts';
import { fitLinear } from '../src/heads/fit.ts';
import { type Head, predict, tagProbabilities } from '../src/heads/head.ts';
import { activate } from '../src/heads/linear-model.ts';
import { deserializeHead, serializeHead } from '../src/heads/serialize.ts';
import type { ImageFeatures } from '../src/preprocess/views.ts';
import { layoutLabels, type TrainingImage } from '../src/training/problem.ts';
import { type TrainHeadOptions, trainHead } from '../src/training/train-head.ts';
import { trainHeadOffThread } from '../src/training/train-head-off-thread.ts';
import { CROP_GROUPS_MAX_IMAGES, trainingViews } from '../src/training/views.ts';
import { createRng } from '../src/util/random.ts';
import { blobCentres, gaussian, imageFeatures, sample, syntheticBackbone } from './helpers/synthetic.ts';

const DIM = 40;
const backbone = syntheticBackbone(DIM);

/** `perClass` images per class around well separated centres; class index = tag index. */
function blobImages(perClass: number[], seed: number, noise = 1): TrainingImage[] {
  const centres = blobCentres(perClass.length, DIM, seed);
  const rng = createRng(seed + 1);
  return perClass.flatMap((count, c) =>
    Array.from({ length: count }, () => ({ features: imageFeatures(centres[c]!, rng, noise), tags: [c] })),
  );
}

function options(
  images: TrainingImage[],
  tagTypes: TagType[],
  extra: Partial<TrainHeadOptions> = {},
): TrainHeadOptions {
  return {
    backbone,
    tagIds: tagTypes.map((_, k) => `tag-${k}`),
    tagTypes,
    images,
    classificationType: 'Multiclass',
    seed: 7,
    ...extra,
  };
}

describe('fitLinear', () => {
  const centres = blobCentres(3, DIM, 1);
  const rng = createRng(2);
  const rows = centres.flatMap((c) => Array.from({ length: 15 }, () => sample(c, rng)));
  const labels = centres.flatMap((_, k) => Array(15).fill(k) as number[]);
  const targets = Float32Array.from(labels.flatMap((k) => [0, 1, 2].map((o) => (o === k ? 1 : 0))));
  const problem = {
    activation: 'softmax' as const,
    rows,
    outputs: 3,
    targets,
    weights: new Float32Array(rows.length).fill(1),
    l2: 1e-2,
  };

  it('separates easy synthetic classes, also on new samples', async () => {
    const { model, converged } = await fitLinear(problem);
    expect(converged).toBe(true);
    const top = (x: Float32Array) => {
      const p = activate(model, x);
      return p.indexOf(Math.max(...p));
    };
    expect(rows.every((r, i) => top(r) === labels[i])).toBe(true);
    const fresh = createRng(99);
    for (let k = 0; k < 3; k++) for (let i = 0; i < 10; i++) expect(top(sample(centres[k]!, fresh))).toBe(k);
  });

  it('reaches the optimum of the primal problem (the Gram-matrix solution is exact)', async () => {
    const { model } = await fitLinear(problem, { gradientTolerance: 1e-9, relativeTolerance: 0, maxIterations: 2000 });
    // Primal objective on centred rows scaled by s: mean cross-entropy + l2/2 · ‖W·s‖².
    const m = rows.length;
    const mean = new Float64Array(DIM);
    for (const r of rows) for (let d = 0; d < DIM; d++) mean[d]! += r[d]! / m;
    let variance = 0;
    for (const r of rows) for (let d = 0; d < DIM; d++) variance += (r[d]! - mean[d]!) ** 2;
    const s = Math.sqrt(variance / (m * DIM));
    const gradW = new Float64Array(3 * DIM);
    const gradB = new Float64Array(3);
    rows.forEach((r, j) => {
      const p = activate(model, r);
      for (let o = 0; o < 3; o++) {
        const res = (p[o]! - targets[j * 3 + o]!) / m;
        gradB[o]! += res;
        for (let d = 0; d < DIM; d++) gradW[o * DIM + d]! += (res * (r[d]! - mean[d]!)) / s;
      }
    });
    for (let i = 0; i < gradW.length; i++) gradW[i]! += problem.l2 * model.weights[i]! * s;
    expect(Math.max(...gradW.map(Math.abs))).toBeLessThan(1e-6);
    expect(Math.max(...gradB.map(Math.abs))).toBeLessThan(1e-6);
  });

  it('is deterministic', async () => {
    const a = await fitLinear(problem);
    const b = await fitLinear(problem);
    expect(Buffer.from(a.model.weights.buffer).equals(Buffer.from(b.model.weights.buffer))).toBe(true);
    expect(a.model.bias).toEqual(b.model.bias);
  });
});

describe('trainHead, multiclass', () => {
  it('trains, cross-validates and predicts', async () => {
    const images = blobImages([12, 12, 12], 3);
    const { head, evaluation, untrainedTagIds } = await trainHead(options(images, ['Regular', 'Regular', 'Regular']));
    expect(untrainedTagIds).toEqual([]);
    expect(head.model.inputDim).toBe(DIM);
    expect(head.predictionViews).toEqual(['centre']);
    expect(evaluation!.folds).toBe(5);
    expect(evaluation!.probabilities).toHaveLength(36);
    for (const p of evaluation!.probabilities) expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(accuracy(evaluation!)).toBe(1);
    expect(metricsAt(evaluation!).precision).toBe(1);
    const predictions = predict(head, images[13]!.features);
    expect(predictions[0]!.tagId).toBe('tag-1');
    expect(predictions.map((p) => p.probability)).toEqual(
      [...predictions.map((p) => p.probability)].sort((a, b) => b - a),
    );
  });

  it('is deterministic for a seed; the seed changes the folds', async () => {
    const images = blobImages([8, 8], 4, 4);
    const a = await trainHead(options(images, ['Regular', 'Regular']));
    const b = await trainHead(options(images, ['Regular', 'Regular']));
    expect(serializeHead(a.head).replace(/"durationMs":[\d.e+-]+/, '')).toBe(
      serializeHead(b.head).replace(/"durationMs":[\d.e+-]+/, ''),
    );
    expect(a.evaluation).toEqual(b.evaluation);
    const c = await trainHead(options(images, ['Regular', 'Regular'], { seed: 8 }));
    expect(c.evaluation!.fold).not.toEqual(a.evaluation!.fold);
  });

  it('learns the Negative tag as a class and reports its probability', async () => {
    const images = blobImages([10, 10, 10], 5);
    const { head } = await trainHead(options(images, ['Regular', 'Negative', 'Regular']));
    expect(head.negative).toEqual({ tagIndex: 1, source: 'class' });
    const p = tagProbabilities(head, images[15]!.features);
    expect(p[1]).toBeGreaterThan(0.5);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('gives untrained tags probability 0', async () => {
    const images = blobImages([6, 6], 6);
    const { head, untrainedTagIds } = await trainHead({
      ...options(images, ['Regular', 'Regular']),
      tagIds: ['a', 'b', 'c'],
      tagTypes: ['Regular', 'Regular', 'Regular'],
    });
    expect(untrainedTagIds).toEqual(['c']);
    expect(predict(head, images[0]!.features).find((p) => p.tagId === 'c')!.probability).toBe(0);
  });

  it('balances classes by inverse frequency', async () => {
    const images = blobImages([30, 6], 9);
    const layout = layoutLabels('Multiclass', ['a', 'b'], ['Regular', 'Regular'], images, true);
    // n / (classes · count): 36 / (2 · 30) and 36 / (2 · 6); each class then weighs n / 2 in total.
    expect(layout.imageWeights[0]).toBeCloseTo(0.6, 6);
    expect(layout.imageWeights[35]).toBeCloseTo(3, 6);
    // Behaviour on overlapping classes (two features, 200 vs 20 images): balancing raises the minority's odds.
    const rng = createRng(10);
    const twoD = (x: number) => ({ centre: Float32Array.of(x + gaussian(rng), gaussian(rng)) });
    const overlapping: TrainingImage[] = [
      ...Array.from({ length: 200 }, () => ({ features: twoD(0), tags: [0] })),
      ...Array.from({ length: 20 }, () => ({ features: twoD(1), tags: [1] })),
    ];
    const small = { ...backbone, dim: 2 };
    const run = (balance: boolean) =>
      trainHead({
        ...options(overlapping, ['Regular', 'Regular']),
        backbone: small,
        augment: false,
        evaluate: false,
        balance,
      });
    const minority = (head: Head) =>
      overlapping.reduce((sum, img) => sum + tagProbabilities(head, img.features)[1]!, 0) / overlapping.length;
    const balanced = minority((await run(true)).head);
    const plain = minority((await run(false)).head);
    expect(plain).toBeLessThan(0.15);
    expect(balanced).toBeGreaterThan(2 * plain);
  });

  it('averages the requested prediction views', async () => {
    const images = blobImages([6, 6], 14);
    const { head } = await trainHead(
      options(images, ['Regular', 'Regular'], {
        evaluate: false,
        predictionViews: ['centre', 'centre-mirrored', 'zoom'],
      }),
    );
    expect(head.predictionViews).toEqual(['centre', 'centre-mirrored', 'zoom']);
    await expect(
      trainHead(options(images, ['Regular', 'Regular'], { predictionViews: ['zoom'] })),
    ).rejects.toBeInstanceOf(TrainingInputError);
  });

  it('scores each held-out image as a head trained on the other folds predicts it, with any prediction views', async () => {
    const rng = createRng(5);
    const images = blobImages([7, 7, 6], 31, 2).map((img) => ({
      ...img,
      features: { ...img.features, zoom: sample(img.features.centre!, rng, 0.5) },
    }));
    // Unbalanced weights: a fold's fit then weighs its images exactly as a training on those images alone does.
    for (const predictionViews of [undefined, ['centre', 'centre-mirrored', 'zoom'] as const]) {
      const extra = { balance: false, ...(predictionViews ? { predictionViews: [...predictionViews] } : {}) };
      const { evaluation } = await trainHead(options(images, ['Regular', 'Regular', 'Regular'], extra));
      for (const f of [0, 2]) {
        const held = images.flatMap((_, i) => (evaluation!.fold[i] === f ? [i] : []));
        const { head } = await trainHead(
          options(
            images.filter((_, i) => evaluation!.fold[i] !== f),
            ['Regular', 'Regular', 'Regular'],
            { ...extra, evaluate: false },
          ),
        );
        for (const i of held) {
          const expected = tagProbabilities(head, images[i]!.features);
          expected.forEach((p, k) => {
            expect(evaluation!.probabilities[i]![k]).toBeCloseTo(p, 5);
          });
        }
      }
    }
  });

  it('without augmentation uses only the centre view', async () => {
    const images = blobImages([6, 6], 10);
    const { head } = await trainHead(options(images, ['Regular', 'Regular'], { augment: false, evaluate: false }));
    expect(head.predictionViews).toEqual(['centre']);
    expect(head.training.trainingViews).toEqual(['centre']);
    expect(trainingViews('Advanced', true, 10)).toEqual([
      'centre',
      'centre-mirrored',
      'top-left',
      'top-left-mirrored',
      'bottom-right',
      'bottom-right-mirrored',
    ]);
    expect(trainingViews('Regular', false, 10)).toEqual(['centre']);
  });

  describe('crop groups in Regular training', () => {
    /** Images whose crop views exist: each crop is the centre features plus noise. */
    function withCrops(perClass: number[], seed: number): TrainingImage[] {
      const rng = createRng(seed + 50);
      return blobImages(perClass, seed).map((img) => {
        const features: ImageFeatures = { ...img.features };
        for (const view of trainingViews('Advanced', true, 0).slice(2))
          features[view] = sample(img.features.centre!, rng);
        return { ...img, features };
      });
    }
    const withoutCrops = (images: TrainingImage[]): TrainingImage[] =>
      images.map((img) => ({
        ...img,
        features: { centre: img.features.centre!, 'centre-mirrored': img.features['centre-mirrored']! },
      }));

    it('small projects train on two corner crops too, and still predict on the centre view alone', async () => {
      const small = ['centre', 'centre-mirrored', 'top-left', 'bottom-right'];
      expect(trainingViews('Regular', true, CROP_GROUPS_MAX_IMAGES)).toEqual(small);
      const images = withCrops([6, 6], 21);
      const { head } = await trainHead(options(images, ['Regular', 'Regular'], { evaluate: false }));
      expect(head.training.trainingViews).toEqual(small);
      expect(head.predictionViews).toEqual(['centre']);
      // The other crop views are ignored; without the two corners the head is another one.
      const only = (keep: string[]) =>
        images.map((img) => ({
          ...img,
          features: Object.fromEntries(Object.entries(img.features).filter(([v]) => keep.includes(v))),
        }));
      const fromSmall = await trainHead(options(only(small), ['Regular', 'Regular'], { evaluate: false }));
      expect(fromSmall.head.model.weights).toEqual(head.model.weights);
      const centreOnly = await trainHead(options(withoutCrops(images), ['Regular', 'Regular'], { evaluate: false }));
      expect(centreOnly.head.model.weights).not.toEqual(head.model.weights);
      // Advanced trains on the two corners and their mirrors.
      const advanced = await trainHead(
        options(images, ['Regular', 'Regular'], { evaluate: false, trainingType: 'Advanced', l2: 1e-2 }),
      );
      expect(advanced.head.training.trainingViews).toHaveLength(6);
      expect(advanced.head.model.weights).not.toEqual(head.model.weights);
    });

    it('larger projects train on the centre and its mirror only, whatever else was embedded', async () => {
      const n = CROP_GROUPS_MAX_IMAGES + 1;
      expect(trainingViews('Regular', true, n)).toEqual(['centre', 'centre-mirrored']);
      expect(trainingViews('Advanced', true, n)).toHaveLength(6);
      const images = withCrops([51, 50], 22);
      const { head } = await trainHead(options(images, ['Regular', 'Regular'], { evaluate: false }));
      expect(head.training.trainingViews).toEqual(['centre', 'centre-mirrored']);
      const centreOnly = await trainHead(options(withoutCrops(images), ['Regular', 'Regular'], { evaluate: false }));
      expect(centreOnly.head.model.weights).toEqual(head.model.weights);
    }, 30_000);
  });

  it('Advanced searches L2 strengths within its budget and keeps the best', async () => {
    const images = blobImages([10, 10], 11, 5);
    const full = await trainHead(options(images, ['Regular', 'Regular'], { trainingType: 'Advanced' }));
    const search = full.head.training.search!;
    expect(search).toHaveLength(5);
    // Highest mean average precision wins, lower log-loss breaks ties.
    const best = search.reduce((a, b) =>
      b.averagePrecision > a.averagePrecision || (b.averagePrecision === a.averagePrecision && b.loss < a.loss) ? b : a,
    );
    expect(full.head.training.l2).toBe(best.l2);
    expect(new Set(search.map((c) => c.l2)).size).toBe(5);
    const bounded = await trainHead(options(images, ['Regular', 'Regular'], { trainingType: 'Advanced', budgetMs: 0 }));
    expect(bounded.head.training.search).toHaveLength(1);
  });

  it('keeps the event loop turning while it trains', async () => {
    const images = blobImages([60, 60, 60], 12, 3);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      await trainHead(options(images, ['Regular', 'Regular', 'Regular']));
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(3);
  });

  it('rejects unusable input with TrainingInputError', async () => {
    const images = blobImages([5, 5], 13);
    const bad = (patch: Partial<TrainHeadOptions>) =>
      trainHead({ ...options(images, ['Regular', 'Regular']), ...patch });
    await expect(bad({ images: images.slice(0, 5) })).rejects.toBeInstanceOf(TrainingInputError);
    await expect(bad({ images: [...images, { features: images[0]!.features, tags: [0, 1] }] })).rejects.toBeInstanceOf(
      TrainingInputError,
    );
    await expect(
      bad({ images: [...images, { features: { centre: new Float32Array(3) }, tags: [0] }] }),
    ).rejects.toBeInstanceOf(TrainingInputError);
    await expect(
      bad({ images: [...images, { features: { 'centre-mirrored': images[0]!.features.centre! }, tags: [0] }] }),
    ).rejects.toBeInstanceOf(TrainingInputError);
  });
});

describe('trainHead, multilabel', () => {
  /** Tag 0 is on images of centres 0 and 2, tag 1 on centres 1 and 2; centre 3 images are Negative (tag 2). */
  function multilabelImages(withNegatives: boolean): TrainingImage[] {
    const centres = blobCentres(4, DIM, 20);
    const rng = createRng(21);
    const tagsOf = [[0], [1], [0, 1], [2]];
    return [0, 1, 2, ...(withNegatives ? [3] : [])].flatMap((c) =>
      Array.from({ length: 8 }, () => ({ features: imageFeatures(centres[c]!, rng), tags: tagsOf[c]! })),
    );
  }

  it('predicts each tag independently; Negative images are all-zero targets with their own sigmoid', async () => {
    const images = multilabelImages(true);
    const { head, evaluation } = await trainHead({
      ...options(images, ['Regular', 'Regular', 'Negative']),
      classificationType: 'Multilabel',
    });
    expect(head.model.activation).toBe('sigmoid');
    expect(head.negative).toEqual({ tagIndex: 2, source: 'sigmoid' });
    const both = tagProbabilities(head, images[16]!.features);
    expect(both[0]).toBeGreaterThan(0.5);
    expect(both[1]).toBeGreaterThan(0.5);
    expect(both[2]).toBeLessThan(0.5);
    const negative = tagProbabilities(head, images[24]!.features);
    expect(negative[0]).toBeLessThan(0.5);
    expect(negative[1]).toBeLessThan(0.5);
    expect(negative[2]).toBeGreaterThan(0.5);
    const m = metricsAt(evaluation!, 0.5);
    expect(m.recall).toBe(1);
    expect(m.precision).toBe(1);
  });

  it('without Negative images reports Negative as the probability that no tag applies', async () => {
    const images = multilabelImages(false);
    const { head } = await trainHead({
      ...options(images, ['Regular', 'Regular', 'Negative']),
      classificationType: 'Multilabel',
    });
    expect(head.negative).toEqual({ tagIndex: 2, source: 'none-of-the-tags' });
    const p = tagProbabilities(head, images[0]!.features);
    expect(p[2]).toBeCloseTo((1 - p[0]!) * (1 - p[1]!), 12);
  });

  it('rejects an image that combines Negative with another tag', async () => {
    const images = multilabelImages(true);
    images.push({ features: images[0]!.features, tags: [0, 2] });
    await expect(
      trainHead({ ...options(images, ['Regular', 'Regular', 'Negative']), classificationType: 'Multilabel' }),
    ).rejects.toBeInstanceOf(TrainingInputError);
  });
});

describe('serialisation', () => {
  it('round-trips to plain JSON with identical predictions', async () => {
    const images = blobImages([6, 6, 6], 30);
    const { head } = await trainHead(options(images, ['Regular', 'Negative', 'Regular'], { evaluate: false }));
    const text = serializeHead(head);
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(parsed.tagIds).toEqual(['tag-0', 'tag-1', 'tag-2']);
    expect(parsed.backbone).toMatchObject({ id: 'synthetic', cacheKey: 'synthetic@1' });
    expect(parsed.preprocessing).toMatchObject({ crop: 'centre-square' });
    const back = deserializeHead(text);
    expect(back.model.weights).toEqual(head.model.weights);
    expect(back.model.bias).toEqual(head.model.bias);
    for (const img of images) expect(predict(back, img.features)).toEqual(predict(head, img.features));
    expect(deserializeHead(Buffer.from(text))).toEqual(back);
  });

  it('refuses what is not a head, and features of another size', async () => {
    expect(() => deserializeHead('{"format":"something"}')).toThrow(HeadFormatError);
    expect(() => deserializeHead('not json')).toThrow(HeadFormatError);
    const images = blobImages([4, 4], 31);
    const { head } = await trainHead(options(images, ['Regular', 'Regular'], { evaluate: false }));
    const broken = JSON.parse(serializeHead(head)) as { model: { weights: string } };
    broken.model.weights = broken.model.weights.slice(0, 40);
    expect(() => deserializeHead(JSON.stringify(broken))).toThrow(HeadFormatError);
    expect(() => predict(head, { centre: new Float32Array(DIM + 1) })).toThrow(HeadFormatError);
    expect(() => predict(head, { 'centre-mirrored': new Float32Array(DIM) })).toThrow(HeadFormatError);
  });
});

describe('trainHeadOffThread', () => {
  it('returns what trainHead returns in-process, bit for bit, with progress, without falling back', async () => {
    const images = blobImages([14, 12, 10], 41);
    const fallbacks: string[] = [];
    const progress: string[] = [];
    // A backbone as getBackbone returns it: with methods, which a worker cannot receive.
    const withMethods = { ...backbone, embed: async () => [], dispose: () => undefined };
    const off = await trainHeadOffThread(
      options(images, ['Regular', 'Regular', 'Regular'], {
        backbone: withMethods,
        onProgress: (p) => progress.push(p.stage),
      }),
      { onFallback: (reason) => fallbacks.push(reason) },
    );
    const local = await trainHead(options(images, ['Regular', 'Regular', 'Regular']));
    expect(fallbacks).toEqual([]);
    expect(off.head.model.weights).toBeInstanceOf(Float32Array);
    expect(Buffer.from(off.head.model.weights.buffer).equals(Buffer.from(local.head.model.weights.buffer))).toBe(true);
    expect(off.evaluation).toEqual(local.evaluation);
    expect(progress[0]).toBe('preparing');
    expect(progress.at(-1)).toBe('final-fit');
  }, 30_000);

  it('fits on the calling thread, saying why, when the worker cannot load', async () => {
    const images = blobImages([8, 8], 44);
    const reasons: string[] = [];
    const got = await trainHeadOffThread(options(images, ['Regular', 'Regular']), {
      bootstrap: "throw new Error('simulated: no TypeScript loader')",
      onFallback: (reason) => reasons.push(reason),
    });
    expect(reasons).toEqual(['simulated: no TypeScript loader']);
    const local = await trainHead(options(images, ['Regular', 'Regular']));
    expect(Array.from(got.head.model.weights)).toEqual(Array.from(local.head.model.weights));
  }, 30_000);

  it('rebuilds typed errors thrown in the worker', async () => {
    const images = blobImages([6, 6], 42);
    images[0] = { ...images[0]!, tags: [0, 1] }; // two tags on a multiclass image
    await expect(trainHeadOffThread(options(images, ['Regular', 'Regular']))).rejects.toBeInstanceOf(
      TrainingInputError,
    );
  }, 30_000);

  it('stops the worker when the signal aborts', async () => {
    const controller = new AbortController();
    const running = trainHeadOffThread(
      options(blobImages([40, 40, 40], 43), ['Regular', 'Regular', 'Regular'], {
        trainingType: 'Advanced',
        signal: controller.signal,
      }),
    );
    controller.abort(new Error('cancelled by the test'));
    await expect(running).rejects.toThrow('cancelled by the test');
  }, 30_000);
});
