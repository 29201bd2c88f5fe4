import { describe, expect, it } from 'vitest';
import { memoryOutput } from '../lib/output.ts';
import { main } from '../smart-labeler.ts';
import { Recorder } from './helpers/recorder.ts';

describe('examples/smart-labeler.ts on ai102-fruit, in-process server, real engine', () => {
  const recorder = new Recorder('@cvkit/sdk', 'examples/smart-labeler');

  it('suggests tags for untagged images, accepts the confident ones and retrains', async () => {
    const out = memoryOutput();
    const r = await main({ env: {}, out, onResponse: recorder.onResponse, perTag: 10, tagged: 5 });

    expect(r.untagged).toBe(15);
    expect(Object.keys(r.suggestedCounts).sort()).toEqual(['apple', 'banana', 'orange']);
    expect(r.accepted).toBeGreaterThanOrEqual(10);
    // Fruit on a white cloth is easy: confident suggestions are right.
    expect(r.acceptedCorrect / r.accepted).toBeGreaterThanOrEqual(0.9);
    expect(r.leftUntagged).toBe(r.untagged - r.accepted);
    expect(r.after.precision).toBeGreaterThanOrEqual(0.9);
    expect(out.lines.join('\n')).toMatch(/Suggesting 15\/15/);
  });
});
