import { TrainingClient } from '@cvkit/sdk';
import type { NextFunction, Request, Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromArgs, defaultConfig } from '../../src/config.ts';
import { ApiError } from '../../src/domain/errors.ts';
import { rateLimit } from '../../src/http/middleware/rate-limit.ts';
import { json, PREDICTION_KEY, startTestServer, type TestServer, TRAINING_KEY } from '../helpers/test-server.ts';

/** Azure-style throttling: a token bucket per key and API, 429 with Retry-After and `{code, message}`, off by default. */

function harness(tps: number, burst?: number) {
  let now = 1_000_000;
  const mw = rateLimit({ tps, ...(burst ? { burst } : {}), keyHeader: 'Training-Key', now: () => now });
  const hit = (key = 'k') => {
    const headers: Record<string, string> = {};
    let status = 0;
    let body = '';
    let passed = false;
    const res = {
      setHeader: (k: string, v: string) => {
        headers[k.toLowerCase()] = v;
      },
      status(s: number) {
        status = s;
        return res;
      },
      end(b: string) {
        body = b;
      },
      headersSent: false,
    };
    mw(
      { get: () => key } as unknown as Request,
      res as unknown as Response,
      ((err?: unknown) => {
        if (err === undefined) passed = true;
        // A refusal goes to the server's one error handler, which answers with the ApiError's status, code and wait.
        else if (err instanceof ApiError) {
          status = err.status;
          if (err.retryAfter !== undefined) headers['retry-after'] = String(err.retryAfter);
          body = JSON.stringify({ code: err.code, message: err.message });
        }
      }) as NextFunction,
    );
    return { passed, status, headers, body: body ? JSON.parse(body) : undefined };
  };
  return { hit, advance: (ms: number) => (now += ms) };
}

describe('the token bucket', () => {
  it('lets a burst of one second through, then answers 429 with Retry-After and Azure’s body', () => {
    const h = harness(10);
    for (let i = 0; i < 10; i++) expect(h.hit().passed).toBe(true);
    const refused = h.hit();
    expect(refused).toMatchObject({
      passed: false,
      status: 429,
      headers: { 'retry-after': '1' },
      body: { code: '429', message: expect.stringMatching(/^Rate limit is exceeded\. Try again in 1 seconds\.$/) },
    });
  });

  it('refills at the configured rate and never above the burst', () => {
    const h = harness(2);
    expect([h.hit(), h.hit(), h.hit()].map((r) => r.passed)).toEqual([true, true, false]);
    h.advance(499);
    expect(h.hit().passed).toBe(false);
    h.advance(2);
    expect(h.hit().passed).toBe(true);
    h.advance(60_000);
    expect([h.hit(), h.hit(), h.hit()].map((r) => r.passed)).toEqual([true, true, false]);
  });

  it('asks slow rates to wait as long as a token takes', () => {
    const h = harness(0.2);
    expect(h.hit().passed).toBe(true);
    const refused = h.hit();
    expect(refused.headers['retry-after']).toBe('5');
    h.advance(4000);
    expect(h.hit().headers['retry-after']).toBe('1');
  });

  it('keeps one bucket per key', () => {
    const h = harness(1);
    expect(h.hit('a').passed).toBe(true);
    expect(h.hit('a').passed).toBe(false);
    expect(h.hit('b').passed).toBe(true);
  });

  it('refuses nonsense rates', () => {
    for (const tps of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => rateLimit({ tps, keyHeader: 'x' })).toThrow(/Invalid rate limit/);
  });
});

describe('configuration', () => {
  it('is off by default, and set per API by flag or environment (flags win)', () => {
    expect(defaultConfig().rateLimits).toEqual({ training: undefined, prediction: undefined });
    const fromEnv = configFromArgs([], { CVKIT_RATE_LIMIT_TRAINING: '10', CVKIT_RATE_LIMIT_PREDICTION: '20' });
    expect('rateLimits' in fromEnv && fromEnv.rateLimits).toEqual({ training: 10, prediction: 20 });
    const fromFlags = configFromArgs(['--rate-limit-training', '2', '--rate-limit-prediction', '0.5'], {
      CVKIT_RATE_LIMIT_TRAINING: '10',
    });
    expect('rateLimits' in fromFlags && fromFlags.rateLimits).toEqual({ training: 2, prediction: 0.5 });
    expect(() => configFromArgs(['--rate-limit-training', '0'], {})).toThrow(/Invalid training rate limit/);
    expect(() => configFromArgs([], { CVKIT_RATE_LIMIT_PREDICTION: 'fast' })).toThrow(/Invalid prediction rate/);
    expect(configFromArgs(['--url-timeout-ms', '2500'], {})).toMatchObject({ urlFetchTimeoutMs: 2500 });
  });
});

describe('over HTTP', () => {
  let limited: TestServer;
  let unlimited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ rateLimits: { training: 3, prediction: 2 } });
    unlimited = await startTestServer();
  });
  afterAll(async () => {
    await limited?.stop();
    await unlimited?.stop();
  });

  it('throttles each API on its own; bad keys do not spend the budget; a request refused is not processed', async () => {
    const bad = await Promise.all(
      Array.from({ length: 10 }, () => fetch(`${limited.training}/projects`, { headers: { 'Training-Key': 'nope' } })),
    );
    expect(bad.map((r) => r.status)).toEqual(Array(10).fill(401));
    const creates = [];
    for (let i = 0; i < 5; i++) creates.push(await limited.train(`/projects?name=p${i}`, { method: 'POST' }));
    expect(creates.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
    const refused = creates[3]!;
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await refused.json()).toMatchObject({ code: '429', message: expect.stringContaining('Rate limit') });
    expect((await limited.server.storage.projects.list()).map((p) => p.name)).toEqual(['p0', 'p1', 'p2']);
    // The prediction API has its own bucket.
    const predict = await fetch(
      `${limited.prediction}/00000000-0000-0000-0000-000000000000/classify/iterations/x/url`,
      {
        method: 'POST',
        headers: { 'Prediction-Key': PREDICTION_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ url: 'http://127.0.0.1/x' }),
      },
    );
    expect(predict.status).toBe(404);
  });

  it('the SDK’s retry policy rides through throttling by honouring Retry-After', async () => {
    const client = new TrainingClient({ endpoint: limited.url, trainingKey: TRAINING_KEY });
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 6 }, () => client.getProjects()));
    expect(results.every((r) => r.length === 3)).toBe(true);
    expect(Date.now() - started).toBeGreaterThan(500);
  });

  it('is off by default', async () => {
    const res = await Promise.all(Array.from({ length: 60 }, () => unlimited.train('/projects')));
    expect(res.every((r) => r.status === 200)).toBe(true);
    expect(await json(unlimited.train('/projects'))).toEqual([]);
  });
});
