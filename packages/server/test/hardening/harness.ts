import { readdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { jpeg, multipart } from '../helpers/images.ts';
import { json, PREDICTION_KEY, type TestServer, TRAINING_KEY } from '../helpers/test-server.ts';

/** Shared by the hardening tests: raw HTTP, store snapshots, a trained fixture project, a hostile origin server. */

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: unknown;
  ms: number;
}

/**
 * One request with node:http, the path sent exactly as given (no URL normalisation, so `..` and bad percent
 * escapes reach the server). Rejects after `timeoutMs` instead of hanging.
 */
export function send(
  base: string,
  o: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string; timeoutMs?: number },
): Promise<RawResponse> {
  const url = new URL(base);
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const body = o.body === undefined ? undefined : Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: o.method,
        path: o.path,
        headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...o.headers },
        timeout: o.timeoutMs ?? 10_000,
        // A connection of its own: a pooled one left idle past the server's keep-alive timeout (5 s) can be closed
        // just as a request that took long to build is sent on it.
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            body: parsed,
            ms: performance.now() - start,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export const trainingHeaders = { 'Training-Key': TRAINING_KEY };
export const predictionHeaders = { 'Prediction-Key': PREDICTION_KEY };

/** Everything a client could observe of the stored data, plus the blob files on disk. */
export async function snapshot(s: TestServer) {
  const st = s.server.storage;
  const projects = await st.projects.list();
  const perProject = [];
  for (const p of projects) {
    const iterations = await st.iterations.list(p.id);
    perProject.push({
      project: p,
      tags: await st.tags.list(p.id),
      images: await st.images.query(p.id, { orderBy: 'Oldest' }),
      iterations,
      predictions: await st.predictions.query(p.id, { orderBy: 'Oldest', limit: 1_000_000 }),
      exports: await Promise.all(iterations.map((it) => st.exports.list(p.id, it.id))),
    });
  }
  return { projects: perProject, blobs: listFiles(join(s.dataDir, 'blobs')) };
}

export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  walk(dir);
  return out.sort();
}

export interface Fixture {
  projectId: string;
  tagA: string;
  tagB: string;
  imageId: string;
  iterationId: string;
  publishName: string;
}

/** A classification project with two tags of five images each, trained (stand-in engine) and published. */
export async function seedTrainedProject(s: TestServer, name = 'fixture'): Promise<Fixture> {
  const post = (path: string, init: RequestInit = {}) => s.train(path, { method: 'POST', ...init });
  const project = await json<{ id: string }>(post(`/projects?name=${name}`));
  const tagA = await json<{ id: string }>(post(`/projects/${project.id}/tags?name=A`));
  const tagB = await json<{ id: string }>(post(`/projects/${project.id}/tags?name=B`));
  let imageId = '';
  for (const [tag, rgb] of [
    [tagA.id, [220, 20, 20]],
    [tagB.id, [20, 20, 220]],
  ] as const) {
    const files = await Promise.all(
      [0, 1, 2, 3, 4].map(async (i) => ({
        name: `${i}.jpg`,
        bytes: await jpeg(24, 24, [rgb[0] + i, rgb[1] + i, rgb[2] - i]),
      })),
    );
    const res = await json<{ images: { image: { id: string } }[] }>(
      post(`/projects/${project.id}/images?tagIds=${tag}`, { body: multipart(files) }),
    );
    imageId = res.images[0]!.image.id;
  }
  const iteration = await json<{ id: string }>(post(`/projects/${project.id}/train`));
  await s.server.idle();
  const publishName = `${name}-pub`;
  const published = await post(
    `/projects/${project.id}/iterations/${iteration.id}/publish?publishName=${publishName}&predictionId=x`,
  );
  if (published.status !== 200) throw new Error(`publish failed: ${published.status} ${await published.text()}`);
  return { projectId: project.id, tagA: tagA.id, tagB: tagB.id, imageId, iterationId: iteration.id, publishName };
}

/**
 * An origin for URL imports that misbehaves on purpose: `/slow` never answers, `/trickle` sends headers and then a
 * byte now and then, `/huge-declared` announces a gigabyte, `/huge-chunked` streams without a length until stopped,
 * `/loop` redirects to itself, `/image` serves a small JPEG.
 */
export async function startHostileOrigin(): Promise<{ url: string; close(): Promise<void> }> {
  const image = await jpeg(20, 20, [10, 200, 10]);
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createHttpServer((req, res) => {
    res.on('error', () => {});
    switch (req.url) {
      case '/slow':
        return;
      case '/trickle': {
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        const t = setInterval(() => res.write(Buffer.from([0xff])), 100);
        timers.add(t);
        res.on('close', () => clearInterval(t));
        return;
      }
      case '/huge-declared':
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(1024 ** 3) });
        res.write(image);
        return;
      case '/huge-chunked': {
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        const chunk = Buffer.alloc(256 * 1024, 0xab);
        const pump = () => {
          while (res.write(chunk)) if (res.destroyed) return;
        };
        res.on('drain', pump);
        pump();
        return;
      }
      case '/loop':
        res.writeHead(302, { location: '/loop' });
        res.end();
        return;
      default:
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        res.end(image);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const t of timers) clearInterval(t);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export interface Responsiveness<T> {
  result: T;
  /** Slowest probe answer before the attack, and while it ran (ms). */
  baselineMs: number;
  worstMs: number;
  probes: number;
}

/**
 * Runs `attack` while a cheap authenticated request (GetProjects) is sent again and again, and compares the slowest
 * answer during the attack with the slowest of the same probes outside it: 1.5 s before, and after it for as long as
 * it ran (up to 30 s), so the baseline window is as long as the attack's and meets as much of a busy machine's noise.
 * A stalled event loop shows as one probe far above it.
 */
export async function whileProbing<T>(
  base: string,
  attack: () => Promise<T>,
  opts: { baselineMs?: number; intervalMs?: number } = {},
): Promise<Responsiveness<T>> {
  const interval = opts.intervalMs ?? 20;
  const probe = async () => {
    const r = await send(base, {
      method: 'GET',
      path: '/customvision/v3.3/training/projects',
      headers: trainingHeaders,
      timeoutMs: 30_000,
    });
    if (r.status !== 200) throw new Error(`probe answered ${r.status}: ${r.text}`);
    return r.ms;
  };
  const series = async (until: () => boolean) => {
    let worst = 0;
    let n = 0;
    while (!until()) {
      worst = Math.max(worst, await probe());
      n++;
      await new Promise((r) => setTimeout(r, interval));
    }
    return { worst, n };
  };
  // Warm the connection path, then the baseline window.
  await probe();
  const baselineEnd = performance.now() + (opts.baselineMs ?? 1500);
  const baseline = await series(() => performance.now() > baselineEnd);
  let done = false;
  const started = performance.now();
  const running = attack().finally(() => {
    done = true;
  });
  // At least a few probes even when the attack is quick.
  let minimum = 5;
  const during = await series(() => done && minimum-- <= 0);
  const result = await running;
  const afterEnd = performance.now() + Math.min(30_000, Math.max(1500, performance.now() - started));
  const after = await series(() => performance.now() > afterEnd);
  return { result, baselineMs: Math.max(baseline.worst, after.worst), worstMs: during.worst, probes: during.n };
}

/** Peak resident memory of a process so far (VmHWM), in MB; undefined where /proc is not available. */
export function peakRssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
