/**
 * The server without onnxruntime (CVKIT_ML_RUNTIME=tfjs, as when its native binary cannot load): the General
 * domain trains and predicts on the TF.js fallback, and the engine logs which runtime embeds and why. The causes a
 * real missing binary gives, and the fallback's features, are checked in packages/ml/test/tfjs-fallback.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import type { TrainingJob } from '../src/ml/classifier-engine.ts';
import { createMlEngine } from '../src/ml/ml-engine.ts';
import { jpeg } from './helpers/images.ts';

const previous = process.env.CVKIT_ML_RUNTIME;
const lines: Record<string, unknown>[] = [];

beforeAll(() => {
  // Read when the backbone loads: this file's worker loads none before.
  process.env.CVKIT_ML_RUNTIME = 'tfjs';
});

afterAll(() => {
  if (previous === undefined) delete process.env.CVKIT_ML_RUNTIME;
  else process.env.CVKIT_ML_RUNTIME = previous;
});

describe('ml engine without onnxruntime', () => {
  it('trains and predicts a General model on TF.js worker threads and logs the fallback with its reason', async () => {
    const engine = createMlEngine({
      logger: createLogger('info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
      features: { getMany: async () => new Map(), put: async () => {}, putMany: async () => {} },
    });
    const bytes = new Map<string, Buffer>();
    const images: TrainingJob['images'] = [];
    for (let i = 0; i < 8; i++) {
      const red = i % 2 === 0;
      bytes.set(`h${i}`, await jpeg(48 + i, 40, red ? [210, 10 * i, 30] : [30, 10 * i, 210]));
      images.push({ id: `img${i}`, contentHash: `h${i}`, tagIds: [red ? 'red' : 'blue'] });
    }
    const trained = await engine.train({
      backbone: 'general',
      classificationType: 'Multiclass',
      trainingType: 'Regular',
      augment: false,
      tags: [
        { id: 'red', name: 'Red', type: 'Regular' },
        { id: 'blue', name: 'Blue', type: 'Regular' },
      ],
      images,
      loadImage: async (hash) => bytes.get(hash)!,
    });
    const [top] = await engine.predict(trained.model, await jpeg(64, 48, [220, 20, 20]));
    expect(top?.tagId).toBe('red');

    const ready = lines.filter((l) => l.msg === 'backbone ready');
    expect(ready).toHaveLength(1);
    expect(ready[0]).toMatchObject({
      backbone: expect.stringMatching(/^mnv2-140-b12-msqrt@/),
      embedding: expect.stringMatching(/^tfjs 4\.\d+\.\d+ wasm.* on \d+ worker threads? \(one engine thread each\)$/),
      embeddingFallback: 'CVKIT_ML_RUNTIME=tfjs',
    });
  }, 120_000);
});
