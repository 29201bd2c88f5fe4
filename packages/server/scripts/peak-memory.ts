/**
 * The server's peak memory under the worst request each key allows (docs/hardening.md). Each case starts a fresh
 * `cvkit-server` (src/cli.ts, real engine) on 127.0.0.1 with a temporary data directory, waits until its engine is
 * ready, reads its peak resident memory (VmHWM), sends the request, and reads it again; a probe request measures how
 * long other requests waited meanwhile. Prints one JSON line per case. Linux only (/proc).
 *
 *   npm run peak-memory -w @cvkit/server
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { oneBitBmp } from '../test/hardening/bad-images.ts';
import { send } from '../test/hardening/harness.ts';

const serverDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const TRAINING_KEY = `peak-training-${randomBytes(4).toString('hex')}`;
const PREDICTION_KEY = `peak-prediction-${randomBytes(4).toString('hex')}`;
const T = { 'Training-Key': TRAINING_KEY };
const P = { 'Prediction-Key': PREDICTION_KEY };
const MB = 1024 * 1024;

interface Child {
  process: ChildProcess;
  url: string;
  dir: string;
}

async function start(): Promise<Child> {
  const dir = mkdtempSync(join(tmpdir(), 'cvkit-peak-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', '--port', '0', '--data-dir', dir, '--training-key', TRAINING_KEY],
    {
      cwd: serverDir,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, CVKIT_PREDICTION_KEY: PREDICTION_KEY, CVKIT_HOST: '' },
    },
  );
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      log += c.toString();
      const listening = log.split('\n').find((l) => l.includes('cvkit server listening'));
      if (listening && /ML engine (ready|failed)/.test(log)) resolve((JSON.parse(listening) as { url: string }).url);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${log}`)));
  });
  return { process: child, url, dir };
}

async function stop(c: Child): Promise<void> {
  c.process.kill('SIGTERM');
  await new Promise((r) => c.process.once('exit', r));
  rmSync(c.dir, { recursive: true, force: true });
}

const rssMb = (pid: number, field: 'VmHWM' | 'VmRSS') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function post(c: Child, path: string, headers: Record<string, string>, body?: Buffer | string) {
  return send(c.url, { method: 'POST', path, headers, body, timeoutMs: 300_000 });
}

async function project(c: Child): Promise<string> {
  return ((await post(c, '/customvision/v3.3/training/projects?name=peak', T)).body as { id: string }).id;
}

/** A small trained and published classifier, for the prediction key's cases. */
async function published(c: Child): Promise<{ projectId: string; publishName: string }> {
  const projectId = await project(c);
  for (const [name, rgb] of [
    ['a', [200, 40, 40]],
    ['b', [40, 40, 200]],
  ] as const) {
    const tag = (await post(c, `/customvision/v3.3/training/projects/${projectId}/tags?name=${name}`, T)).body as {
      id: string;
    };
    const form = new FormData();
    for (let i = 0; i < 5; i++) {
      const img = await sharp({
        create: { width: 64, height: 64, channels: 3, background: { r: rgb[0], g: rgb[1] + 30 * i, b: rgb[2] } },
      })
        .jpeg()
        .toBuffer();
      form.append('imageData', new Blob([new Uint8Array(img)]), `${name}${i}.jpg`);
    }
    const encoded = new Response(form);
    await post(
      c,
      `/customvision/v3.3/training/projects/${projectId}/images?tagIds=${tag.id}`,
      { ...T, 'content-type': encoded.headers.get('content-type')! },
      Buffer.from(await encoded.arrayBuffer()),
    );
  }
  const iteration = (await post(c, `/customvision/v3.3/training/projects/${projectId}/train`, T)).body as {
    id: string;
  };
  for (;;) {
    const it = await send(c.url, {
      method: 'GET',
      path: `/customvision/v3.3/training/projects/${projectId}/iterations/${iteration.id}`,
      headers: T,
    });
    const status = (it.body as { status: string }).status;
    if (status === 'Completed') break;
    if (status === 'Failed') throw new Error(`training failed: ${it.text}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  await post(
    c,
    `/customvision/v3.3/training/projects/${projectId}/iterations/${iteration.id}/publish?publishName=peak&predictionId=x`,
    T,
  );
  return { projectId, publishName: 'peak' };
}

function jsonBatch(images: number, bytesEach: number): Buffer {
  const b64 = Buffer.alloc(Math.ceil((bytesEach * 4) / 3 / 4) * 4, 'A');
  const parts = [Buffer.from('{"images":[')];
  for (let i = 0; i < images; i++)
    parts.push(Buffer.from(`${i ? ',' : ''}{"name":"${i}","contents":"`), b64, Buffer.from('"}'));
  parts.push(Buffer.from(']}'));
  return Buffer.concat(parts);
}

async function multipartBody(files: Buffer[]): Promise<{ body: Buffer; type: string }> {
  const form = new FormData();
  files.forEach((f, i) => {
    form.append('imageData', new Blob([new Uint8Array(f)]), `${i}.bin`);
  });
  const encoded = new Response(form);
  return { body: Buffer.from(await encoded.arrayBuffer()), type: encoded.headers.get('content-type')! };
}

interface Case {
  name: string;
  key: 'training' | 'prediction';
  /** Sets up and builds the request (not measured); the function it returns sends it. */
  prepare(c: Child): Promise<() => Promise<{ status: number }[]>>;
}

const cases: Case[] = [
  {
    name: 'CreateImagesFromFiles: 64 images of 6 MB in base64 (537 MB of JSON)',
    key: 'training',
    async prepare(c) {
      const id = await project(c);
      const body = jsonBatch(64, 6 * MB);
      return async () => [
        await post(
          c,
          `/customvision/v3.3/training/projects/${id}/images/files`,
          { ...T, 'content-type': 'application/json' },
          body,
        ),
      ];
    },
  },
  {
    name: 'CreateImagesFromFiles, gzip bomb: 537 MB of JSON in 0.5 MB',
    key: 'training',
    async prepare(c) {
      const id = await project(c);
      const body = gzipSync(jsonBatch(64, 6 * MB), { level: 9 });
      return async () => [
        await post(
          c,
          `/customvision/v3.3/training/projects/${id}/images/files`,
          { ...T, 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body,
        ),
      ];
    },
  },
  {
    name: 'CreateImagesFromData: 64 files of 6 MB in multipart (385 MB)',
    key: 'training',
    async prepare(c) {
      const id = await project(c);
      const { body, type } = await multipartBody(Array.from({ length: 64 }, (_, i) => Buffer.alloc(6 * MB - 1024, i)));
      return async () => [
        await post(c, `/customvision/v3.3/training/projects/${id}/images`, { ...T, 'content-type': type }, body),
      ];
    },
  },
  {
    name: 'CreateImagesFromData: 8 1-bit BMPs of 10,240 × 4,900, then their 8 thumbnails at once',
    key: 'training',
    async prepare(c) {
      const id = await project(c);
      const files = Array.from({ length: 8 }, (_, i) => oneBitBmp(10_240, 4_900).fill(0x11 * (i + 1), 62));
      const { body, type } = await multipartBody(files);
      return async () => {
        const res = await post(
          c,
          `/customvision/v3.3/training/projects/${id}/images`,
          { ...T, 'content-type': type },
          body,
        );
        const links = (res.body as { images: { image: { thumbnailUri: string } }[] }).images.map(
          (i) => new URL(i.image.thumbnailUri),
        );
        const thumbs = await Promise.all(
          links.map((l) => send(c.url, { method: 'GET', path: l.pathname + l.search, timeoutMs: 300_000 })),
        );
        return [res, ...thumbs];
      };
    },
  },
  {
    name: 'ClassifyImage: a 4 MB 1-bit BMP of 8,000 × 4,000',
    key: 'prediction',
    async prepare(c) {
      const { projectId, publishName } = await published(c);
      const image = oneBitBmp(8_000, 4_000);
      return async () => [
        await post(
          c,
          `/customvision/v3.1/prediction/${projectId}/classify/iterations/${publishName}/image`,
          { ...P, 'content-type': 'application/octet-stream' },
          image,
        ),
      ];
    },
  },
  {
    name: 'ClassifyImage: a JPEG of 10,240 × 10,240 (decoded shrunk to 40 MP)',
    key: 'prediction',
    async prepare(c) {
      const { projectId, publishName } = await published(c);
      const image = await sharp({ create: { width: 10_240, height: 10_240, channels: 3, background: '#3a7' } })
        .jpeg()
        .toBuffer();
      return async () => [
        await post(
          c,
          `/customvision/v3.1/prediction/${projectId}/classify/iterations/${publishName}/image`,
          { ...P, 'content-type': 'application/octet-stream' },
          image,
        ),
      ];
    },
  },
];

const only = process.argv[2];
for (const k of cases) {
  if (only && !k.name.includes(only)) continue;
  const c = await start();
  try {
    const request = await k.prepare(c);
    const pid = c.process.pid!;
    const idle = rssMb(pid, 'VmRSS');
    const before = rssMb(pid, 'VmHWM');
    let worstProbe = 0;
    let done = false;
    const probing = (async () => {
      while (!done) {
        const r = await send(c.url, { method: 'GET', path: '/customvision/v3.3/training/projects', headers: T });
        worstProbe = Math.max(worstProbe, r.ms);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const started = performance.now();
    const answers = await request().finally(() => {
      done = true;
    });
    await probing;
    console.log(
      JSON.stringify({
        case: k.name,
        key: k.key,
        statuses: [...new Set(answers.map((a) => a.status))],
        seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
        idleRssMb: Math.round(idle),
        peakRssBeforeMb: Math.round(before),
        peakRssAfterMb: Math.round(rssMb(pid, 'VmHWM')),
        slowestProbeMs: Math.round(worstProbe),
        loadAverage: Number(loadavg()[0]!.toFixed(2)),
      }),
    );
  } finally {
    await stop(c);
  }
}
