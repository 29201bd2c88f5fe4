/**
 * Advanced training end to end through the HTTP API: a General classification project with the 200
 * mlnet-flowers-small photos, TrainProject with trainingType=Advanced and a cold feature cache (a fresh data
 * directory per run), timed until the iteration is Completed. Reports wall time and this process's CPU time (server,
 * fitting worker, onnxruntime threads: less sensitive than wall time to other load on the machine), and the top-1
 * accuracy of the out-of-fold predictions GetImagePerformances returns (the cross-validation TrainProject stores).
 * Prints one JSON document.
 * Run: `npm run -s bench:advanced -w @cvkit/server` (BENCH_RUNS, default 1; BENCH_TYPE=Regular for comparison).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '../src/app.ts';
import { defaultConfig } from '../src/config.ts';
import { createLogger } from '../src/logging.ts';
import { datasetImages } from '../test/helpers/datasets.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const TRAINING_TYPE = process.env.BENCH_TYPE === 'Regular' ? 'Regular' : 'Advanced';
const GENERAL = 'ee85a74c-405e-4adc-bb47-ffa8ca0c9f31';
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

const train = datasetImages('mlnet-flowers-small', 'train');
const runs: Record<string, unknown>[] = [];
for (let run = 0; run < RUNS; run++) {
  const dataDir = mkdtempSync(join(tmpdir(), 'cvkit-bench-adv-'));
  const server = await createServer(defaultConfig({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent' }), {
    logger: createLogger('warn'),
  });
  const url = await server.listen();
  const call = async <T = Record<string, unknown>>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${url}/customvision/v3.3/training${path}`, {
      ...init,
      headers: { 'Training-Key': defaultConfig().trainingKey, 'Content-Type': 'application/json' },
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<T>;
  };
  const project = await call(`/projects?name=advanced&domainId=${GENERAL}`, { method: 'POST' });
  const uploads: { name: string; contents: string; tagIds: string[] }[] = [];
  for (const [tag, files] of train) {
    const { id } = await call(`/projects/${project.id}/tags?name=${tag}`, { method: 'POST' });
    for (const f of files) uploads.push({ name: f.file, contents: f.bytes.toString('base64'), tagIds: [id as string] });
  }
  for (let i = 0; i < uploads.length; i += 64) {
    await call(`/projects/${project.id}/images/files`, {
      method: 'POST',
      body: JSON.stringify({ images: uploads.slice(i, i + 64) }),
    });
  }
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const it = await call(`/projects/${project.id}/train?trainingType=${TRAINING_TYPE}`, { method: 'POST' });
  for (;;) {
    const now = await call(`/projects/${project.id}/iterations/${it.id}`);
    if (now.status === 'Completed') break;
    if (now.status !== 'Training') throw new Error(`training ${now.status}: ${now.trainingErrorDetails}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const evaluated = await call<{ tags: { tagId: string }[]; predictions: { tagId: string; probability: number }[] }[]>(
    `/projects/${project.id}/iterations/${it.id}/performance/images?take=256`,
  );
  const correct = evaluated.filter((img) => {
    const top = [...img.predictions].sort((a, b) => b.probability - a.probability)[0];
    return top !== undefined && img.tags.some((t) => t.tagId === top.tagId);
  }).length;
  runs.push({
    images: uploads.length,
    evaluated: evaluated.length,
    cvAccuracy: round(correct / evaluated.length, 3),
    trainWallS: round(wallMs / 1000, 2),
    trainCpuS: round((cpu.user + cpu.system) / 1e6, 2),
    loadAverageAfter: loadavg().map((x) => round(x, 2)),
  });
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(
  JSON.stringify({ dataset: 'mlnet-flowers-small', domain: 'General', trainingType: TRAINING_TYPE, runs }, null, 2),
);
process.exit(0);
