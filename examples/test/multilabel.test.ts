import { describe, expect, it } from 'vitest';
import { memoryOutput } from '../lib/output.ts';
import { main } from '../multilabel.ts';
import { Recorder } from './helpers/recorder.ts';

describe('examples/multilabel.ts on trees, flowers and fruit, in-process server, real engine', () => {
  const recorder = new Recorder('@cvkit/sdk', 'examples/multilabel');

  it('trains a multilabel project where cherry trees are both tree and blossom, and classifies held-out images', async () => {
    const out = memoryOutput();
    const r = await main({ env: {}, out, onResponse: recorder.onResponse, perFolder: 7 });

    expect(r.iteration.status).toBe('Completed');
    expect(r.iteration.classificationType).toBe('Multilabel');
    // 6 images per folder: tree = Hemlock + cherry, blossom = cherry + daisy + sunflowers, fruit = apple + banana.
    expect(r.taggedCounts).toEqual({ tree: 12, blossom: 18, fruit: 12 });
    for (const t of r.performance.perTagPerformance ?? []) expect(t.averagePrecision).toBeGreaterThanOrEqual(0.8);
    expect(r.holdouts).toHaveLength(6);
    const cherry = r.holdouts.find((h) => h.file.includes('Japanese_Cherry'))!;
    expect(cherry.expected).toEqual(['blossom', 'tree']);
    // Several tags can pass the threshold at once: probabilities are per tag, not a distribution.
    expect(cherry.probabilities.tree! + cherry.probabilities.blossom!).toBeGreaterThan(1);
    expect(r.exactMatches).toBeGreaterThanOrEqual(5);
    expect(out.lines.join('\n')).toMatch(/held-out images got exactly their tags/);
  });
});
