/**
 * Object detection through the HTTP API with the real engine, on the two detection photo sets in data/datasets:
 *   - mAP@0.5 (and @0.3, Azure's default overlap) of the out-of-fold boxes of TrainProject's 5-fold
 *     cross-validation, as GetIterationPerformance reports it, with per-tag AP
 *   - TrainProject → Completed with a cold feature cache (every photo embedded)
 *   - DetectImage /nostore latency for a ~1 MP JPEG (1155×866), sequential requests from a separate client process
 *     (bench/predict-client.mjs), after 5 warm-up calls
 * ai102-fruit-detection has 9, 10 and 13 photos per tag, fewer than Azure's 15: its server runs with
 * minImagesPerDetectionTag lowered to 5. Prints one JSON document.
 * Run: `npm run -s bench:detection -w @cvkit/server` (BENCH_RUNS, BENCH_PREDICTIONS).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { createServer } from '../src/app.ts';
import { defaultConfig } from '../src/config.ts';
import { azureLimits } from '../src/domain/limits.ts';
import { createLogger } from '../src/logging.ts';

const execFileAsync = promisify(execFile);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PREDICTIONS = Number(process.env.BENCH_PREDICTIONS ?? 60);
const DATA = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../data/datasets');
const OD_GENERAL = 'da2e3a8a-40a5-4171-82f4-58522f70fbc1';

interface Annotated {
  file: string;
  regions: { tag: string; left: number; top: number; width: number; height: number }[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function measure(name: string, minPerTag: number) {
  const dir = join(DATA, name);
  const photos = (
    JSON.parse(readFileSync(join(dir, 'annotations.json'), 'utf8')) as { images: Annotated[] }
  ).images.filter((p) => p.file.startsWith('train/') && p.regions.length);
  const tagNames = [...new Set(photos.flatMap((p) => p.regions.map((r) => r.tag)))].sort();
  const trainMs: number[] = [];
  const trainCpuMs: number[] = [];
  const predictMs: number[] = [];
  let performance50: Record<string, unknown> = {};
  let performance30: Record<string, unknown> = {};
  for (let run = 0; run < RUNS; run++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'cvkit-bench-det-'));
    const server = await createServer(
      defaultConfig({
        port: 0,
        host: '127.0.0.1',
        dataDir,
        logLevel: 'silent',
        limits: { ...azureLimits, minImagesPerDetectionTag: minPerTag },
      }),
      { logger: createLogger('warn') },
    );
    const url = await server.listen();
    const call = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${url}/customvision/v3.3/training${path}`, {
        ...init,
        headers: {
          'Training-Key': defaultConfig().trainingKey,
          'Content-Type': 'application/json',
          ...(init.headers as Record<string, string>),
        },
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<Record<string, unknown>>;
    };
    const project = await call(`/projects?name=bench&domainId=${OD_GENERAL}`, { method: 'POST' });
    const tags: Record<string, string> = {};
    for (const t of tagNames)
      tags[t] = (await call(`/projects/${project.id}/tags?name=${t}`, { method: 'POST' })).id as string;
    for (let i = 0; i < photos.length; i += 64) {
      await call(`/projects/${project.id}/images/files`, {
        method: 'POST',
        body: JSON.stringify({
          images: photos.slice(i, i + 64).map((p) => ({
            name: p.file,
            contents: readFileSync(join(dir, p.file)).toString('base64'),
            regions: p.regions.map((r) => ({
              tagId: tags[r.tag],
              left: r.left,
              top: r.top,
              width: r.width,
              height: r.height,
            })),
          })),
        }),
      });
    }
    const started = performance.now();
    // CPU time of this process (server, its fitting worker, onnxruntime's threads): less sensitive than wall time
    // to other load on the machine.
    const cpuBefore = process.cpuUsage();
    const it = await call(`/projects/${project.id}/train`, { method: 'POST' });
    for (;;) {
      const now = await call(`/projects/${project.id}/iterations/${it.id}`);
      if (now.status === 'Completed') break;
      if (now.status !== 'Training') throw new Error(`training ${now.status}: ${now.trainingErrorDetails}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    trainMs.push(performance.now() - started);
    const cpu = process.cpuUsage(cpuBefore);
    trainCpuMs.push((cpu.user + cpu.system) / 1000);
    if (run === 0) {
      const summary = async (overlap: number) => {
        const p = await call(
          `/projects/${project.id}/iterations/${it.id}/performance?threshold=0.5&overlapThreshold=${overlap}`,
        );
        const perTag = p.perTagPerformance as {
          name: string;
          averagePrecision: number;
          precision: number;
          recall: number;
        }[];
        return {
          mAP: round(p.averagePrecision as number, 3),
          precision: round(p.precision as number, 3),
          recall: round(p.recall as number, 3),
          perTagAP: Object.fromEntries(perTag.map((t) => [t.name, round(t.averagePrecision, 3)])),
        };
      };
      performance50 = await summary(0.5);
      performance30 = await summary(0.3);
      await call(`/projects/${project.id}/iterations/${it.id}/publish?publishName=bench&predictionId=x`, {
        method: 'POST',
      });
      const photo = await sharp(readFileSync(join(dir, photos[0]!.file)))
        .rotate()
        .resize(1155, 866, { fit: 'fill' })
        .jpeg({ quality: 90 })
        .toBuffer();
      const photoFile = join(dataDir, 'bench-photo.jpg');
      writeFileSync(photoFile, photo);
      const { stdout } = await execFileAsync(process.execPath, [
        fileURLToPath(new URL('./predict-client.mjs', import.meta.url)),
        `${url}/customvision/v3.1/prediction/${project.id}/detect/iterations/bench/image/nostore`,
        photoFile,
        defaultConfig().predictionKey,
        String(PREDICTIONS),
        '5',
      ]);
      predictMs.push(...(JSON.parse(stdout) as number[]));
    }
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return {
    images: photos.length,
    boxes: photos.reduce((n, p) => n + p.regions.length, 0),
    tags: tagNames.length,
    minImagesPerDetectionTag: minPerTag,
    cv5Fold: { overlap50: performance50, overlap30: performance30 },
    trainColdMs: { median: round(median(trainMs)), all: trainMs.map((x) => round(x)) },
    trainColdCpuMs: { median: round(median(trainCpuMs)), all: trainCpuMs.map((x) => round(x)) },
    loadAverageAfter: (await import('node:os')).loadavg().map((x) => round(x, 2)),
    detect1MpJpegMs: {
      p50: round(pct(predictMs, 50)),
      p90: round(pct(predictMs, 90)),
      p99: round(pct(predictMs, 99)),
      n: predictMs.length,
    },
  };
}

const report = {
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  runs: RUNS,
  targets: { mAP50ForkScissors: 0.85, train40Ms: 30_000, detectP50Ms: 100 },
  'azure-cv-fork-scissors': await measure('azure-cv-fork-scissors', azureLimits.minImagesPerDetectionTag),
  // 9, 10 and 13 photos per tag: below Azure's 15, so the minimum is lowered for this set.
  'ai102-fruit-detection': await measure('ai102-fruit-detection', 5),
};
console.log(JSON.stringify(report, null, 2));
