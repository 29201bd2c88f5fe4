/**
 * The engine's stored model and evaluation formats, including what cvkit 0.1 stored: iterations trained before an
 * upgrade must keep predicting the same probabilities and reporting the same figures.
 */
import { activate, type Backbone, metricsAt, tagProbabilities } from '@cvkit/ml';
import { describe, expect, it } from 'vitest';
import { decodeStoredEvaluation, decodeStoredModel, encodeStoredEvaluation } from '../src/ml/stored-formats.ts';

const compact = {
  id: 'mnv2-140-gap',
  version: 'v-test',
  cacheKey: 'mnv2-140-gap@v-test',
  dim: 3,
  preprocessing: { version: 'p' },
} as unknown as Backbone;

const f32b64 = (values: number[]) => Buffer.from(Float32Array.from(values).buffer).toString('base64');

describe('stored formats', () => {
  it('reads a cvkit 0.1 linear model as a centre-view head on the compact backbone, with the same probabilities', async () => {
    const legacy = {
      format: 'cvkit-linear-v1',
      backbone: 'mobilenetv2-mid@old',
      tagIds: ['t1', 't2'],
      labels: ['Hemlock', 'Japanese_Cherry'],
      activation: 'softmax',
      inputDim: 3,
      outputs: 2,
      weights: f32b64([1, -2, 0.5, -1, 2, 0]),
      bias: f32b64([0.1, -0.1]),
    };
    const { head, labels } = await decodeStoredModel(Buffer.from(JSON.stringify(legacy)), async () => compact);
    expect(labels).toEqual(['Hemlock', 'Japanese_Cherry']);
    expect(head.backbone.cacheKey).toBe(compact.cacheKey);
    expect(head.predictionViews).toEqual(['centre']);
    const features = Float32Array.from([0.3, 0.2, 0.9]);
    const expected = Array.from(activate(head.model, features));
    expect(tagProbabilities(head, { centre: features })).toEqual(expected);
    expect(expected[0]).not.toBeCloseTo(expected[1]!, 2);
  });

  it('refuses an unknown model format', async () => {
    await expect(decodeStoredModel(Buffer.from('{"format":"other"}'), async () => compact)).rejects.toThrow(
      /unknown stored model format/,
    );
  });

  it('reads a cvkit 0.1 evaluation with its image ids, tag types and labels', () => {
    const legacy = {
      classificationType: 'Multiclass',
      tags: [
        { id: 'a', negative: false },
        { id: 'b', negative: false },
        { id: 'n', negative: true },
      ],
      folds: 2,
      images: [
        { imageId: 'i1', fold: 0, truth: ['a'], probabilities: [0.9, 0.05, 0.05] },
        { imageId: 'i2', fold: 1, truth: ['b'], probabilities: [0.6, 0.3, 0.1] },
        { imageId: 'i3', fold: 0, truth: ['b', 'deleted-tag'], probabilities: [0.1, 0.8, 0.1] },
        { imageId: 'i4', fold: 1, truth: ['a'], probabilities: [0.7, 0.2, 0.1] },
      ],
    };
    const { imageIds, data } = decodeStoredEvaluation(Buffer.from(JSON.stringify(legacy)));
    expect(imageIds).toEqual(['i1', 'i2', 'i3', 'i4']);
    expect(data.tagTypes).toEqual(['Regular', 'Regular', 'Negative']);
    expect(data.labels).toEqual([[0], [1], [1], [0]]);
    const metrics = metricsAt(data, 0.5);
    // a: predicted for i1, i2 (wrong), i4 → precision 2/3, recall 1; b: i3 only → precision 1, recall 1/2.
    expect(metrics.perTag[0]).toMatchObject({ precision: 2 / 3, recall: 1 });
    expect(metrics.perTag[1]).toMatchObject({ precision: 1, recall: 0.5 });
  });

  it('round-trips the current evaluation format', () => {
    const data = {
      classificationType: 'Multilabel' as const,
      tagIds: ['a', 'b'],
      tagTypes: ['Regular' as const, 'Regular' as const],
      folds: 2,
      fold: [0, 1],
      labels: [[0], [0, 1]],
      probabilities: [
        [0.9, 0.2],
        [0.7, 0.6],
      ],
    };
    expect(decodeStoredEvaluation(encodeStoredEvaluation(['x', 'y'], data))).toEqual({ imageIds: ['x', 'y'], data });
  });
});
