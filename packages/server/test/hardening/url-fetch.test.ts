import * as dns from 'node:dns/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isPublicAddress } from '../../src/net/address-policy.ts';
import { fetchImageUrl, UNUSABLE_URL_MESSAGE, UrlFetchError } from '../../src/net/fetch-image-url.ts';
import { jpeg } from '../helpers/images.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { predictionHeaders, seedTrainedProject, send, trainingHeaders } from './harness.ts';

/**
 * The URL fetcher against an origin that keeps its sockets open after a redirect or an error answer and trickles a
 * body forever (the review's leak), a DNS server that never answers, and the address policy's IPv6 ranges.
 */

vi.mock('node:dns/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:dns/promises')>();
  return { ...real, lookup: vi.fn(real.lookup) };
});

let origin: Server;
let base: string;
const open = new Set<Socket>();
beforeAll(async () => {
  const image = await jpeg(20, 20);
  origin = createServer((req, res) => {
    res.on('error', () => {});
    const trickle = () => {
      const t = setInterval(() => res.write('x'), 50);
      res.on('close', () => clearInterval(t));
    };
    if (req.url === '/slow-redirect') {
      res.writeHead(302, { location: '/image', 'content-type': 'text/plain' });
      return trickle();
    }
    if (req.url === '/slow-404') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return trickle();
    }
    if (req.url === '/never') return;
    res.writeHead(200, { 'content-type': 'image/jpeg' });
    res.end(image);
  });
  origin.on('connection', (s: Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
});
afterAll(async () => {
  origin.closeAllConnections();
  await new Promise((r) => origin.close(r));
});

const policy = { allowPrivate: true, maxBytes: 1024 * 1024, timeoutMs: 1500, maxRedirects: 3 };

/** Waits until the origin has no connection left open, or gives up after `ms`. */
async function originSocketsClosed(ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (open.size && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return open.size === 0;
}

describe('the URL fetcher closes its sockets on every path', () => {
  it('after a redirect whose body never ends', async () => {
    const bytes = await fetchImageUrl(`${base}/slow-redirect`, policy);
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(await originSocketsClosed()).toBe(true);
  });

  it('after an error answer whose body never ends', async () => {
    await expect(fetchImageUrl(`${base}/slow-404`, policy)).rejects.toMatchObject({ reason: 'status' });
    expect(await originSocketsClosed()).toBe(true);
  });

  it('at the deadline, and when aborted', async () => {
    const start = performance.now();
    await expect(fetchImageUrl(`${base}/never`, policy)).rejects.toMatchObject({ reason: 'timeout' });
    expect(performance.now() - start).toBeLessThan(policy.timeoutMs + 1000);
    expect(await originSocketsClosed()).toBe(true);
    const controller = new AbortController();
    const pending = fetchImageUrl(`${base}/never`, { ...policy, timeoutMs: 60_000 }, controller.signal);
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(UrlFetchError);
    expect(await originSocketsClosed()).toBe(true);
  });

  it('keeps to its deadline when DNS never answers', async () => {
    vi.mocked(dns.lookup).mockImplementationOnce((() => new Promise(() => {})) as never);
    const start = performance.now();
    await expect(fetchImageUrl('http://dns-never-answers.example/x.jpg', policy)).rejects.toMatchObject({
      reason: 'timeout',
    });
    expect(performance.now() - start).toBeLessThan(policy.timeoutMs + 1000);
  });
});

describe('unusable URLs all read alike', () => {
  let s: TestServer;
  let fx: Awaited<ReturnType<typeof seedTrainedProject>>;
  beforeAll(async () => {
    s = await startTestServer();
    fx = await seedTrainedProject(s, 'urls');
  }, 30_000);
  afterAll(() => s?.stop());

  it('private and unresolvable hosts get the same code and message, naming no address', async () => {
    const real = (await vi.importActual<typeof import('node:dns/promises')>('node:dns/promises')).lookup;
    vi.mocked(dns.lookup).mockImplementation((async (host: string, options: never) => {
      if (host === 'internal.example') return [{ address: '10.1.2.3', family: 4 }];
      if (host === 'nowhere.example') throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      return real(host, options);
    }) as never);
    try {
      const urls = [
        'http://internal.example/a.jpg',
        'http://nowhere.example/a.jpg',
        'http://10.0.0.1/a.jpg',
        'http://[::1]/a.jpg',
      ];
      const answers = [];
      for (const url of urls)
        answers.push(
          await send(s.url, {
            method: 'POST',
            path: `/customvision/v3.1/prediction/${fx.projectId}/classify/iterations/${fx.publishName}/url`,
            headers: { ...predictionHeaders, 'content-type': 'application/json' },
            body: JSON.stringify({ url }),
          }),
        );
      for (const a of answers) {
        expect(a.status).toBe(400);
        expect(a.body).toEqual({ code: 'BadRequestImageUrl', message: UNUSABLE_URL_MESSAGE });
        expect(a.text).not.toMatch(/10\.\d|resolve|private|ENOTFOUND/);
      }
      const batch = await send(s.url, {
        method: 'POST',
        path: `/customvision/v3.3/training/projects/${fx.projectId}/images/urls`,
        headers: { ...trainingHeaders, 'content-type': 'application/json' },
        body: JSON.stringify({ images: urls.map((url) => ({ url })), tagIds: [fx.tagA] }),
      });
      expect(batch.status).toBe(207);
      expect((batch.body as { images: { status: string }[] }).images.map((i) => i.status)).toEqual(
        Array(4).fill('ErrorSource'),
      );
    } finally {
      vi.mocked(dns.lookup).mockReset();
    }
  });
});

describe('the address policy', () => {
  it('refuses the IPv6 ranges that reach private or embedded IPv4 addresses', () => {
    for (const a of [
      'fec0::1', // site-local
      'feff::1',
      '64:ff9b:1::a00:1', // NAT64 local-use
      '2002:a00:1::1', // 6to4 of 10.0.0.1
      '2002:7f00:1::1',
      '::a00:1', // IPv4-compatible ::10.0.0.1
      '::7f00:1',
      '::',
      '::1',
    ])
      expect(isPublicAddress(a), a).toBe(false);
    for (const a of ['2001:4860:4860::8888', '2606:4700:4700::1111', '64:ff9c::1', '2003::1'])
      expect(isPublicAddress(a), a).toBe(true);
  });
});

describe('a client that goes away', () => {
  let s: TestServer;
  let fx: Awaited<ReturnType<typeof seedTrainedProject>>;
  beforeAll(async () => {
    s = await startTestServer({ allowPrivateUrls: true, urlFetchTimeoutMs: 30_000 });
    fx = await seedTrainedProject(s, 'gone');
  }, 30_000);
  afterAll(() => s?.stop());

  it('stops the URL fetch made for it (ClassifyImageUrl) instead of holding the origin until the deadline', async () => {
    const request = send(s.url, {
      method: 'POST',
      path: `/customvision/v3.1/prediction/${fx.projectId}/classify/iterations/${fx.publishName}/url`,
      headers: { ...predictionHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${base}/never` }),
      timeoutMs: 500,
    });
    await expect(request).rejects.toThrow(/no answer within 500 ms/);
    // The client's timeout destroyed its socket; the server's fetch to the origin must end within moments.
    expect(await originSocketsClosed(3000)).toBe(true);
  });
});
