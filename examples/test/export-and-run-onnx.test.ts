import { describe, expect, it } from 'vitest';
import { main } from '../export-and-run-onnx.ts';
import { memoryOutput } from '../lib/output.ts';
import { Recorder } from './helpers/recorder.ts';

const ort = await import('onnxruntime-node').then(
  () => true,
  (e: Error) => {
    console.warn(`[examples] onnxruntime-node unavailable (${e.message.split('\n')[0]}): the ONNX run is not checked`);
    return false;
  },
);

describe('examples/export-and-run-onnx.ts on azure-cv-fork-scissors, in-process server', () => {
  const recorder = new Recorder('@cvkit/sdk', 'examples/export-and-run-onnx');

  it('exports ONNX, runs it with onnxruntime-node as its metadata says, and matches the server', async () => {
    const out = memoryOutput();
    const r = await main({ env: {}, out, onResponse: recorder.onResponse, perTag: 6, compare: 3 });

    expect(r.files).toEqual(expect.arrayContaining(['model.onnx', 'labels.txt', 'metadata_properties.json']));
    expect(r.metadata['Image.BitmapPixelFormat']).toBe('Rgb8');
    if (!ort) {
      expect(r.skipped).toMatch(/onnxruntime-node/);
      return;
    }
    expect(r.comparisons).toHaveLength(3);
    for (const c of r.comparisons) {
      expect(c.sameTop).toBe(true);
      expect(c.maxAbsDiff).toBeLessThan(1e-3);
    }
  });
});
