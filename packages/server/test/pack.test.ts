/**
 * The packed server works: `npm pack` the server with the workspace packages it depends on (@cvkit/ml,
 * @cvkit/api-types), install the three tarballs into an empty project, start `npx cvkit-server --port … --data-dir …`
 * and train, predict and export through it with the real engine. That exercises what only the built layout can
 * break: dist/cli.js through the bin, the ML engine's chunk, the BMP decoder's worker (dist/bmp-worker.cjs),
 * @cvkit/ml's CommonJS head-fitting worker (dist/train-head-worker.cjs) and the Docker export's app sources
 * (dist/app).
 *
 * It takes a few minutes (declaration builds, an install, a training), so it runs on demand:
 *   npm run test:pack -w @cvkit/server        (or CVKIT_TEST_PACK=1 with any vitest run)
 *
 * The install runs with --ignore-scripts: better-sqlite3's install script would download a prebuilt binary from
 * GitHub, or else compile SQLite for minutes, and this machine may reach only the npm registry. The test copies the
 * binary the workspace's install built (same Node, same platform) instead; nothing else has an install step the
 * server needs (sharp and onnxruntime-node ship their binaries in packages).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { bmp, jpeg, multipart } from './helpers/images.ts';

const enabled = process.env.CVKIT_TEST_PACK === '1' || process.env.npm_lifecycle_event === 'test:pack';
if (!enabled) console.warn('pack: skipped; run `npm run test:pack -w @cvkit/server` or set CVKIT_TEST_PACK=1.');

const serverDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(serverDir, '../..');
const PACKAGES = ['@cvkit/api-types', '@cvkit/ml', '@cvkit/server'];
const KEY = { 'Training-Key': 'cvkit-dev-training-key' };
const COMPACT = '0732100f-1a38-4e49-a514-c9b44c697ab5';

// Asynchronous: a pack and an install take minutes, and a blocked worker loses its link to the test runner.
async function run(command: string, args: string[], cwd: string): Promise<string> {
  return (await promisify(execFile)(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })).stdout;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!enabled)('npm pack produces a server that runs', () => {
  const work = mkdtempSync(join(tmpdir(), 'cvkit-server-pack-'));
  let server: ChildProcess | undefined;
  let log = '';
  // npx runs the bin in a child process: signals go to the whole group, so neither outlives the test.
  const signal = (name: NodeJS.Signals) => {
    if (server?.pid && server.exitCode === null && server.signalCode === null) process.kill(-server.pid, name);
  };
  afterAll(() => {
    signal('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('packs, installs, and serves training, prediction and export from the tarballs', {
    timeout: 600_000,
  }, async () => {
    const manifests = ['ml', 'server'].map((p) => readFileSync(join(repoRoot, 'packages', p, 'package.json'), 'utf8'));
    await run('npm', ['pack', ...PACKAGES.flatMap((p) => ['-w', p]), '--pack-destination', work], repoRoot);
    // postpack restored the workspace manifests.
    expect(['ml', 'server'].map((p) => readFileSync(join(repoRoot, 'packages', p, 'package.json'), 'utf8'))).toEqual(
      manifests,
    );
    const tarballs = readdirSync(work).filter((f) => f.endsWith('.tgz'));
    expect(tarballs.sort()).toEqual(['cvkit-api-types-0.1.0.tgz', 'cvkit-ml-0.1.0.tgz', 'cvkit-server-0.1.0.tgz']);

    const scratch = join(work, 'scratch');
    mkdirSync(scratch);
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, version: '0.0.0' }));
    const args = ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'];
    await run('npm', [...args, ...tarballs.map((t) => join(work, t))], scratch);
    const sqliteBinary = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    mkdirSync(dirname(join(scratch, sqliteBinary)), { recursive: true });
    cpSync(join(repoRoot, sqliteBinary), join(scratch, sqliteBinary));

    const installed = join(scratch, 'node_modules/@cvkit');
    const manifest = JSON.parse(readFileSync(join(installed, 'server/package.json'), 'utf8'));
    expect(manifest.exports['.'].default).toBe('./dist/index.js');
    expect(manifest.dependencies).not.toHaveProperty('multer');
    expect(readdirSync(join(installed, 'server')).sort()).toEqual(['bin', 'dist', 'package.json']);
    expect(readdirSync(join(installed, 'ml/dist'))).toEqual(
      expect.arrayContaining(['index.js', 'index.d.ts', 'train-head-worker.cjs', 'app']),
    );
    // No TypeScript at run time: tsx is not installed, so anything still reaching for it fails below.
    expect(existsSync(join(scratch, 'node_modules/tsx'))).toBe(false);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    server = spawn('npx', ['cvkit-server', '--port', String(port), '--data-dir', join(work, 'data')], {
      cwd: scratch,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    server.stdout!.on('data', (d) => {
      log += d;
    });
    server.stderr!.on('data', (d) => {
      log += d;
    });
    const api = `${url}/customvision/v3.3/training`;
    const call = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
      const res = await fetch(api + path, { ...init, headers: { ...KEY, ...(init.headers ?? {}) } });
      if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    await until('the server listens', () => call<unknown[]>('/projects'), 60_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${log}`);
    });

    const project = await call<{ id: string }>(`/projects?name=packed&domainId=${COMPACT}`, { method: 'POST' });
    for (const [name, rgb] of [
      ['red', [240, 20, 20]],
      ['blue', [20, 20, 240]],
    ] as const) {
      const tag = await call<{ id: string }>(`/projects/${project.id}/tags?name=${name}`, { method: 'POST' });
      const files = await Promise.all(
        [0, 1, 2, 3, 4].map((i) => jpeg(48, 48, [rgb[0] - i * 7, 20 + i * 7, rgb[2] - i * 7])),
      );
      await call(`/projects/${project.id}/images?tagIds=${tag.id}`, {
        method: 'POST',
        body: multipart(files.map((bytes, i) => ({ name: `${i}.jpg`, bytes }))),
      });
    }
    const started = await call<{ id: string }>(`/projects/${project.id}/train`, { method: 'POST' });
    const trained = await until(
      'training ends',
      async () => {
        const it = await call<{ status: string; trainingErrorDetails?: string }>(
          `/projects/${project.id}/iterations/${started.id}`,
        );
        return it.status === 'Training' ? undefined : it;
      },
      300_000,
    );
    expect(trained, log).toMatchObject({ status: 'Completed' });

    const quick = await call<{ predictions: { tagName: string; probability: number }[] }>(
      `/projects/${project.id}/quicktest/image?iterationId=${started.id}`,
      { method: 'POST', body: multipart([{ name: 'q.jpg', bytes: await jpeg(48, 48, [235, 25, 25]) }]) },
    );
    expect(quick.predictions[0]?.tagName).toBe('red');
    // A BMP (pure blue, as the helper writes it) is decoded on the decoder's worker thread (dist/bmp-worker.cjs).
    const quickBmp = await call<{ predictions: { tagName: string }[] }>(
      `/projects/${project.id}/quicktest/image?iterationId=${started.id}`,
      { method: 'POST', body: multipart([{ name: 'q.bmp', bytes: bmp(40, 30) }]) },
    );
    expect(quickBmp.predictions[0]?.tagName).toBe('blue');

    await call(`/projects/${project.id}/iterations/${started.id}/export?platform=DockerFile&flavor=Linux`, {
      method: 'POST',
    });
    const done = await until(
      'the export ends',
      async () => {
        const [e] = await call<{ status: string; downloadUri: string | null }[]>(
          `/projects/${project.id}/iterations/${started.id}/export`,
        );
        return e?.status === 'Exporting' ? undefined : e;
      },
      120_000,
    );
    expect(done?.status, log).toBe('Done');
    const files = Object.keys(unzipSync(new Uint8Array(await (await fetch(done!.downloadUri!)).arrayBuffer())));
    expect(files).toEqual(expect.arrayContaining(['Dockerfile', 'app/server.js', 'app/model.js']));

    // npx forwards the signal to the server, which shuts down cleanly; npm then ends by the same signal.
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
      server!.once('exit', (code, signal) => r({ code, signal })),
    );
    // As a terminal's Ctrl-C or a service manager would: the signal reaches the group; the server shuts down cleanly.
    signal('SIGTERM');
    expect([
      { code: 0, signal: null },
      { code: null, signal: 'SIGTERM' },
    ]).toContainEqual(await exited);
    await until('the server logs its shutdown', async () => (log.includes('shutting down') ? true : undefined), 10_000);
    await expect(fetch(`${api}/projects`, { headers: KEY })).rejects.toThrow();
  });
});
