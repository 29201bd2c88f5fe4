import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import {
  CustomVisionError,
  ExportFailedError,
  parseServiceDate,
  TrainingClient,
  TrainingFailedError,
  WaitTimeoutError,
} from '../src/index.js';
import { endpoint, server, trainingBase, useMockServer } from './support/msw.js';

useMockServer();

const trainer = new TrainingClient({ endpoint, trainingKey: 'k', retry: false });
const iterationUrl = `${trainingBase}/projects/p/iterations/i`;

function statuses(url: string, bodies: unknown[]) {
  let calls = 0;
  server.use(http.get(url, () => HttpResponse.json(bodies[Math.min(calls++, bodies.length - 1)] as object)));
  return () => calls;
}

describe('waitForTraining', () => {
  it('polls until Completed and reports each state', async () => {
    const calls = statuses(iterationUrl, [
      { id: 'i', status: 'Training' },
      { id: 'i', status: 'Training' },
      { id: 'i', status: 'Completed', trainedAt: '2020-11-06T16:37:26.266Z' },
    ]);
    const seen: string[] = [];
    const done = await trainer.waitForTraining('p', 'i', {
      intervalMs: 1,
      onProgress: (it) => void seen.push(it.status!),
    });
    expect(done.status).toBe('Completed');
    expect(seen).toEqual(['Training', 'Training', 'Completed']);
    expect(calls()).toBe(3);
  });

  it('throws TrainingFailedError with the details when training fails', async () => {
    statuses(iterationUrl, [
      { id: 'i', status: 'Training' },
      { id: 'i', status: 'Failed', trainingErrorDetails: 'Not enough images for tag apple' },
    ]);
    const error = await trainer.waitForTraining('p', 'i', { intervalMs: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingFailedError);
    expect(error).toBeInstanceOf(CustomVisionError);
    expect((error as TrainingFailedError).trainingErrorDetails).toBe('Not enough images for tag apple');
    expect((error as TrainingFailedError).message).toContain('Not enough images for tag apple');
  });

  it('gives up after timeoutMs with the last state', async () => {
    statuses(iterationUrl, [{ id: 'i', status: 'Training' }]);
    const error = await trainer.waitForTraining('p', 'i', { intervalMs: 5, timeoutMs: 30 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).last).toEqual({ id: 'i', status: 'Training' });
  });

  it('stops when the signal aborts', async () => {
    statuses(iterationUrl, [{ id: 'i', status: 'Training' }]);
    const controller = new AbortController();
    const waiting = trainer.waitForTraining('p', 'i', { intervalMs: 10_000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('enough')), 20);
    await expect(waiting).rejects.toThrow('enough');
  });
});

describe('waitForExport', () => {
  const exportsUrl = `${trainingBase}/projects/p/iterations/i/export`;

  it('polls until the platform export is Done', async () => {
    statuses(exportsUrl, [
      [{ platform: 'ONNX', status: 'Exporting', flavor: null, downloadUri: null }],
      [
        { platform: 'CoreML', status: 'Done', downloadUri: 'https://x/coreml.zip' },
        { platform: 'ONNX', status: 'Done', flavor: 'ONNX12', downloadUri: 'https://x/onnx.zip' },
      ],
    ]);
    const done = await trainer.waitForExport('p', 'i', 'ONNX', { flavor: 'ONNX12', intervalMs: 1 });
    expect(done.downloadUri).toBe('https://x/onnx.zip');
  });

  it('throws ExportFailedError on Failed, and a clear error when no export was started', async () => {
    statuses(exportsUrl, [[{ platform: 'TensorFlow', status: 'Failed' }]]);
    await expect(trainer.waitForExport('p', 'i', 'TensorFlow', { intervalMs: 1 })).rejects.toBeInstanceOf(
      ExportFailedError,
    );
    statuses(exportsUrl, [[]]);
    await expect(trainer.waitForExport('p', 'i', 'ONNX', { intervalMs: 1 })).rejects.toThrow(/exportIteration first/);
  });
});

describe('take/skip iterators', () => {
  function listing(url: string, total: number) {
    const asked: string[] = [];
    server.use(
      http.get(url, ({ request }) => {
        const q = new URL(request.url).searchParams;
        asked.push(new URL(request.url).search);
        const take = Number(q.get('take'));
        const skip = Number(q.get('skip'));
        const items = Array.from({ length: Math.max(0, Math.min(take, total - skip)) }, (_, k) => ({
          id: `${skip + k}`,
        }));
        return HttpResponse.json(items);
      }),
    );
    return asked;
  }

  it('iterateImages fetches pages until one comes back short, keeping the filters', async () => {
    const asked = listing(`${trainingBase}/projects/p/images`, 5);
    const ids: string[] = [];
    for await (const image of trainer.iterateImages('p', { tagIds: ['a', 'b'], orderBy: 'Oldest' }, { pageSize: 2 })) {
      ids.push(image.id!);
    }
    expect(ids).toEqual(['0', '1', '2', '3', '4']);
    expect(asked).toEqual([
      '?tagIds=a,b&orderBy=Oldest&take=2&skip=0',
      '?tagIds=a,b&orderBy=Oldest&take=2&skip=2',
      '?tagIds=a,b&orderBy=Oldest&take=2&skip=4',
    ]);
  });

  it('caps the page size at 256 and stops early when the caller breaks', async () => {
    const asked = listing(`${trainingBase}/projects/p/images/tagged`, 10_000);
    let n = 0;
    for await (const _ of trainer.iterateTaggedImages('p', {}, { pageSize: 1000 })) {
      if (++n === 300) break;
    }
    expect(asked).toEqual(['?take=256&skip=0', '?take=256&skip=256']);
  });

  it('covers untagged images and image performances', async () => {
    listing(`${trainingBase}/projects/p/images/untagged`, 3);
    listing(`${trainingBase}/projects/p/iterations/i/performance/images`, 257);
    const untagged = [];
    for await (const image of trainer.iterateUntaggedImages('p')) untagged.push(image);
    const performances = [];
    for await (const perf of trainer.iterateImagePerformances('p', 'i', { tagIds: ['t'] })) performances.push(perf);
    expect(untagged).toHaveLength(3);
    expect(performances).toHaveLength(257);
  });
});

describe('continuation iterators', () => {
  it('iteratePredictions follows token.continuation and keeps the query', async () => {
    const bodies: unknown[] = [];
    const pages = [
      {
        token: { session: 's1', continuation: 'c1', maxCount: 2, orderBy: 'Newest', tags: null },
        results: [{ id: 'a' }, { id: 'b' }],
      },
      {
        token: { session: 's1', continuation: 'c2', maxCount: 2, orderBy: 'Newest' },
        results: [{ id: 'c' }, { id: 'd' }],
      },
      { token: { session: 's1', continuation: null, maxCount: 2, orderBy: 'Newest' }, results: [{ id: 'e' }] },
    ];
    server.use(
      http.post(`${trainingBase}/projects/p/predictions/query`, async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json(pages[bodies.length - 1]);
      }),
    );
    const tags = [{ id: 't', minThreshold: 0.5, maxThreshold: 1 }];
    const ids: string[] = [];
    for await (const p of trainer.iteratePredictions('p', { maxCount: 2, orderBy: 'Newest', tags })) ids.push(p.id!);
    expect(ids).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(bodies).toEqual([
      { maxCount: 2, orderBy: 'Newest', tags },
      { maxCount: 2, orderBy: 'Newest', tags, session: 's1', continuation: 'c1' },
      { maxCount: 2, orderBy: 'Newest', tags, session: 's1', continuation: 'c2' },
    ]);
  });

  it('iterateSuggestedImages passes the iteration and follows the token', async () => {
    const asked: string[] = [];
    server.use(
      http.post(`${trainingBase}/projects/p/images/suggested`, async ({ request }) => {
        const body = (await request.json()) as { continuation?: string };
        asked.push(`${new URL(request.url).search}|${body.continuation ?? ''}`);
        return HttpResponse.json(
          body.continuation
            ? { token: { continuation: '' }, results: [{ id: 'y' }] }
            : { token: { session: 's', continuation: 'next' }, results: [{ id: 'x' }] },
        );
      }),
    );
    const ids: string[] = [];
    for await (const s of trainer.iterateSuggestedImages('p', 'i', { threshold: 0.2 })) ids.push(s.id!);
    expect(ids).toEqual(['x', 'y']);
    expect(asked).toEqual(['?iterationId=i|', '?iterationId=i|next']);
  });
});

describe('parseServiceDate', () => {
  it('reads both Azure formats as UTC', () => {
    expect(parseServiceDate('2019-03-21T01:31:11.6094494').toISOString()).toBe('2019-03-21T01:31:11.609Z');
    expect(parseServiceDate('2020-11-06T16:37:26.266Z').toISOString()).toBe('2020-11-06T16:37:26.266Z');
    expect(parseServiceDate('2019-09-16T15:05:18.54Z').toISOString()).toBe('2019-09-16T15:05:18.540Z');
    expect(parseServiceDate('2019-03-15T06:14:58.7870476Z').toISOString()).toBe('2019-03-15T06:14:58.787Z');
    expect(parseServiceDate('2020-01-01T10:00:00+02:00').toISOString()).toBe('2020-01-01T08:00:00.000Z');
    expect(Number.isNaN(parseServiceDate('yesterday').getTime())).toBe(true);
  });
});
