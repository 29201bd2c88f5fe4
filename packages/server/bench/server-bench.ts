/**
 * Server-side figures on this machine, through the HTTP API with the real engine, for a General (bilinear
 * backbone) and a General (compact) project:
 *   - TrainProject → Completed for a 20-image project (azure-cv-trees train split), cold feature cache
 *   - retrain after adding one image (features of the other 20 cached)
 *   - the longest event-loop stall while training (what other requests wait at worst)
 *   - ClassifyImage latency for a ~1 MP JPEG (p50 / p90 / p99 over sequential requests from a separate client
 *     process, bench/predict-client.mjs)
 * Prints one JSON document. Run: `npm run bench -w @cvkit/server` (BENCH_RUNS,
 * BENCH_PREDICTIONS).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { createServer } from '../src/app.ts';
import { defaultConfig } from '../src/config.ts';
import { createLogger } from '../src/logging.ts';
import { datasetImages } from '../test/helpers/datasets.ts';

const execFileAsync = promisify(execFile);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PREDICTIONS = Number(process.env.BENCH_PREDICTIONS ?? 60);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

const DOMAINS = {
  general: 'ee85a74c-405e-4adc-bb47-ffa8ca0c9f31',
  compact: '0732100f-1a38-4e49-a514-c9b44c697ab5',
} as const;

async function run() {
  const train = datasetImages('azure-cv-trees', 'train');
  const [testImage] = [...datasetImages('azure-cv-trees', 'test').values()].flat();
  const report: Record<string, unknown> = {
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    engine: await (await import('../src/ml/ml-engine.ts')).describeEngine(),
    runs: RUNS,
  };
  for (const [domain, domainId] of Object.entries(DOMAINS)) {
    report[domain] = await measure(domainId, train, testImage!);
  }
  console.log(JSON.stringify(report, null, 2));
}

async function measure(
  domainId: string,
  train: ReturnType<typeof datasetImages>,
  testImage: { bytes: Buffer; file: string },
) {
  const results = {
    train20ColdMs: [] as number[],
    retrainPlusOneMs: [] as number[],
    trainingEventLoopMaxMs: [] as number[],
    predictMs: [] as number[],
  };

  for (let r = 0; r < RUNS; r++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'cvkit-bench-'));
    const server = await createServer(defaultConfig({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent' }), {
      logger: createLogger('warn'),
    });
    const url = await server.listen();
    const api = `${url}/customvision/v3.3/training`;
    const key = { 'Training-Key': defaultConfig().trainingKey };
    const call = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(api + path, {
        ...init,
        headers: { ...key, ...(init.headers as Record<string, string>) },
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<Record<string, unknown>>;
    };
    const project = await call(`/projects?name=bench&classificationType=Multiclass&domainId=${domainId}`, {
      method: 'POST',
    });
    for (const [tag, files] of train) {
      const t = await call(`/projects/${project.id}/tags?name=${tag}`, { method: 'POST' });
      const form = new FormData();
      for (const f of files) form.append('imageData', new Blob([new Uint8Array(f.bytes)]), f.file);
      await call(`/projects/${project.id}/images?tagIds=${t.id}`, { method: 'POST', body: form });
    }
    const trainAndWait = async () => {
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      try {
        const it = await call(`/projects/${project.id}/train`, { method: 'POST' });
        for (;;) {
          const now = await call(`/projects/${project.id}/iterations/${it.id}`);
          if (now.status !== 'Training') {
            if (now.status !== 'Completed') throw new Error(`training ${now.status}: ${now.trainingErrorDetails}`);
            return now;
          }
          await new Promise((res) => setTimeout(res, 25));
        }
      } finally {
        delay.disable();
        results.trainingEventLoopMaxMs.push(delay.max / 1e6);
      }
    };
    const [, cold] = await timed(trainAndWait);
    results.train20ColdMs.push(cold);
    const tags = (await call(`/projects/${project.id}/tags`)) as unknown as { id: string; name: string }[];
    const form = new FormData();
    form.append('imageData', new Blob([new Uint8Array(testImage.bytes)]), testImage.file);
    await call(`/projects/${project.id}/images?tagIds=${tags.find((t) => t.name === 'Hemlock')!.id}`, {
      method: 'POST',
      body: form,
    });
    const [latest, warm] = await timed(trainAndWait);
    results.retrainPlusOneMs.push(warm);

    if (r === 0) {
      await call(`/projects/${project.id}/iterations/${latest.id}/publish?publishName=bench&predictionId=x`, {
        method: 'POST',
      });
      // A ~1 MP JPEG: the first training photo resized to 1155×866.
      const photo = await sharp([...train.values()][0]![0]!.bytes)
        .rotate()
        .resize(1155, 866, { fit: 'fill' })
        .jpeg({ quality: 90 })
        .toBuffer();
      const predict = `${url}/customvision/v3.1/prediction/${project.id}/classify/iterations/bench/image/nostore`;
      const photoFile = join(dataDir, 'bench-photo.jpg');
      writeFileSync(photoFile, photo);
      // The client runs in its own process: in this one, its HTTP work would share the server's event loop.
      const { stdout } = await execFileAsync(process.execPath, [
        fileURLToPath(new URL('./predict-client.mjs', import.meta.url)),
        predict,
        photoFile,
        defaultConfig().predictionKey,
        String(PREDICTIONS),
        '5', // the first few warm up the model cache
      ]);
      results.predictMs.push(...(JSON.parse(stdout) as number[]));
    }
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    train20ColdMs: {
      median: round(median(results.train20ColdMs)),
      all: results.train20ColdMs.map(round),
      target: 10_000,
    },
    retrainPlusOneMs: {
      median: round(median(results.retrainPlusOneMs)),
      all: results.retrainPlusOneMs.map(round),
      target: 2_000,
    },
    trainingEventLoopMaxMs: { all: results.trainingEventLoopMaxMs.map(round) },
    predict1MpJpegMs: {
      p50: round(pct(results.predictMs, 50)),
      p90: round(pct(results.predictMs, 90)),
      p99: round(pct(results.predictMs, 99)),
      n: results.predictMs.length,
      target_p50: 30,
    },
  };
}

await run();
