/**
 * Load test on loopback: concurrent uploads, one training and predictions at once, against a cvkit server this
 * script starts itself (`src/cli.ts` in a child process, 127.0.0.1 only, a temporary data directory, the real
 * TensorFlow.js / onnxruntime engine). Bounded in time and in requests. Reports throughput, p50/p99 latency per kind,
 * the error count (anything but a 200, including a 207 from an upload; it must be 0: the exit code is 1 otherwise), the server's RSS before and after, the machine's
 * load average, and whether predictions kept flowing while the model trained (the longest gap between two
 * prediction completions during the training).
 *
 *   npm run load -w @cvkit/server
 *   npm run load -w @cvkit/server -- --duration 30 --uploaders 2 --predictors 2 --batch 16 --max-requests 5000
 *
 * Images: the repository's data sets (data/datasets: azure-cv-trees for the published model and the
 * prediction photo, mlnet-flowers-small for the training measured under load), else synthetic images; uploads are
 * always fresh synthetic JPEGs (incompressible noise, so none is a duplicate).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const here = dirname(fileURLToPath(import.meta.url));
const serverDir = resolve(here, '..');
const datasets = resolve(serverDir, '../../data/datasets');

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '45' },
    uploaders: { type: 'string', default: '2' },
    predictors: { type: 'string', default: '2' },
    batch: { type: 'string', default: '16' },
    'max-requests': { type: 'string', default: '20000' },
    'training-images': { type: 'string', default: '12' },
    'training-timeout': { type: 'string', default: '300' },
  },
});
const DURATION_MS = Number(opts.duration) * 1000;
const UPLOADERS = Number(opts.uploaders);
const PREDICTORS = Number(opts.predictors);
const BATCH = Number(opts.batch);
const MAX_REQUESTS = Number(opts['max-requests']);
const TRAINING_PER_TAG = Number(opts['training-images']);
const TRAINING_TIMEOUT_MS = Number(opts['training-timeout']) * 1000;

const TRAINING_KEY = `load-training-${randomBytes(4).toString('hex')}`;
const PREDICTION_KEY = `load-prediction-${randomBytes(4).toString('hex')}`;

type Kind = 'upload' | 'predict' | 'train' | 'poll';
interface Sample {
  kind: Kind;
  start: number;
  end: number;
  status: number;
  images?: number;
}

// ---------------------------------------------------------------------------------------------------------------

function startServer(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(serverDir, 'src/cli.ts'),
      ...['--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir],
      ...['--training-key', TRAINING_KEY, '--prediction-key', PREDICTION_KEY, '--log-level', 'info'],
    ],
    { cwd: serverDir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // The parent's end kills the server too, however the parent ends.
  process.once('exit', () => child.kill('SIGKILL'));
  let err = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within 60 s:\n${err}`));
    }, 60_000);
    child.stderr!.on('data', (c: Buffer) => {
      if (err.length < 1_000_000) err += c.toString();
      const line = err.split('\n').find((l) => l.includes('cvkit server listening'));
      if (line) {
        clearTimeout(timer);
        resolvePromise({ child, url: (JSON.parse(line) as { url: string }).url });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}):\n${err}`)));
  });
}

/** Resident memory of a process in MB (Linux /proc, else ps). */
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) return Math.round(Number(m[1]) / 1024);
  } catch {
    // not Linux
  }
  return Math.round(
    Number(
      execFileSync('ps', ['-o', 'rss=', '-p', String(pid)])
        .toString()
        .trim(),
    ) / 1024,
  );
}

function uptimeLine(): string {
  try {
    return execFileSync('uptime').toString().trim();
  } catch {
    return `load average: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(', ')}`;
  }
}

function datasetImages(name: string, split: string): Map<string, Buffer[]> {
  const dir = join(datasets, name, split);
  const out = new Map<string, Buffer[]>();
  if (!existsSync(dir)) return out;
  for (const tag of readdirSync(dir).sort()) {
    const files = readdirSync(join(dir, tag))
      .filter((f) => /\.(jpe?g|png)$/i.test(f))
      .sort();
    out.set(
      tag,
      files.map((f) => readFileSync(join(dir, tag, f))),
    );
  }
  return out;
}

/** Fresh incompressible JPEGs, tinted so that two tints are learnable classes. */
function noise(n: number, side: number, tint: [number, number, number] = [128, 128, 128]): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: n }, () => {
      const px = randomBytes(side * side * 3);
      for (let i = 0; i < px.length; i++) px[i] = (px[i]! >> 1) + (tint[i % 3]! >> 1);
      return sharp(px, { raw: { width: side, height: side, channels: 3 } })
        .jpeg({ quality: 85 })
        .toBuffer();
    }),
  );
}

/** The same JPEG with a COM segment right after SOI: other bytes, same pixels. */
function withComment(jpeg: Buffer, n: number): Buffer {
  const text = Buffer.from(`cvkit-load ${n}`);
  const header = Buffer.alloc(4);
  header.writeUInt16BE(0xfffe, 0);
  header.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, text, jpeg.subarray(2)]);
}

function form(files: Buffer[]): FormData {
  const f = new FormData();
  for (const [i, b] of files.entries()) f.append('imageData', new Blob([new Uint8Array(b)]), `${i}.jpg`);
  return f;
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const round = (x: number) => Math.round(x * 10) / 10;

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'cvkit-load-'));
  const loadBefore = uptimeLine();
  const { child, url } = await startServer(dataDir);
  const training = `${url}/customvision/v3.3/training`;
  const prediction = `${url}/customvision/v3.1/prediction`;
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(training + path, {
      ...init,
      headers: { 'Training-Key': TRAINING_KEY, ...(init.headers as Record<string, string>) },
    });
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const waitTrained = async (projectId: string, iterationId: string, poll?: (s: Sample) => void) => {
    const deadline = Date.now() + TRAINING_TIMEOUT_MS;
    for (;;) {
      const start = performance.now();
      const res = await fetch(`${training}/projects/${projectId}/iterations/${iterationId}`, {
        headers: { 'Training-Key': TRAINING_KEY },
      });
      const it = (await res.json()) as { status: string; trainingErrorDetails?: string };
      poll?.({ kind: 'poll', start, end: performance.now(), status: res.status });
      if (it.status === 'Completed') return;
      if (it.status !== 'Training') throw new Error(`training ${it.status}: ${it.trainingErrorDetails}`);
      if (Date.now() > deadline) throw new Error('training did not finish in time');
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const createProject = async (name: string, tags: Map<string, Buffer[]>) => {
    const project = await call(`/projects?name=${name}&classificationType=Multiclass`, { method: 'POST' });
    for (const [tagName, files] of tags) {
      const tag = await call(`/projects/${project.id}/tags?name=${encodeURIComponent(tagName)}`, { method: 'POST' });
      for (let i = 0; i < files.length; i += 64)
        await call(`/projects/${project.id}/images?tagIds=${tag.id}`, {
          method: 'POST',
          body: form(files.slice(i, i + 64)),
        });
    }
    return project.id as string;
  };

  try {
    // Set-up, not measured: a published model for the predictions, and a project to train under load.
    const setupStart = performance.now();
    let trees = datasetImages('azure-cv-trees', 'train');
    if (trees.size < 2)
      trees = new Map([
        ['red', await noise(10, 160, [230, 40, 40])],
        ['blue', await noise(10, 160, [40, 40, 230])],
      ]);
    const published = await createProject('published', trees);
    const first = await call(`/projects/${published}/train`, { method: 'POST' });
    await waitTrained(published, first.id as string);
    await call(`/projects/${published}/iterations/${first.id}/publish?publishName=load&predictionId=x`, {
      method: 'POST',
    });
    let flowers = datasetImages('mlnet-flowers-small', 'train');
    flowers = new Map([...flowers].slice(0, 3).map(([t, f]) => [t, f.slice(0, TRAINING_PER_TAG)]));
    if (flowers.size < 2)
      flowers = new Map([
        ['green', await noise(TRAINING_PER_TAG, 224, [40, 230, 40])],
        ['grey', await noise(TRAINING_PER_TAG, 224, [128, 128, 128])],
      ]);
    const trainedUnderLoad = await createProject('trained-under-load', flowers);
    const uploadsProject = (await call('/projects?name=uploads', { method: 'POST' })).id as string;
    const testPhoto = [...datasetImages('azure-cv-trees', 'test').values()].flat()[0];
    const photo = await sharp(testPhoto ?? (await noise(1, 480))[0]!)
      .rotate()
      .resize(640, 480, { fit: 'inside' })
      .jpeg({ quality: 85 })
      .toBuffer();
    // Warm the prediction path (model load) before measuring.
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${prediction}/${published}/classify/iterations/load/image/nostore`, {
        method: 'POST',
        headers: { 'Prediction-Key': PREDICTION_KEY, 'content-type': 'application/octet-stream' },
        body: new Uint8Array(photo),
      });
      if (!res.ok) throw new Error(`warm-up prediction: ${res.status} ${await res.text()}`);
    }
    const uploadPool = await noise(UPLOADERS * BATCH * 4, 128);
    const setupMs = performance.now() - setupStart;

    // Measured: uploads and predictions for DURATION_MS, one training started 2 s in.
    const samples: Sample[] = [];
    const rssBefore = rssMb(child.pid!);
    const phaseStart = performance.now();
    const stopAt = phaseStart + DURATION_MS;
    let requests = 0;
    const more = () => performance.now() < stopAt && requests < MAX_REQUESTS;
    const timed = async (kind: Kind, send: () => Promise<Response>, images?: number) => {
      requests++;
      const start = performance.now();
      let status = 0;
      try {
        const res = await send();
        status = res.status;
        await res.arrayBuffer();
      } catch {
        status = 0;
      }
      samples.push({ kind, start, end: performance.now(), status, ...(images ? { images } : {}) });
    };
    let uploaded = 0;
    const uploader = async () => {
      while (more()) {
        // Fresh bytes for every image (a JPEG comment with a counter), so none is stored as a duplicate.
        const files = Array.from({ length: BATCH }, (_, i) =>
          withComment(uploadPool[(uploaded + i) % uploadPool.length]!, uploaded + i),
        );
        uploaded += BATCH;
        await timed(
          'upload',
          () =>
            fetch(`${training}/projects/${uploadsProject}/images`, {
              method: 'POST',
              headers: { 'Training-Key': TRAINING_KEY },
              body: form(files),
            }),
          BATCH,
        );
      }
    };
    const predictor = async () => {
      while (more())
        await timed('predict', () =>
          fetch(`${prediction}/${published}/classify/iterations/load/image/nostore`, {
            method: 'POST',
            headers: { 'Prediction-Key': PREDICTION_KEY, 'content-type': 'application/octet-stream' },
            body: new Uint8Array(photo),
          }),
        );
    };
    let trainingWindow: { start: number; end: number } | undefined;
    const trainer = async () => {
      await new Promise((r) => setTimeout(r, 2000));
      const start = performance.now();
      let iterationId = '';
      await timed('train', async () => {
        const res = await fetch(`${training}/projects/${trainedUnderLoad}/train`, {
          method: 'POST',
          headers: { 'Training-Key': TRAINING_KEY },
        });
        iterationId = ((await res.clone().json()) as { id: string }).id;
        return res;
      });
      await waitTrained(trainedUnderLoad, iterationId, (s) => {
        requests++;
        samples.push(s);
      });
      trainingWindow = { start, end: performance.now() };
    };
    await Promise.all([
      ...Array.from({ length: UPLOADERS }, uploader),
      ...Array.from({ length: PREDICTORS }, predictor),
      trainer(),
    ]);
    const phaseMs = performance.now() - phaseStart;
    const rssAfter = rssMb(child.pid!);
    const loadAfter = uptimeLine();

    // Figures.
    const kinds: Kind[] = ['upload', 'predict', 'train', 'poll'];
    const perKind = Object.fromEntries(
      kinds.map((k) => {
        const xs = samples.filter((s) => s.kind === k);
        const lat = xs.map((s) => s.end - s.start);
        return [
          k,
          {
            requests: xs.length,
            errors: xs.filter((s) => s.status !== 200).length,
            perSecond: round(xs.length / (phaseMs / 1000)),
            ...(k === 'upload' ? { imagesPerSecond: round((xs.length * BATCH) / (phaseMs / 1000)) } : {}),
            p50Ms: round(pct(lat, 50)),
            p99Ms: round(pct(lat, 99)),
            maxMs: round(Math.max(0, ...lat)),
          },
        ];
      }),
    );
    const w = trainingWindow!;
    const predictions = samples.filter((s) => s.kind === 'predict');
    const during = predictions.filter((s) => s.end >= w.start && s.end <= w.end).map((s) => s.end);
    const marks = [w.start, ...during.sort((a, b) => a - b), w.end];
    const maxGap = Math.max(...marks.slice(1).map((m, i) => m - marks[i]!));
    const outside = predictions.filter((s) => s.end < w.start || s.start > w.end).map((s) => s.end - s.start);
    const inside = predictions.filter((s) => s.start >= w.start && s.end <= w.end).map((s) => s.end - s.start);
    const errors = samples.filter((s) => s.status !== 200).length;
    const report = {
      machine: { cpus: cpus().length, node: process.version },
      uptimeBefore: loadBefore,
      uptimeAfter: loadAfter,
      setup: { ms: Math.round(setupMs), publishedImages: [...trees.values()].flat().length },
      phase: {
        ms: Math.round(phaseMs),
        uploaders: UPLOADERS,
        predictors: PREDICTORS,
        batch: BATCH,
        requests: samples.length,
        errors,
      },
      perKind,
      training: {
        images: [...flowers.values()].flat().length,
        ms: Math.round(w.end - w.start),
        predictionsCompletedDuring: during.length,
        maxGapBetweenPredictionsMs: round(maxGap),
        predictP50MsDuring: round(pct(inside, 50)),
        predictP99MsDuring: round(pct(inside, 99)),
        predictP50MsOutside: round(pct(outside, 50)),
        predictP99MsOutside: round(pct(outside, 99)),
      },
      serverRssMb: { beforePhase: rssBefore, afterPhase: rssAfter },
    };
    console.log(JSON.stringify(report, null, 2));
    if (errors) process.exitCode = 1;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// A hard bound on the whole run, whatever happens inside.
const guard = setTimeout(
  () => {
    console.error('load test: over its time bound; stopping');
    process.exit(2);
  },
  DURATION_MS + TRAINING_TIMEOUT_MS * 2 + 180_000,
);
guard.unref();
await main();
