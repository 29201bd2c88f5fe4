/**
 * linearHeadFromTrained: a trained head as the exporters' LinearHead, tag for tag.
 */
import { describe, expect, it } from 'vitest';
import { InvalidHeadError } from '../../src/export/errors.ts';
import { linearHeadFromTrained } from '../../src/export/head.ts';
import type { Head } from '../../src/heads/head.ts';
import { activate } from '../../src/heads/linear-model.ts';

function head(overrides: Partial<Head> = {}): Head {
  return {
    format: 'cvkit-head',
    formatVersion: 1,
    classificationType: 'Multiclass',
    tagIds: ['a', 'b', 'c'],
    tagTypes: ['Regular', 'Regular', 'Regular'],
    backbone: { id: 'x', version: 'v', cacheKey: 'x@v', dim: 2 },
    preprocessing: {} as Head['preprocessing'],
    predictionViews: ['centre'],
    // Outputs score tags a and c; tag b had no training images.
    model: {
      activation: 'softmax',
      inputDim: 2,
      outputs: 2,
      weights: Float32Array.from([1, 2, -1, 0.5]),
      bias: Float32Array.from([0.1, -0.2]),
    },
    outputTags: [0, 2],
    negative: null,
    training: {} as Head['training'],
    ...overrides,
  };
}

describe('linearHeadFromTrained', () => {
  it('puts each output on its tag and gives an unscored tag probability ≈ 0', () => {
    const linear = linearHeadFromTrained(head(), ['A', 'B', 'C']);
    expect(linear.labels).toEqual(['A', 'B', 'C']);
    expect(linear.weightLayout).toBe('tagsByFeatures');
    expect(Array.from(linear.W)).toEqual([1, 2, 0, 0, -1, 0.5]);
    const x = Float32Array.from([0.3, -0.7]);
    const exported = activate({ activation: 'softmax', inputDim: 2, outputs: 3, weights: linear.W, bias: linear.b }, x);
    const trained = activate(head().model, x);
    expect(exported[0]).toBeCloseTo(trained[0]!, 10);
    expect(exported[2]).toBeCloseTo(trained[1]!, 10);
    expect(exported[1]).toBeLessThan(1e-12);
  });

  it('refuses heads an exported model cannot reproduce', () => {
    expect(() =>
      linearHeadFromTrained(head({ predictionViews: ['centre', 'centre-mirrored'] }), ['A', 'B', 'C']),
    ).toThrow(InvalidHeadError);
    expect(() =>
      linearHeadFromTrained(head({ negative: { tagIndex: 1, source: 'none-of-the-tags' } }), ['A', 'B', 'C']),
    ).toThrow(/Negative/);
    expect(() => linearHeadFromTrained(head(), ['A', 'B'])).toThrow(InvalidHeadError);
  });
});
