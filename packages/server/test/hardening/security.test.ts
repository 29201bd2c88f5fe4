import * as crypto from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../src/domain/errors.ts';
import { requireApiKey } from '../../src/http/middleware/api-key.ts';
import { LinkSigner } from '../../src/http/signed-links.ts';
import { predictionOperations, trainingOperations } from '../../src/http/spec-operations.ts';
import { FsBlobStore } from '../../src/storage/fs-blob-store.ts';
import { distinctJpegs } from '../helpers/images.ts';
import { json, PREDICTION_KEY, startTestServer, type TestServer, TRAINING_KEY } from '../helpers/test-server.ts';
import { type Fixture, seedTrainedProject, send } from './harness.ts';

/**
 * Security properties that complement test/auth-routing.test.ts and test/images.test.ts: constant-time key checks,
 * keys that only open their own API, signed links that cannot be forged or outlive their expiry, request size
 * limits, and no way from request data to a file outside the blob store.
 */

vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual), createHash: vi.fn(real.createHash) };
});

const ids = { project: '', iteration: '', image: '', tag: '' };
let s: TestServer;
let fx: Fixture;
beforeAll(async () => {
  s = await startTestServer();
  fx = await seedTrainedProject(s);
  Object.assign(ids, { project: fx.projectId, iteration: fx.iterationId, image: fx.imageId, tag: fx.tagA });
}, 30_000);
afterAll(() => s?.stop());

describe('API keys are compared in constant time', () => {
  function check(expected: string, given: string | undefined): number {
    let status = 0;
    const res = {
      statusMessage: '',
      status(x: number) {
        status = x;
        return res;
      },
      setHeader() {},
      end() {},
      headersSent: false,
    };
    requireApiKey('Training-Key', expected)(
      { get: () => given } as unknown as Request,
      res as unknown as Response,
      ((err?: unknown) => {
        status = err instanceof ApiError ? err.status : 200;
      }) as NextFunction,
    );
    return status;
  }

  it('digests both sides and compares equal-length digests with timingSafeEqual, whatever the lengths given', () => {
    const timingSafeEqual = vi.mocked(crypto.timingSafeEqual);
    const createHash = vi.mocked(crypto.createHash);
    for (const given of ['', 'a', 'secret-key', 'secret-kez', 'secret-key-but-longer', 'x'.repeat(10_000), 'ключ🔑']) {
      timingSafeEqual.mockClear();
      createHash.mockClear();
      expect(check('secret-key', given)).toBe(given === 'secret-key' ? 200 : 401);
      expect(timingSafeEqual).toHaveBeenCalledTimes(1);
      const [a, b] = timingSafeEqual.mock.calls[0]!;
      expect([a.byteLength, b.byteLength]).toEqual([32, 32]);
      expect(createHash).toHaveBeenCalledWith('sha256');
    }
    timingSafeEqual.mockClear();
    expect(check('secret-key', undefined)).toBe(401);
  });

  it('answers 401, never a 5xx, to keys of any length or alphabet', async () => {
    for (const key of [
      '',
      ' ',
      TRAINING_KEY.slice(0, -1),
      // (Surrounding whitespace is not part of an HTTP header value, so `${TRAINING_KEY} ` is the key itself.)
      `${TRAINING_KEY}x`,
      `x${TRAINING_KEY}`,
      'é'.repeat(3000),
      TRAINING_KEY.toUpperCase(),
    ]) {
      const res = await send(s.url, {
        method: 'GET',
        path: '/customvision/v3.3/training/projects',
        headers: { 'Training-Key': key },
      });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'Unauthorized' });
    }
  });

  it('takes as long for a near miss as for a far one (a coarse check of the whole request path)', async () => {
    const near = `${TRAINING_KEY.slice(0, -1)}#`;
    const far = '#'.repeat(TRAINING_KEY.length);
    const times: Record<'near' | 'far', number[]> = { near: [], far: [] };
    for (let i = 0; i < 300; i++)
      for (const [k, key] of [
        ['near', near],
        ['far', far],
      ] as const) {
        const t = performance.now();
        await send(s.url, {
          method: 'GET',
          path: '/customvision/v3.3/training/projects',
          headers: { 'Training-Key': key },
        });
        times[k].push(performance.now() - t);
      }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const ratio = median(times.near) / median(times.far);
    // Loopback timing on a shared machine is noisy; a comparison that stopped at the first differing byte would
    // not show here anyway (nanoseconds). This guards against gross leaks such as a slow path for right prefixes.
    expect(ratio).toBeGreaterThan(0.67);
    expect(ratio).toBeLessThan(1.5);
  });
});

describe('each key opens only its own API', () => {
  const missing = '00000000-0000-4000-8000-000000000000';
  const path = (p: string) => p.replace(/\{\w+\}/g, missing);

  it('no training operation accepts the prediction key, in either header', async () => {
    for (const op of trainingOperations)
      for (const headers of [{ 'Prediction-Key': PREDICTION_KEY }, { 'Training-Key': PREDICTION_KEY }, {}] as Record<
        string,
        string
      >[]) {
        const res = await send(s.url, {
          method: op.method.toUpperCase(),
          path: `/customvision/v3.3/training${path(op.path)}`,
          headers,
        });
        expect(`${op.operationId} ${res.status}`).toBe(`${op.operationId} 401`);
      }
  });

  it('no prediction operation accepts the training key, in either header', async () => {
    for (const op of predictionOperations)
      for (const headers of [{ 'Training-Key': TRAINING_KEY }, { 'Prediction-Key': TRAINING_KEY }, {}] as Record<
        string,
        string
      >[]) {
        const res = await send(s.url, {
          method: op.method.toUpperCase(),
          path: `/customvision/v3.1/prediction${path(op.path)}`,
          headers: { ...headers, 'content-type': 'application/json' },
          body: '{"url":"http://example.com/a.jpg"}',
        });
        expect(`${op.operationId} ${res.status}`).toBe(`${op.operationId} 401`);
      }
  });

  it('keys in the query string or another header name are not keys', async () => {
    for (const p of [
      `/projects?Training-Key=${TRAINING_KEY}`,
      `/projects?training-key=${TRAINING_KEY}&subscription-key=${TRAINING_KEY}`,
    ])
      expect((await send(s.url, { method: 'GET', path: `/customvision/v3.3/training${p}` })).status).toBe(401);
    for (const h of ['Authorization', 'Training_Key'])
      expect(
        (
          await send(s.url, {
            method: 'GET',
            path: '/customvision/v3.3/training/projects',
            headers: { [h]: TRAINING_KEY },
          })
        ).status,
      ).toBe(401);
  });
});

describe('signed links', () => {
  const signer = new LinkSigner(Buffer.alloc(32, 7), 60);
  const parse = (link: string) => {
    const u = new URL(link);
    return {
      path: u.pathname.replace(/^\/files\//, ''),
      se: u.searchParams.get('se')!,
      sig: u.searchParams.get('sig')!,
    };
  };

  it('verify until their expiry second and not after', () => {
    const now = 1_700_000_000_000;
    const { path, se, sig } = parse(signer.link('http://h', 'images/p/i/original', now));
    expect(Number(se)).toBe(now / 1000 + 60);
    expect(signer.verify(path, se, sig, now)).toBe(true);
    expect(signer.verify(path, se, sig, Number(se) * 1000)).toBe(true);
    expect(signer.verify(path, se, sig, Number(se) * 1000 + 1)).toBe(false);
  });

  it('cannot be moved to another path, re-dated, re-encoded, or made by another secret', () => {
    const now = Date.now();
    const { path, se, sig } = parse(signer.link('http://h', 'images/p/i/original', now));
    expect(signer.verify('images/p/i/thumbnail', se, sig, now)).toBe(false);
    expect(signer.verify('images/p/j/original', se, sig, now)).toBe(false);
    expect(signer.verify(path, String(Number(se) + 1), sig, now)).toBe(false);
    expect(signer.verify(path, `+${se}`, sig, now)).toBe(false);
    expect(signer.verify(path, `${se}.0`, sig, now)).toBe(false);
    expect(signer.verify(path, se, `${sig}=`, now)).toBe(false);
    expect(signer.verify(path, se, `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`, now)).toBe(false);
    expect(signer.verify(path, se, undefined, now)).toBe(false);
    expect(signer.verify(path, '9'.repeat(13), sig, now)).toBe(false);
    const other = new LinkSigner(Buffer.alloc(32, 8), 60);
    expect(other.verify(path, se, sig, now)).toBe(false);
  });

  it('over HTTP: a link opens only its own file, expires, and another server’s links do not open this one’s files', async () => {
    const [img] = await json<{ id: string; originalImageUri: string; thumbnailUri: string }[]>(
      s.train(`/projects/${ids.project}/images?take=1`),
    );
    const original = new URL(img!.originalImageUri);
    expect((await fetch(original)).status).toBe(200);
    // Same signature, another variant or another image.
    const variant = new URL(original);
    variant.pathname = variant.pathname.replace(/original$/, 'thumbnail');
    expect((await fetch(variant)).status).toBe(403);
    const [other] = await json<{ id: string }[]>(s.train(`/projects/${ids.project}/images?take=1&skip=1`));
    const swapped = new URL(original);
    swapped.pathname = swapped.pathname.replace(img!.id, other!.id);
    expect((await fetch(swapped)).status).toBe(403);
    // Parameters repeated or doubled up.
    for (const q of [`${original.search}&sig=x`, `${original.search}&se=1`, `?sig=${original.searchParams.get('sig')}`])
      expect((await fetch(`${original.origin}${original.pathname}${q}`)).status).toBe(403);
    // A key is no substitute for a signature.
    expect(
      (await fetch(`${original.origin}${original.pathname}`, { headers: { 'Training-Key': TRAINING_KEY } })).status,
    ).toBe(403);

    // Another server (its own secret) signs a link to the same path: it does not open this server's file.
    const elsewhere = await startTestServer({ linkTtlSeconds: 1 });
    try {
      const p = await json<{ id: string }>(elsewhere.train('/projects?name=x', { method: 'POST' }));
      const [bytes] = await distinctJpegs(1, 20);
      const up = await json<{ images: { image: { originalImageUri: string } }[] }>(
        elsewhere.train(`/projects/${p.id}/images`, {
          method: 'POST',
          headers: { 'content-type': 'application/octet-stream' },
          body: new Uint8Array(bytes!),
        }),
      );
      const theirs = new URL(up.images[0]!.image.originalImageUri);
      const forged = new URL(original);
      forged.search = theirs.search;
      expect((await fetch(forged)).status).toBe(403);
      // And its one-second links stop working once the second is over.
      expect((await fetch(theirs)).status).toBe(200);
      const expiry = Number(theirs.searchParams.get('se')) * 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, expiry - Date.now()) + 20));
      expect((await fetch(theirs)).status).toBe(403);
    } finally {
      await elsewhere.stop();
    }
  });
});

describe('request size limits', () => {
  let small: TestServer;
  const limits = { trainingImageBytes: 64 * 1024, imagesPerBatch: 4, predictionImageBytes: 32 * 1024 };
  beforeAll(async () => {
    const { azureLimits } = await import('../../src/domain/limits.ts');
    small = await startTestServer({ limits: { ...azureLimits, ...limits } });
  });
  afterAll(() => small?.stop());
  let project = '';
  const path = () => `/customvision/v3.3/training/projects/${project}`;
  beforeAll(async () => {
    project = (await json<{ id: string }>(small.train('/projects?name=limits', { method: 'POST' }))).id;
  });

  it('JSON: 1 MB by default; the base64 batch gets room for its images and no more', async () => {
    const big = await send(small.url, {
      method: 'PATCH',
      path: path(),
      headers: { 'Training-Key': TRAINING_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'x'.repeat(1024 * 1024) }),
    });
    expect(big.status).toBe(413);
    // 4 images of 64 kB in base64 is about 350 kB: the limit rounds up to 2 MB; 3 MB is refused before parsing.
    const files = await send(small.url, {
      method: 'POST',
      path: `${path()}/images/files`,
      headers: { 'Training-Key': TRAINING_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ images: [{ contents: 'A'.repeat(3 * 1024 * 1024) }] }),
    });
    expect(files).toMatchObject({ status: 413, body: { code: 'BadRequest' } });
  });

  it('uploads: each file over its limit is that image’s ErrorImageSize; the whole request is capped', async () => {
    const form = (sizes: number[]) => {
      const f = new FormData();
      for (const [i, n] of sizes.entries()) f.append('imageData', new Blob([new Uint8Array(n)]), `${i}.jpg`);
      return f;
    };
    const one = await small.train(`/projects/${project}/images`, { method: 'POST', body: form([100 * 1024]) });
    expect(one.status).toBe(207);
    expect(await one.json()).toMatchObject({ images: [{ status: 'ErrorImageSize' }] });
    // 4 × 64 kB + 1 MiB of framing is the most one request may carry: 2 MB is refused at once (413).
    const total = await small.train(`/projects/${project}/images`, { method: 'POST', body: form([2 * 1024 * 1024]) });
    expect(total.status).toBe(413);
    expect(total.headers.get('connection')).toBe('close');
    expect(await total.json()).toMatchObject({ code: 'BadRequestImageSizeBytes' });
    const declared = await send(small.url, {
      method: 'POST',
      path: `${path()}/images`,
      headers: {
        'Training-Key': TRAINING_KEY,
        'content-type': 'application/octet-stream',
        'content-length': String(10 * 1024 ** 3),
      },
    }).catch((e: Error) => e);
    expect(declared).toMatchObject({ status: 413 });
  });

  it('an endless upload is cut off with a 413, not read forever', async () => {
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        sent += 64 * 1024;
        c.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const started = Date.now();
    const res = await fetch(`${small.training}/projects/${project}/images`, {
      method: 'POST',
      headers: { 'Training-Key': TRAINING_KEY, 'content-type': 'application/octet-stream' },
      body: endless,
      duplex: 'half',
      signal: AbortSignal.timeout(5000),
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
    expect(await json<number>(small.train(`/projects/${project}/images/count`))).toBe(0);
  });
});

describe('no path from request data to the file system', () => {
  it('the blob store refuses every key that is not a plain name, and touches nothing outside its root', async () => {
    const base = mkdtempSync(join(tmpdir(), 'cvkit-blobs-'));
    try {
      const root = join(base, 'blobs');
      writeFileSync(join(base, 'secret'), 'do not touch');
      const store = new FsBlobStore(root);
      const keys = [
        '../secret',
        '..',
        '.',
        '',
        '/etc/passwd',
        'ab/../../secret',
        'ab\\..\\..\\secret',
        '..%2fsecret',
        'a\0b',
        'ABC',
        `${'a'.repeat(129)}`,
        ' ab',
        'ab\n',
        '.hidden',
        '-rf',
      ];
      for (const key of keys) {
        await expect(store.put(key, new Uint8Array([1])), key).rejects.toThrow(/Invalid blob key/);
        await expect(store.get(key), key).rejects.toThrow(/Invalid blob key/);
        await expect(store.delete(key), key).rejects.toThrow(/Invalid blob key/);
        expect(await store.has(key), key).toBe(false);
      }
      expect(readFileSync(join(base, 'secret'), 'utf8')).toBe('do not touch');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('file links and artifact paths with traversal never reach a file', async () => {
    const dbHeader = 'SQLite format 3';
    const probes = [
      '/files/images/..%2F..%2Fcvkit.db/x/original?se=9999999999&sig=x',
      '/files/images/../../cvkit.db?se=9999999999&sig=x',
      '/files/models/..%2F..%2F/cvkit.db?se=9999999999&sig=x',
      '/files/exports/%2e%2e/%2e%2e?se=9999999999&sig=x',
      '/files/predictions/../../../cvkit.db/x/original',
      `/customvision/v3.3/training/projects/${ids.project}/artifacts?path=${encodeURIComponent('../../cvkit.db')}`,
      `/customvision/v3.3/training/projects/${ids.project}/artifacts?path=${encodeURIComponent(`images/${ids.project}/../../../cvkit.db/original`)}`,
      `/customvision/v3.3/training/projects/${ids.project}/artifacts?path=${encodeURIComponent(`/images/${ids.project}/${ids.image}/../../../../cvkit.db`)}`,
      `/customvision/v3.1/prediction/${ids.project}/classify/iterations/..%2F..%2Fcvkit.db/image`,
    ];
    for (const p of probes) {
      const res = await send(s.url, {
        method: p.includes('/classify/') ? 'POST' : 'GET',
        path: p,
        headers: {
          'Training-Key': TRAINING_KEY,
          'Prediction-Key': PREDICTION_KEY,
          'content-type': 'application/octet-stream',
        },
        body: p.includes('/classify/') ? Buffer.from('x') : undefined,
      });
      expect(res.status, p).toBeGreaterThanOrEqual(400);
      expect(res.status, p).toBeLessThan(500);
      expect(res.text, p).not.toContain(dbHeader);
    }
  });
});
