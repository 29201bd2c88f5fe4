import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { TrainingClient } from '@cvkit/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../lib/connect.ts';
import { listImages } from '../lib/folder-dataset.ts';
import { memoryOutput } from '../lib/output.ts';
import { datasetPath, repoRoot } from '../lib/paths.ts';
import { main } from '../migrate-from-azure.ts';
import { Recorder } from './helpers/recorder.ts';

describe('examples/migrate-from-azure.ts between two in-process cvkit servers', () => {
  const recorder = new Recorder('@cvkit/sdk', 'examples/migrate-from-azure');
  let source: LocalServer;
  let destination: LocalServer;
  let from: TrainingClient;
  let to: TrainingClient;
  let sourceProject: string;
  const names: string[] = [];

  beforeAll(async () => {
    source = await startLocalServer();
    destination = await startLocalServer();
    from = new TrainingClient({ endpoint: source.url, trainingKey: source.trainingKey });
    to = new TrainingClient({ endpoint: destination.url, trainingKey: destination.trainingKey });
    // A classification project: two regular tags, a negative tag, per-image metadata, and an untagged image.
    const p = await from.createProject({
      name: 'trees on Azure',
      description: 'to be moved',
      classificationType: 'Multiclass',
    });
    sourceProject = p.id!;
    const tags: Record<string, string> = {};
    for (const [name, type] of [
      ['Hemlock', 'Regular'],
      ['Japanese_Cherry', 'Regular'],
      ['none', 'Negative'],
    ] as const)
      tags[name] = (await from.createTag(sourceProject, { name, type })).id!;
    const files = [
      ...listImages(`${datasetPath('azure-cv-trees')}/Hemlock`)
        .slice(0, 3)
        .map((f) => ({ f, tag: 'Hemlock' })),
      ...listImages(`${datasetPath('azure-cv-trees')}/Japanese_Cherry`)
        .slice(0, 3)
        .map((f) => ({ f, tag: 'Japanese_Cherry' })),
      ...listImages(`${datasetPath('azure-cv-fork-scissors')}/fork`)
        .slice(0, 2)
        .map((f) => ({ f, tag: 'none' })),
    ];
    for (const [i, { f, tag }] of files.entries()) {
      names.push(f);
      await from.uploadImages(sourceProject, [{ image: await readFile(f), tagIds: [tags[tag]!] }], {
        metadata: { index: String(i), site: i % 2 ? 'north' : 'south' },
      });
    }
    await from.uploadImages(sourceProject, [
      await readFile(listImages(`${datasetPath('azure-cv-fork-scissors')}/scissors`)[0]!),
    ]);
  });
  afterAll(async () => {
    await source?.stop();
    await destination?.stop();
  });

  it('copies project, tags (with their types), images, tags per image and metadata, and verifies the copy', async () => {
    const out = memoryOutput();
    const r = await main({
      env: {},
      out,
      onResponse: recorder.onResponse,
      source: { endpoint: source.url, trainingKey: source.trainingKey },
      destination: { endpoint: destination.url, trainingKey: destination.trainingKey },
      batchSize: 4, // several batches even for this small project
    });
    expect(r.sourceProjectId).toBe(sourceProject);
    expect(r.images).toMatchObject({ total: 9, copied: 9, duplicates: 0, failed: [] });
    expect(r.mismatches).toEqual([]);

    const copy = await to.getProject(r.projectId);
    expect(copy).toMatchObject({ name: 'trees on Azure', description: 'to be moved' });
    expect(copy.settings?.classificationType).toBe('Multiclass');
    const tags = await to.getTags(r.projectId);
    expect(tags.map((t) => [t.name, t.type, t.imageCount]).sort()).toEqual([
      ['Hemlock', 'Regular', 3],
      ['Japanese_Cherry', 'Regular', 3],
      ['none', 'Negative', 2],
    ]);
    const images = [];
    for await (const i of to.iterateImages(r.projectId, { orderBy: 'Oldest' })) images.push(i);
    // Original order kept; metadata travels with each image.
    expect(images.slice(0, 8).map((i) => i.metadata?.index)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    expect(images[8]!.tags ?? []).toEqual([]);
    expect(out.lines.join('\n')).toMatch(/Copying images 9\/9/);
  });

  it('resumes into an existing project: images already there count as duplicates', async () => {
    const first = (await to.getProjects())[0]!;
    const r = await main({
      env: {},
      out: memoryOutput(),
      onResponse: recorder.onResponse,
      source: { endpoint: source.url, trainingKey: source.trainingKey },
      destination: { endpoint: destination.url, trainingKey: destination.trainingKey },
      projectId: sourceProject,
      destinationProjectId: first.id!,
    });
    expect(r.images).toMatchObject({ total: 9, copied: 9, duplicates: 9, failed: [] });
    expect(await to.getImageCount(first.id!)).toBe(9);
  });

  it('runs the demonstration (object detection with regions) when no source is configured', async () => {
    const r = await main({ env: {}, out: memoryOutput(), onResponse: recorder.onResponse });
    expect(r.demo).toBe(true);
    expect(r.regions).toBeGreaterThanOrEqual(12);
    expect(r.images.failed).toEqual([]);
    expect(r.mismatches).toEqual([]);
  });

  it('runs as a script (npx tsx examples/migrate-from-azure.ts): the demonstration, exit code 0', () => {
    const tsx = join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');
    const env = { ...process.env };
    for (const k of Object.keys(env))
      if (k.startsWith('CUSTOM_VISION_') || k.startsWith('CVKIT_ENDPOINT')) delete env[k];
    const run = spawnSync(process.execPath, [tsx, 'examples/migrate-from-azure.ts'], {
      cwd: repoRoot,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Copying images .*14\/14/);
    expect(run.stdout).toMatch(/The copy matches the source\./);
  });
});
