/**
 * Prediction throughput through the HTTP API beside the bare backbone's, on the same photo and in the same run (the
 * ratio says how much of the hardware the server uses; absolute figures move with the machine's load).
 *
 *   npm run bench:throughput -w @cvkit/server
 *   BENCH_CONCURRENCY=1,8,16 BENCH_SECONDS=10 BENCH_DOMAINS=general,compact,detection BENCH_STORE=1 npm run bench:throughput -w @cvkit/server
 *   BENCH_PROFILE=1 …   also writes the server's CPU profile (--cpu-prof) under bench-results/
 *
 * The server runs in a child process (`src/cli.ts`), trained on azure-cv-trees and published (the `detection` domain:
 * General object detection trained on azure-cv-fork-scissors); each concurrency level is measured by a client process
 * (bench/throughput-client.mjs) sending a 1155×866 JPEG to ClassifyImage or DetectImage (`/image`, which stores the
 * prediction, or `/image/nostore` when BENCH_STORE=0). The bare backbone figure (classification) is preprocess +
 * embed of the same photo in batches of 8 in this process, with the server idle. Each level also reports the CPU
 * time the server and the client spent per prediction, and what the two cores could answer at that cost.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { embedViews, getBackboneWithRuntime, predictionViewsFor } from '@cvkit/ml';
import sharp from 'sharp';
import { DEV_PREDICTION_KEY, DEV_TRAINING_KEY } from '../src/config.ts';
import { datasetImages } from '../test/helpers/datasets.ts';

const execFileAsync = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const serverDir = resolve(here, '..');
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,4,8,16').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const DOMAINS = (process.env.BENCH_DOMAINS ?? 'general,compact,detection').split(',');
const STORE = process.env.BENCH_STORE !== '0';
const PROFILE = process.env.BENCH_PROFILE === '1';
const DOMAIN_IDS: Record<string, string> = {
  general: 'ee85a74c-405e-4adc-bb47-ffa8ca0c9f31',
  compact: '0732100f-1a38-4e49-a514-c9b44c697ab5',
  detection: 'da2e3a8a-40a5-4171-82f4-58522f70fbc1',
};
const BACKBONE_OF: Record<string, string> = { general: 'mnv2-140-b12-msqrt', compact: 'mnv2-140-gap' };

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? Number.NaN;
const round = (x: number) => Math.round(x * 10) / 10;

async function startServer(dataDir: string, profileDir: string): Promise<{ url: string; child: ChildProcess }> {
  const args = [
    '--import',
    'tsx',
    // As `npm start` runs the server; BENCH_NODE_FLAGS replaces it (BENCH_NODE_FLAGS=' ' for Node's defaults).
    ...(process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=32').split(' ').filter(Boolean),
    ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
  ];
  const child = spawn(
    process.execPath,
    [...args, join(serverDir, 'src/cli.ts'), '--port', '0', '--data-dir', dataDir],
    { cwd: serverDir, env: { ...process.env, CVKIT_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = await new Promise<string>((resolvePromise, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const m = out.match(/http:\/\/(127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1?\]):\d+/);
      if (m) resolvePromise(m[0].replace('0.0.0.0', '127.0.0.1'));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
  return { url, child };
}

async function publishedModel(url: string, domainId: string): Promise<string> {
  const api = `${url}/customvision/v3.3/training`;
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(api + path, { ...init, headers: { 'Training-Key': DEV_TRAINING_KEY, ...init.headers } });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, string>>;
  };
  const detection = domainId === DOMAIN_IDS.detection;
  const project = await call(`/projects?name=throughput&classificationType=Multiclass&domainId=${domainId}`, {
    method: 'POST',
  });
  if (detection) await uploadDetectionPhotos(call, project.id!);
  else {
    for (const [tag, files] of datasetImages('azure-cv-trees', 'train')) {
      const t = await call(`/projects/${project.id}/tags?name=${tag}`, { method: 'POST' });
      const form = new FormData();
      for (const f of files) form.append('imageData', new Blob([new Uint8Array(f.bytes)]), f.file);
      await call(`/projects/${project.id}/images?tagIds=${t.id}`, { method: 'POST', body: form });
    }
  }
  const it = await call(`/projects/${project.id}/train`, { method: 'POST' });
  for (;;) {
    const now = await call(`/projects/${project.id}/iterations/${it.id}`);
    if (now.status === 'Completed') break;
    if (now.status !== 'Training') throw new Error(`training ${now.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await call(`/projects/${project.id}/iterations/${it.id}/publish?publishName=bench&predictionId=x`, {
    method: 'POST',
  });
  const kind = detection ? 'detect' : 'classify';
  return `${url}/customvision/v3.1/prediction/${project.id}/${kind}/iterations/bench/image${STORE ? '' : '/nostore'}`;
}

type Call = (path: string, init?: RequestInit) => Promise<Record<string, string>>;

/** azure-cv-fork-scissors' training photos with their boxes, in CreateImagesFromFiles batches. */
async function uploadDetectionPhotos(call: Call, projectId: string): Promise<void> {
  const dir = resolve(serverDir, '../../data/datasets/azure-cv-fork-scissors');
  const photos = (
    JSON.parse(readFileSync(join(dir, 'annotations.json'), 'utf8')) as {
      images: { file: string; regions: { tag: string; left: number; top: number; width: number; height: number }[] }[];
    }
  ).images.filter((p) => p.file.startsWith('train/') && p.regions.length);
  const tags: Record<string, string> = {};
  for (const name of new Set(photos.flatMap((p) => p.regions.map((r) => r.tag)))) {
    tags[name] = (await call(`/projects/${projectId}/tags?name=${name}`, { method: 'POST' })).id!;
  }
  for (let i = 0; i < photos.length; i += 64) {
    await call(`/projects/${projectId}/images/files`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        images: photos.slice(i, i + 64).map((p) => ({
          name: p.file,
          contents: readFileSync(join(dir, p.file)).toString('base64'),
          regions: p.regions.map(({ tag, ...box }) => ({ tagId: tags[tag], ...box })),
        })),
      }),
    });
  }
}

/** CPU time (user + system, every thread) a process has used, from /proc (Linux). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Images per second of preprocess + embed alone, batches of 8, the photo's prediction views; and the CPU they took. */
async function bareBackbone(domain: string, photo: Buffer): Promise<{ perSecond: number; cpuMs: number }> {
  const { backbone } = await getBackboneWithRuntime(BACKBONE_OF[domain]!);
  // The views a head trained today reads at prediction (training/views.ts: the centre alone, both domains).
  const views = predictionViewsFor(true);
  const cpuBefore = process.cpuUsage();
  const until = performance.now() + SECONDS * 1000;
  let done = 0;
  while (performance.now() < until) {
    await Promise.all(Array.from({ length: 8 }, () => embedViews(backbone, photo, views)));
    done += 8;
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { perSecond: done / SECONDS, cpuMs: (cpu.user + cpu.system) / 1000 / done };
}

async function main() {
  const [first] = [...datasetImages('azure-cv-trees', 'train').values()][0]!;
  const photo = await sharp(first!.bytes).rotate().resize(1155, 866, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();
  const work = mkdtempSync(join(tmpdir(), 'cvkit-throughput-'));
  const photoFile = join(work, 'photo.jpg');
  writeFileSync(photoFile, photo);
  const profileDir = resolve(serverDir, 'bench-results', 'cpu-profiles');
  if (PROFILE) mkdirSync(profileDir, { recursive: true });
  const report: Record<string, unknown> = {
    machine: { cpus: cpus().length, node: process.version, loadBefore: loadavg().map(round) },
    photo: '1155×866 JPEG',
    stored: STORE,
    seconds: SECONDS,
  };
  try {
    for (const domain of DOMAINS) {
      const dataDir = join(work, domain);
      const { url, child } = await startServer(dataDir, profileDir);
      try {
        const endpoint = await publishedModel(url, DOMAIN_IDS[domain]!);
        const levels: Record<string, unknown> = {};
        for (const c of CONCURRENCY) {
          const serverCpuBefore = processCpuMs(child.pid!);
          const { stdout } = await execFileAsync(
            process.execPath,
            [
              join(here, 'throughput-client.mjs'),
              endpoint,
              photoFile,
              DEV_PREDICTION_KEY,
              String(c),
              String(SECONDS * 1000),
              '1500',
            ],
            { maxBuffer: 64 << 20 },
          );
          const serverCpu = processCpuMs(child.pid!) - serverCpuBefore;
          const r = JSON.parse(stdout) as {
            count: number;
            seconds: number;
            latencies: number[];
            total: number;
            cpuMs: number;
          };
          const cpuPerPrediction = (serverCpu + r.cpuMs) / r.total;
          levels[`c${c}`] = {
            perSecond: round(r.count / r.seconds),
            p50: round(pct(r.latencies, 50)),
            p99: round(pct(r.latencies, 99)),
            serverCpuMs: round(serverCpu / r.total),
            clientCpuMs: round(r.cpuMs / r.total),
            // What the cores could answer if nothing else ran: less sensitive to a busy machine than perSecond.
            cpuBoundPerSecond: round((1000 * cpus().length) / cpuPerPrediction),
          };
        }
        child.kill('SIGINT');
        await new Promise((r) => child.once('exit', r));
        if (domain === 'detection') {
          report[domain] = { server: levels };
          continue;
        }
        const bare = await bareBackbone(domain, photo);
        const best = Math.max(...Object.values(levels).map((l) => (l as { perSecond: number }).perSecond));
        report[domain] = {
          server: levels,
          bareBackbonePerSecond: round(bare.perSecond),
          bareCpuMs: round(bare.cpuMs),
          bareCpuBoundPerSecond: round((1000 * cpus().length) / bare.cpuMs),
          serverOverBare: round((100 * best) / bare.perSecond) / 100,
        };
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  report.loadAfter = loadavg().map(round);
  if (PROFILE) report.profiles = profileDir;
  console.log(JSON.stringify(report, null, 2));
}

await main();
