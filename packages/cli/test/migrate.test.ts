/**
 * `cvkit migrate` as a user runs it: the built CLI, spawned, copies a classification and a detection project from
 * a source server with Azure's training rate limit (10 calls/s, 429 with Retry-After) to a second server; it is
 * killed (SIGKILL) midway and run again with the same state file. Every image, tag and region arrives exactly once.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainingClient, TrainingModels } from '@cvkit/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, TRAINING_KEY } from '../../server/test/helpers/test-server.ts';
import type { MigrationState } from '../src/migrate-state.ts';
import { client, repoRoot, seedClassification, seedDetection } from './helpers.ts';

const cliDir = join(repoRoot, 'packages', 'cli');
let source: TestServer;
let target: TestServer;
let front: Server; // in front of the source: counts its answers and throttles some more (below)
let sourceUrl: string;
const statuses: number[] = [];
let throttled = 0;
let work: string;
let detection: { projectId: string; images: number; regions: number };

beforeAll(async () => {
  const build = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'tsup', 'dist', 'cli-default.js')], {
    cwd: cliDir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(build.status, build.stderr).toBe(0);
  source = await startTestServer({ rateLimits: { training: 10, prediction: undefined } });
  target = await startTestServer();
  // The source itself limits training calls to 10/s, which a single CLI rarely reaches; every 7th API call and
  // image download is also refused the way Azure does (429, Retry-After, its body), so that waiting is exercised.
  let calls = 0;
  front = createServer((req, res) => {
    res.on('finish', () => statuses.push(res.statusCode));
    if (/^\/(customvision|files\/images)\//.test(req.url ?? '') && ++calls % 7 === 0) {
      throttled++;
      res.writeHead(429, { 'Retry-After': '1', 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ code: '429', message: 'Rate limit is exceeded. Try again in 1 seconds.' }));
      return;
    }
    source.server.app(req, res);
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  sourceUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  work = mkdtempSync(join(tmpdir(), 'cvkit-migrate-'));
  const from = client(source.url, TRAINING_KEY);
  await seedClassification(from);
  detection = await seedDetection(from);
}, 180_000);

afterAll(async () => {
  await new Promise((r) => front?.close(r));
  await source?.stop();
  await target?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function cvkit(args: string[]): ChildProcess & { output: string[] } {
  const child = spawn(process.execPath, [join(cliDir, 'bin', 'cvkit.js'), ...args], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { output: string[] };
  child.output = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    child.output.push(...lines);
    child.emit('lines');
  });
  child.stderr!.on('data', (chunk: Buffer) => child.output.push(`stderr: ${chunk}`));
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );

const migrateArgs = () => [
  'migrate',
  '--source-endpoint',
  sourceUrl,
  '--source-key',
  TRAINING_KEY,
  '--target-endpoint',
  target.url,
  '--target-key',
  TRAINING_KEY,
  '--state',
  'state.json',
  '--batch-size',
  '4',
];

async function images(trainer: TrainingClient, projectId: string) {
  const all: TrainingModels.Image[] = [];
  for await (const i of trainer.iterateImages(projectId)) all.push(i);
  return all;
}

/** Per image: its labels and metadata; the multiset over a project must match between source and copy. */
async function fingerprints(trainer: TrainingClient, projectId: string) {
  const names = new Map((await trainer.getTags(projectId)).map((t) => [t.id!, t.name!]));
  return (await images(trainer, projectId))
    .map((i) =>
      JSON.stringify([
        (i.tags ?? []).map((t) => names.get(t.tagId!)).sort(),
        (i.regions ?? []).map((r) => `${names.get(r.tagId!)}@${r.left.toFixed(4)},${r.top.toFixed(4)}`).sort(),
        Object.entries(i.metadata ?? {}).sort(),
        `${i.width}x${i.height}`,
      ]),
    )
    .sort();
}

// Generous: the machine running the tests may be busy; a quiet one takes about 30 s in all.
describe('cvkit migrate, killed midway and run again', { timeout: 180_000 }, () => {
  it('stops part way under SIGKILL, with some images copied and the state file saying which', async () => {
    const child = cvkit(migrateArgs());
    const done = exited(child);
    // Kill after 9 batches of 4 are uploaded and recorded: all 23 trees (6 batches), 12 of the 40 fork-scissors.
    await new Promise<void>((resolve) => {
      child.on('lines', () => {
        if (child.output.filter((l) => / images: \d+\/\d+$/.test(l)).length >= 9) resolve();
      });
      child.on('exit', () => resolve());
    });
    child.kill('SIGKILL');
    const { signal } = await done;
    expect(signal, child.output.join('\n')).toBe('SIGKILL');
    const state = JSON.parse(readFileSync(join(work, 'state.json'), 'utf8')) as MigrationState;
    const recorded = Object.values(state.projects).reduce((n, p) => n + Object.keys(p.images).length, 0);
    expect(recorded).toBeGreaterThanOrEqual(35);
    expect(recorded).toBeLessThan(23 + detection.images);
  });

  it('the rerun finishes: exit code 0, a table per project, every image, tag and region exactly once', async () => {
    // A kill can also land after the destination answered and before the state was saved: forget the last three
    // recorded images, and the id of the detection copy (as if killed right after CreateProject).
    const path = join(work, 'state.json');
    const state = JSON.parse(readFileSync(path, 'utf8')) as MigrationState;
    const od = Object.values(state.projects).find((p) => p.name === 'fork and scissors')!;
    const forgotten = Object.keys(od.images).slice(-3);
    for (const id of forgotten) delete od.images[id];
    od.targetProjectId = undefined;
    writeFileSync(path, JSON.stringify(state));

    const child = cvkit(migrateArgs());
    const { code } = await exited(child);
    const text = child.output.join('\n');
    expect(code, text).toBe(0);
    expect(text).toMatch(/project\s+target\s+images\s+copied\s+skipped\s+failed\s+regions\s+result/);
    expect(text).toMatch(/Everything was copied\./);
    console.info(text);

    const from = client(source.url, TRAINING_KEY);
    const to = client(target.url, TRAINING_KEY);
    const sourceProjects = await from.getProjects();
    const targetProjects = await to.getProjects();
    expect(targetProjects.map((p) => p.name).sort()).toEqual(sourceProjects.map((p) => p.name).sort());
    for (const sp of sourceProjects) {
      const tp = targetProjects.find((p) => p.name === sp.name)!;
      expect(tp.description).toBe(sp.description);
      expect(tp.settings?.domainId).toBe(sp.settings?.domainId);
      expect(tp.settings?.classificationType).toBe(sp.settings?.classificationType);
      const tags = async (c: TrainingClient, id: string) =>
        (await c.getTags(id)).map((t) => [t.name, t.type, t.description ?? '', t.imageCount]).sort();
      expect(await tags(to, tp.id!)).toEqual(await tags(from, sp.id!));
      const copied = await fingerprints(to, tp.id!);
      expect(copied).toEqual(await fingerprints(from, sp.id!));
      expect(copied.length).toBe(await from.getImageCount(sp.id!));
    }
    const copy = targetProjects.find((p) => p.name === 'fork and scissors')!;
    const regions = (await images(to, copy.id!)).reduce((n, i) => n + (i.regions?.length ?? 0), 0);
    expect(regions).toBe(detection.regions);
    // Refused calls were waited for and repeated: none is missing above.
    expect(throttled).toBeGreaterThan(5);
    console.info(`source answers: ${statuses.length}, of which 429: ${statuses.filter((s) => s === 429).length}`);
  });

  it('a third run copies nothing more and still exits 0', async () => {
    const to = client(target.url, TRAINING_KEY);
    const before = await Promise.all((await to.getProjects()).map((p) => to.getImageCount(p.id!)));
    const child = cvkit(migrateArgs());
    const { code } = await exited(child);
    expect(code, child.output.join('\n')).toBe(0);
    expect(child.output.join('\n')).toMatch(/trees\s+\S+\s+23\s+0\s+23\s+0/);
    const after = await Promise.all((await to.getProjects()).map((p) => to.getImageCount(p.id!)));
    expect(after).toEqual(before);
  });
});
