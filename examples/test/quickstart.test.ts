import { describe, expect, it } from 'vitest';
import { memoryOutput } from '../lib/output.ts';
import { main } from '../quickstart.ts';
import { Recorder } from './helpers/recorder.ts';

describe('examples/quickstart.ts on azure-cv-trees, in-process server, real engine', () => {
  const recorder = new Recorder('@cvkit/sdk', 'examples/quickstart');

  it('creates, uploads, trains, evaluates, quick-tests, retrains, publishes, classifies and exports', async () => {
    const out = memoryOutput();
    // `env: {}`: always the in-process server, even where CUSTOM_VISION_ENDPOINT is set.
    const r = await main({ env: {}, out, onResponse: recorder.onResponse });

    expect(r.tags.sort()).toEqual(['Hemlock', 'Japanese_Cherry']);
    expect(r.iterations.map((i) => i.status)).toEqual(['Completed', 'Completed']);
    for (const t of r.performance.perTagPerformance ?? []) {
      expect(t.precision).toBeGreaterThanOrEqual(0.8);
      expect(t.recall).toBeGreaterThanOrEqual(0.8);
    }
    expect(r.quickTest.predictions?.[0]?.tagName).toBe('Hemlock');
    expect(r.testTag).toBe('Hemlock');
    expect(r.prediction.predictions?.[0]?.tagName).toBe('Hemlock');
    expect(r.export?.platform).toBe('ONNX');
    expect(Object.keys(r.export?.files ?? {})).toEqual(
      expect.arrayContaining(['model.onnx', 'labels.txt', 'cvexport.manifest']),
    );
    // What a user sees: progress for the upload and both trainings, the per-tag table, the prediction URL.
    const text = out.lines.join('\n');
    expect(text).toMatch(/Uploading 20\/20/);
    expect(text).toMatch(/Training Iteration 1: Completed/);
    expect(text).toMatch(/Training Iteration 2: Completed/);
    expect(text).toMatch(/Japanese_Cherry\s+\d+\.\d%\s+\d+\.\d%/);
    expect(text).toMatch(/\/customvision\/v3\.1\/prediction\/[0-9a-f-]+\/classify\/iterations\/quickstartModel\/image/);
  });
});
