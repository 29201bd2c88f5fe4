/**
 * `cvkit dataset export/import` against a cvkit server, as a user runs them: every format round-trips a project
 * of the repository's own photos (export, import into a new project, export again) and keeps what it can hold.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, TRAINING_KEY } from '../../server/test/helpers/test-server.ts';
import { runCli } from '../src/cli.ts';
import { readTree } from '../src/file-tree.ts';
import { type Dataset, fingerprint, formats } from '../src/formats/index.ts';
import { collectingOutput } from '../src/output.ts';
import { client, datasetDir, seedClassification, seedDetection } from './helpers.ts';

let server: TestServer;
let work: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer();
  work = mkdtempSync(join(tmpdir(), 'cvkit-dataset-'));
  const trainer = client(server.url, TRAINING_KEY);
  ids.classification = await seedClassification(trainer);
  ids.detection = (await seedDetection(trainer)).projectId;
}, 120_000);
afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function cli(...args: string[]) {
  const out = collectingOutput();
  const code = await runCli(args, {}, out);
  return { code, text: out.lines.join('\n') };
}

const connection = () => ['--endpoint', server.url, '--training-key', TRAINING_KEY];

/** A dataset's content without names: per image (by bytes) its tags, boxes (to 1e-4) and metadata. */
function content(d: Dataset, drop: { metadata?: boolean; tagTypes?: boolean } = {}) {
  const images = d.images
    .map((i) =>
      JSON.stringify([
        fingerprint(i.bytes),
        [...i.tags].sort(),
        i.regions
          .map((r) => `${r.tag}@${[r.left, r.top, r.width, r.height].map((x) => x.toFixed(4)).join(',')}`)
          .sort(),
        drop.metadata ? {} : Object.fromEntries(Object.entries(i.metadata).sort()),
      ]),
    )
    .sort();
  const tags = d.tags
    .map((t) => (drop.tagTypes ? t.name : `${t.name}|${t.type ?? 'Regular'}|${t.description ?? ''}`))
    .sort();
  return { images, tags };
}

describe.each([
  ['csv', 'classification', {}],
  ['folders', 'classification', { metadata: true, tagTypes: true }],
  ['coco', 'detection', {}],
  ['yolo', 'detection', { metadata: true, tagTypes: true }],
  ['voc', 'detection', { metadata: true, tagTypes: true }],
] as const)('%s', (format, kind, lost: { metadata?: boolean; tagTypes?: boolean }) => {
  it('round-trips: export, import into a new project, export again', async () => {
    const first = join(work, `${format}-1`);
    const second = join(work, `${format}-2`);
    const exported = await cli(
      'dataset',
      'export',
      ...connection(),
      '--project',
      ids[kind]!,
      '--format',
      format,
      '--out',
      first,
    );
    expect(exported.code, exported.text).toBe(0);
    expect(exported.text).toContain(`The ${format} format cannot carry: ${formats[format].cannotCarry.join('; ')}`);

    const imported = await cli(
      'dataset',
      'import',
      ...connection(),
      '--format',
      format,
      '--in',
      first,
      '--name',
      `${format} copy`,
    );
    expect(imported.code, imported.text).toBe(0);
    const copyId = /Imported into project (\S+):/.exec(imported.text)![1]!;
    expect(imported.text).toMatch(/ 0 failed/);

    const again = await cli(
      'dataset',
      'export',
      ...connection(),
      '--project',
      copyId,
      '--format',
      format,
      '--out',
      second,
    );
    expect(again.code, again.text).toBe(0);

    const a = formats[format].read(await readTree(first));
    const b = formats[format].read(await readTree(second));
    expect(b.images.length).toBe(a.images.length);
    expect(content(b)).toEqual(content(a));

    // Against the project itself: everything but what the format says it cannot carry.
    const trainer = client(server.url, TRAINING_KEY);
    const original = await import('../src/project-dataset.ts').then((m) => m.readProject(trainer, ids[kind]!));
    const expected = content(original, lost);
    const got = content(a, lost);
    if (format === 'voc') {
      // Whole pixels: each box within half a pixel of the project's (plus float noise).
      const byBytes = new Map(original.images.map((i) => [fingerprint(i.bytes), i]));
      expect(a.images.length).toBe(original.images.length);
      for (const image of a.images) {
        const source = byBytes.get(fingerprint(image.bytes))!;
        expect(image.tags.sort()).toEqual([...source.tags].sort());
        const order = (r: { left: number; tag: string }) => `${r.tag}${r.left.toFixed(2)}`;
        const boxes = [...image.regions].sort((x, y) => order(x).localeCompare(order(y)));
        const want = [...source.regions].sort((x, y) => order(x).localeCompare(order(y)));
        expect(boxes.map((r) => r.tag)).toEqual(want.map((r) => r.tag));
        boxes.forEach((r, k) => {
          const w = want[k]!;
          const px = 0.5 / Math.min(image.width!, image.height!) + 1e-9;
          for (const key of ['left', 'top'] as const) expect(Math.abs(r[key] - w[key])).toBeLessThanOrEqual(px);
          for (const key of ['width', 'height'] as const) expect(Math.abs(r[key] - w[key])).toBeLessThanOrEqual(2 * px);
        });
      }
    } else expect(got.images).toEqual(expected.images);
    if (!lost.tagTypes) expect(got.tags).toEqual(expected.tags);
  });
});

describe('what the round trip keeps, in figures', () => {
  it('trees as csv: 22 images, metadata on 11, the Negative tag with its description, one untagged', async () => {
    const d = formats.csv.read(await readTree(join(work, 'csv-1')));
    expect(d.images).toHaveLength(23);
    expect(d.images.filter((i) => Object.keys(i.metadata).length)).toHaveLength(11);
    expect(d.images.filter((i) => !i.tags.length)).toHaveLength(1);
    expect(d.tags).toContainEqual({ name: 'none', type: 'Negative', description: 'no tree' });
  });

  it('fork-scissors as coco: every box of annotations.json, in pixels', async () => {
    const d = formats.coco.read(await readTree(join(work, 'coco-1')));
    const annotations = JSON.parse(
      (await import('node:fs')).readFileSync(join(datasetDir('azure-cv-fork-scissors'), 'annotations.json'), 'utf8'),
    ) as { images: { file: string; regions: unknown[] }[] };
    const train = annotations.images.filter((i) => i.file.startsWith('train/'));
    expect(d.images).toHaveLength(train.length);
    expect(d.images.reduce((n, i) => n + i.regions.length, 0)).toBe(train.reduce((n, i) => n + i.regions.length, 0));
  });

  it('imports a plain folder-per-tag tree (data/datasets/azure-cv-trees/train) as a multiclass project', async () => {
    const r = await cli(
      'dataset',
      'import',
      ...connection(),
      '--format',
      'folders',
      '--in',
      join(datasetDir('azure-cv-trees'), 'train'),
    );
    expect(r.code, r.text).toBe(0);
    const projectId = /Imported into project (\S+):/.exec(r.text)![1]!;
    expect(r.text).toMatch(/20 images created/);
    const trainer = client(server.url, TRAINING_KEY);
    expect((await trainer.getProject(projectId)).settings?.classificationType).toBe('Multiclass');
    expect((await trainer.getTags(projectId)).map((t) => [t.name, t.imageCount]).sort()).toEqual([
      ['Hemlock', 10],
      ['Japanese_Cherry', 10],
    ]);
  });

  it('--project imports into an existing project: tags matched by name, images it has come back as duplicates', async () => {
    const trainer = client(server.url, TRAINING_KEY);
    const tagsBefore = (await trainer.getTags(ids.classification!)).length;
    const r = await cli(
      ...['dataset', 'import', ...connection(), '--format', 'csv', '--in', join(work, 'csv-1')],
      ...['--project', ids.classification!],
    );
    expect(r.code, r.text).toBe(0);
    expect(r.text).toMatch(/0 images created, 23 already there, 0 failed/);
    expect(await trainer.getImageCount(ids.classification!)).toBe(23);
    expect((await trainer.getTags(ids.classification!)).length).toBe(tagsBefore);
  });

  it('refuses a format of the other kind, and an unknown format, with exit code 2', async () => {
    const wrong = await cli(
      'dataset',
      'export',
      ...connection(),
      '--project',
      ids.detection!,
      '--format',
      'csv',
      '--out',
      join(work, 'x'),
    );
    expect(wrong.code).toBe(2);
    expect(wrong.text).toMatch(/is detection; csv holds classification/);
    expect((await cli('dataset', 'export', ...connection(), '--format', 'tiff')).code).toBe(2);
  });
});
