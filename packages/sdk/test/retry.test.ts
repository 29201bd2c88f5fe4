import { HttpResponse, http } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffMs, defaultRetryOptions, resolveRetryOptions, retryAfterMs } from '../src/http/retry.js';
import { ConnectionError, PredictionClient, RateLimitError, ServerError, TrainingClient } from '../src/index.js';
import { endpoint, predictionBase, server, trainingBase, useMockServer } from './support/msw.js';

useMockServer();

/** Tiny backoff so the suite stays fast; tests of server-given waits use fake timers instead. */
const fast = { initialDelayMs: 1, maxDelayMs: 2 };

/** Answers with each reply in turn (the last one repeats) and counts the calls. */
function sequence(method: 'get' | 'post', url: string, replies: (() => Response)[]) {
  const state = { calls: 0, times: [] as number[] };
  server.use(
    http[method](url, () => {
      state.times.push(Date.now());
      const reply = replies[Math.min(state.calls, replies.length - 1)]!;
      state.calls++;
      return reply();
    }),
  );
  return state;
}

const ok = () => HttpResponse.json([{ name: 'p' }]);
const status =
  (code: number, headers: Record<string, string> = {}) =>
  () =>
    HttpResponse.json({ code: 'X', message: `status ${code}` }, { status: code, headers });

describe('retry policy', () => {
  it('retries 429, 503 and other 5xx on reads, then succeeds', async () => {
    const trainer = new TrainingClient({ endpoint, trainingKey: 'k', retry: fast });
    const state = sequence('get', `${trainingBase}/projects`, [status(429), status(503), status(500), status(502), ok]);
    await expect(trainer.getProjects({ retry: { ...fast, maxRetries: 4 } })).resolves.toEqual([{ name: 'p' }]);
    expect(state.calls).toBe(5);
  });

  it('gives up after maxRetries and throws the last error', async () => {
    const trainer = new TrainingClient({ endpoint, trainingKey: 'k', retry: { ...fast, maxRetries: 2 } });
    const state = sequence('get', `${trainingBase}/projects`, [status(503)]);
    await expect(trainer.getProjects()).rejects.toBeInstanceOf(ServerError);
    expect(state.calls).toBe(3);
  });

  it('does not retry 4xx other than 408 and 429, nor 501', async () => {
    const trainer = new TrainingClient({ endpoint, trainingKey: 'k', retry: fast });
    for (const code of [400, 401, 403, 404, 409, 501]) {
      const state = sequence('get', `${trainingBase}/projects`, [status(code)]);
      await expect(trainer.getProjects()).rejects.toMatchObject({ status: code });
      expect(state.calls).toBe(1);
    }
    const state = sequence('get', `${trainingBase}/projects`, [status(408), ok]);
    await trainer.getProjects();
    expect(state.calls).toBe(2);
  });

  it('retries network errors on idempotent operations', async () => {
    const trainer = new TrainingClient({ endpoint, trainingKey: 'k', retry: fast });
    const state = sequence('get', `${trainingBase}/projects`, [() => HttpResponse.error(), ok]);
    await expect(trainer.getProjects()).resolves.toEqual([{ name: 'p' }]);
    expect(state.calls).toBe(2);
  });

  it('does not repeat a non-idempotent POST after a 500 or a network error, but does after 429 and 503', async () => {
    const trainer = new TrainingClient({ endpoint, trainingKey: 'k', retry: fast });
    const url = `${trainingBase}/projects`;
    let state = sequence('post', url, [status(500), ok]);
    await expect(trainer.createProject({ name: 'x' })).rejects.toBeInstanceOf(ServerError);
    expect(state.calls).toBe(1);

    state = sequence('post', url, [() => HttpResponse.error(), ok]);
    await expect(trainer.createProject({ name: 'x' })).rejects.toBeInstanceOf(ConnectionError);
    expect(state.calls).toBe(1);

    state = sequence('post', url, [status(429), status(503), ok]);
    await expect(trainer.createProject({ name: 'x' })).resolves.toEqual([{ name: 'p' }]);
    expect(state.calls).toBe(3);

    state = sequence('post', url, [status(500), ok]);
    await trainer.createProject({ name: 'x' }, undefined, { retry: { ...fast, retryNonIdempotent: true } });
    expect(state.calls).toBe(2);
  });

  it('repeats stored predictions only when told to, /nostore ones always', async () => {
    const predictor = new PredictionClient({ endpoint, predictionKey: 'k', retry: fast });
    const stored = sequence('post', `${predictionBase}/p/classify/iterations/prod/url`, [status(500), ok]);
    await expect(predictor.classifyImageUrl('p', 'prod', { url: 'https://x/a.jpg' })).rejects.toBeInstanceOf(
      ServerError,
    );
    expect(stored.calls).toBe(1);
    const nostore = sequence('post', `${predictionBase}/p/classify/iterations/prod/url/nostore`, [status(500), ok]);
    await predictor.classifyImageUrlWithNoStore('p', 'prod', { url: 'https://x/a.jpg' });
    expect(nostore.calls).toBe(2);
  });

  it('re-sends an upload body intact on retry', async () => {
    const trainer = new TrainingClient({ endpoint, trainingKey: 'k', retry: fast });
    const bodies: number[][] = [];
    let calls = 0;
    server.use(
      http.post(`${trainingBase}/projects/p/images`, async ({ request }) => {
        const form = await request.formData();
        const file = form.get('imageData') as File;
        bodies.push([...new Uint8Array(await file.arrayBuffer())]);
        return calls++ === 0 ? status(503)() : HttpResponse.json({ isBatchSuccessful: true, images: [] });
      }),
    );
    await trainer.createImagesFromData('p', [new Blob([new Uint8Array([1, 2, 3])]).stream()]);
    expect(bodies).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  it('retry: false and retry: 0 disable retries', async () => {
    for (const retry of [false, 0] as const) {
      const trainer = new TrainingClient({ endpoint, trainingKey: 'k', retry });
      const state = sequence('get', `${trainingBase}/projects`, [status(503), ok]);
      await expect(trainer.getProjects()).rejects.toBeInstanceOf(ServerError);
      expect(state.calls).toBe(1);
    }
  });
});

describe('server-requested waits', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(new Date('2025-01-01T00:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  async function expectWaits(headers: Record<string, string>, waitMs: number) {
    const trainer = new TrainingClient({ endpoint, trainingKey: 'k', retry: { maxRetries: 1, initialDelayMs: 1 } });
    const state = sequence('get', `${trainingBase}/projects`, [status(429, headers), ok]);
    const result = trainer.getProjects();
    await vi.advanceTimersByTimeAsync(waitMs - 1);
    expect(state.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toEqual([{ name: 'p' }]);
    expect(state.calls).toBe(2);
  }

  it('honours Retry-After in seconds', () => expectWaits({ 'retry-after': '2' }, 2000));

  it('honours Retry-After as an HTTP date', () =>
    expectWaits({ 'retry-after': new Date(Date.now() + 3000).toUTCString() }, 3000));

  it('prefers retry-after-ms over Retry-After', () =>
    expectWaits({ 'retry-after-ms': '750', 'retry-after': '5' }, 750));

  it('throws at once when the server asks for more than maxRetryAfterMs', async () => {
    const trainer = new TrainingClient({ endpoint, trainingKey: 'k', retry: { maxRetryAfterMs: 10_000 } });
    const state = sequence('get', `${trainingBase}/projects`, [status(429, { 'retry-after': '60' }), ok]);
    const error = await trainer.getProjects().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(60_000);
    expect(state.calls).toBe(1);
  });

  it('an abort during the wait rejects at once', async () => {
    const trainer = new TrainingClient({ endpoint, trainingKey: 'k' });
    sequence('get', `${trainingBase}/projects`, [status(429, { 'retry-after': '30' }), ok]);
    const controller = new AbortController();
    const result = trainer.getProjects({ signal: controller.signal });
    const outcome = expect(result).rejects.toThrow('stop');
    await vi.advanceTimersByTimeAsync(100);
    controller.abort(new Error('stop'));
    await outcome;
  });

  it('backs off exponentially without a server hint', async () => {
    const trainer = new TrainingClient({
      endpoint,
      trainingKey: 'k',
      retry: { maxRetries: 3, initialDelayMs: 100, maxDelayMs: 10_000 },
    });
    const state = sequence('get', `${trainingBase}/projects`, [status(503), status(503), status(503), ok]);
    const result = trainer.getProjects();
    await vi.advanceTimersByTimeAsync(20_000);
    await result;
    const gaps = state.times.slice(1).map((t, i) => t - state.times[i]!);
    // Equal jitter: each wait lies in [window/2, window], the window doubling from 100 ms.
    expect(gaps[0]).toBeGreaterThanOrEqual(50);
    expect(gaps[0]).toBeLessThanOrEqual(100);
    expect(gaps[1]).toBeGreaterThanOrEqual(100);
    expect(gaps[1]).toBeLessThanOrEqual(200);
    expect(gaps[2]).toBeGreaterThanOrEqual(200);
    expect(gaps[2]).toBeLessThanOrEqual(400);
  });
});

describe('retry arithmetic', () => {
  it('parses the three headers', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({ 'retry-after': '0.5' }), now)).toBe(500);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:10 GMT' }), now)).toBe(10_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Tue, 31 Dec 2024 00:00:10 GMT' }), now)).toBe(0);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '120' }), now)).toBe(120);
    expect(retryAfterMs(new Headers({ 'x-ms-retry-after-ms': '80' }), now)).toBe(80);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
  });

  it('doubles the window per retry, caps it, and jitters within its upper half', () => {
    const options = resolveRetryOptions({ initialDelayMs: 500, maxDelayMs: 8000 });
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffMs(n, options, () => 1))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect([0, 1, 2].map((n) => backoffMs(n, options, () => 0))).toEqual([250, 500, 1000]);
  });

  it('merges settings over the defaults', () => {
    expect(resolveRetryOptions(undefined)).toEqual(defaultRetryOptions);
    expect(resolveRetryOptions(5).maxRetries).toBe(5);
    expect(resolveRetryOptions(false).maxRetries).toBe(0);
    expect(resolveRetryOptions({ maxDelayMs: 1, maxRetries: undefined })).toEqual({
      ...defaultRetryOptions,
      maxDelayMs: 1,
    });
  });
});
