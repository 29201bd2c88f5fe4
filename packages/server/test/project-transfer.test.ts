import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT, encodeImportToken } from '../src/domain/project-transfer.ts';
import { distinctJpegs, png } from './helpers/images.ts';
import { json, startTestServer, type TestServer } from './helpers/test-server.ts';

type Project = { id: string; name: string; description: string; status: string; settings: Record<string, unknown> };
type Tag = { id: string; name: string; description: string | null; type: string; imageCount: number };
type Region = {
  regionId: string;
  tagId: string;
  tagName: string;
  left: number;
  top: number;
  width: number;
  height: number;
};
type Image = {
  id: string;
  width: number;
  height: number;
  originalImageUri: string;
  tags?: { tagId: string; tagName: string }[];
  regions?: Region[];
  metadata?: Record<string, string>;
};
type ProjectExport = {
  iterationCount: number;
  imageCount: number;
  tagCount: number;
  regionCount: number;
  estimatedImportTimeInMS: number;
  token: string;
};

/** A exports; B imports and may fetch from loopback (both run on 127.0.0.1 here). */
let a: TestServer;
let b: TestServer;
let source: Project;
const uploaded = new Map<string, Buffer>();

const post = (s: TestServer, path: string, body?: unknown) =>
  s.train(path, {
    method: 'POST',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });

async function waitForStatus(s: TestServer, projectId: string): Promise<Project> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const p = await json<Project>(s.train(`/projects/${projectId}`));
    if (p.status !== 'Importing' || Date.now() > deadline) return p;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function bytesOf(uri: string): Promise<Buffer> {
  const res = await fetch(uri);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** What must survive the move: everything but ids, dates and links; images oldest first, bytes compared. */
async function contents(s: TestServer, projectId: string) {
  const tags = await json<Tag[]>(s.train(`/projects/${projectId}/tags`));
  const images = await json<Image[]>(s.train(`/projects/${projectId}/images?take=256&orderBy=Oldest`));
  return {
    tags: tags.map(({ id: _, ...t }) => t).sort((x, y) => x.name.localeCompare(y.name)),
    images: await Promise.all(
      images.map(async (i) => ({
        bytes: (await bytesOf(i.originalImageUri)).toString('base64'),
        size: [i.width, i.height],
        tags: (i.tags ?? []).map((t) => t.tagName).sort(),
        regions: (i.regions ?? []).map(({ tagName, left, top, width, height }) => ({
          tagName,
          left,
          top,
          width,
          height,
        })),
        metadata: i.metadata ?? {},
      })),
    ),
  };
}

beforeAll(async () => {
  [a, b] = await Promise.all([startTestServer(), startTestServer({ allowPrivateUrls: true })]);
  source = await json<Project>(
    post(
      a,
      '/projects?name=Trees&description=source%20project&domainId=0732100f-1a38-4e49-a514-c9b44c697ab5&classificationType=Multiclass&targetExportPlatforms=ONNX',
    ),
  );
  await json(
    a.train(`/projects/${source.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ settings: { imageProcessingSettings: { augmentationMethods: { solarize: false } } } }),
    }),
  );
  const oak = await json<Tag>(post(a, `/projects/${source.id}/tags?name=Oak&description=Quercus`));
  const pine = await json<Tag>(post(a, `/projects/${source.id}/tags?name=Pine`));
  await json(post(a, `/projects/${source.id}/tags?name=Nothing&type=Negative`));
  await json(post(a, `/projects/${source.id}/tags?name=Unused`));

  const files = [...(await distinctJpegs(5)), await png(50, 30)];
  const batch = await json<{ images: { image: Image }[] }>(
    post(a, `/projects/${source.id}/images/files`, {
      images: [
        { name: '0', contents: files[0]!.toString('base64'), tagIds: [oak.id] },
        {
          name: '1',
          contents: files[1]!.toString('base64'),
          tagIds: [oak.id, pine.id],
          regions: [{ tagId: pine.id, left: 0.125, top: 0.25, width: 0.5, height: 0.5 }],
        },
        { name: '2', contents: files[2]!.toString('base64') },
      ],
      metadata: { camera: 'north' },
    }),
  );
  const more = await json<{ images: { image: Image }[] }>(
    post(a, `/projects/${source.id}/images/files`, {
      images: [3, 4, 5].map((i) => ({ name: `${i}`, contents: files[i]!.toString('base64') })),
    }),
  );
  const ids = [...batch.images, ...more.images].map((e) => e.image.id);
  for (const [i, id] of ids.entries()) uploaded.set(id, files[i]!);
  await json(post(a, `/projects/${source.id}/images/metadata?imageIds=${ids[4]}`, { camera: 'south', lens: '50' }));
  const negative = (await json<Tag[]>(a.train(`/projects/${source.id}/tags`))).find((t) => t.type === 'Negative')!;
  await json(post(a, `/projects/${source.id}/images/tags`, { tags: [{ imageId: ids[5], tagId: negative.id }] }));
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

describe('ExportProject', () => {
  it('summarises the project and returns an opaque token', async () => {
    const res = await a.train(`/projects/${source.id}/export`);
    expect(res.status).toBe(200);
    const exp = (await res.json()) as ProjectExport;
    expect(exp).toMatchObject({ iterationCount: 0, imageCount: 6, tagCount: 4, regionCount: 1 });
    expect(exp.estimatedImportTimeInMS).toBeGreaterThan(0);
    expect(exp.token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Object.keys(exp)).toEqual([
      'iterationCount',
      'imageCount',
      'tagCount',
      'regionCount',
      'estimatedImportTimeInMS',
      'token',
    ]);
  });

  it('answers 404 for a project that does not exist', async () => {
    const res = await a.train('/projects/00000000-0000-4000-8000-000000000000/export');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'NotFoundProject' });
  });
});

describe('ImportProject', () => {
  it('copies settings, tags, images, regions and metadata to another server', async () => {
    const exp = await json<ProjectExport>(a.train(`/projects/${source.id}/export`));
    const res = await post(b, `/projects/import?token=${exp.token}&name=Imported%20trees`);
    expect(res.status).toBe(200);
    const started = (await res.json()) as Project;
    expect(started).toMatchObject({ name: 'Imported trees', description: 'source project', status: 'Importing' });
    expect(started.id).not.toBe(source.id);

    const done = await waitForStatus(b, started.id);
    expect(done.status).toBe('Succeeded');
    const original = await json<Project>(a.train(`/projects/${source.id}`));
    expect(done.settings).toEqual(original.settings);
    expect(
      (done.settings.imageProcessingSettings as { augmentationMethods: object }).augmentationMethods,
    ).toMatchObject({ solarize: false, rotation: true });

    const [from, to] = await Promise.all([contents(a, source.id), contents(b, done.id)]);
    expect(to).toEqual(from);
    expect(to.images).toHaveLength(6);
    expect(to.images[1]!.regions).toEqual([{ tagName: 'Pine', left: 0.125, top: 0.25, width: 0.5, height: 0.5 }]);
    expect(to.images.map((i) => i.metadata)).toEqual([
      { camera: 'north' },
      { camera: 'north' },
      { camera: 'north' },
      {},
      { camera: 'south', lens: '50' },
      {},
    ]);
    expect(new Set(to.images.map((i) => i.bytes))).toEqual(
      new Set([...uploaded.values()].map((buf) => buf.toString('base64'))),
    );
    const ids = new Set((await json<Tag[]>(b.train(`/projects/${done.id}/tags`))).map((t) => t.id));
    const sourceIds = (await json<Tag[]>(a.train(`/projects/${source.id}/tags`))).map((t) => t.id);
    expect(sourceIds.some((id) => ids.has(id))).toBe(false);
  });

  it('defaults the name to the source name, with a suffix when taken; an explicit taken name is refused', async () => {
    const token = async () => (await json<ProjectExport>(a.train(`/projects/${source.id}/export`))).token;
    const first = await json<Project>(post(b, `/projects/import?token=${await token()}`));
    const second = await json<Project>(post(b, `/projects/import?token=${await token()}`));
    expect([first.name, second.name]).toEqual(['Trees', 'Trees (2)']);
    expect((await waitForStatus(b, second.id)).status).toBe('Succeeded');
    expect((await waitForStatus(b, first.id)).status).toBe('Succeeded');

    const before = (await json<Project[]>(b.train('/projects'))).length;
    const taken = await post(b, `/projects/import?token=${await token()}&name=trees`);
    expect(taken.status).toBe(400);
    expect(await taken.json()).toMatchObject({ code: 'BadRequestProjectNameNotUnique' });
    expect((await json<Project[]>(b.train('/projects'))).length).toBe(before);
  });

  it('refuses malformed, forged and expired tokens with 400 BadRequestInvalidImportToken, creating nothing', async () => {
    const exp = await json<ProjectExport>(a.train(`/projects/${source.id}/export`));
    const url = JSON.parse(Buffer.from(exp.token, 'base64url').toString()).url as string;
    const forged = encodeImportToken(url.replace(/sig=[^&]+/, 'sig=AAAA'));
    const otherProject = encodeImportToken(url.replace(source.id, '00000000-0000-4000-8000-000000000000'));
    const expiring = await startTestServer({ linkTtlSeconds: 0 });
    const stale = await json<Project>(post(expiring, '/projects?name=stale'));
    const expired = (await json<ProjectExport>(expiring.train(`/projects/${stale.id}/export`))).token;
    await new Promise((r) => setTimeout(r, 5));
    const before = (await json<Project[]>(b.train('/projects'))).length;
    try {
      for (const token of ['not-a-token', 'e30', forged, otherProject, expired]) {
        const res = await post(b, `/projects/import?token=${encodeURIComponent(token)}`);
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ code: 'BadRequestInvalidImportToken' });
      }
      const missing = await post(b, '/projects/import');
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({ code: 'BadRequestRequiredParamIsNull' });
    } finally {
      await expiring.stop();
    }
    expect((await json<Project[]>(b.train('/projects'))).length).toBe(before);
  });

  it('does not fetch from loopback unless the importing server allows private URLs', async () => {
    const exp = await json<ProjectExport>(a.train(`/projects/${source.id}/export`));
    const res = await post(a, `/projects/import?token=${exp.token}&name=self`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe('BadRequestInvalidImportToken');
    expect(body.message).toMatch(/allow-private-urls/);
  });

  it('ends Failed when an image cannot be fetched, keeping what could be imported', async () => {
    const [good] = await distinctJpegs(1, 24);
    const fake: Server = createHttpServer((req, res) => {
      const base = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
      if (req.url === '/good.jpg') return res.writeHead(200, { 'content-type': 'image/jpeg' }).end(good);
      if (req.url === '/bundle')
        return res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            format: BUNDLE_FORMAT,
            version: 1,
            exportedAt: new Date().toISOString(),
            project: {
              name: 'Partial',
              description: '',
              settings: {
                domainId: 'ee85a74c-405e-4adc-bb47-ffa8ca0c9f31',
                classificationType: 'Multilabel',
                targetExportPlatforms: [],
                useNegativeSet: true,
                detectionParameters: null,
                augmentationMethods: { rotation: true },
              },
            },
            tags: [{ name: 'a', description: null, type: 'Regular' }],
            images: [
              { url: `${base}/good.jpg`, tags: ['a'], regions: [], metadata: {} },
              { url: `${base}/gone.jpg`, tags: ['a'], regions: [], metadata: {} },
            ],
          }),
        );
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    try {
      const token = encodeImportToken(`http://127.0.0.1:${(fake.address() as AddressInfo).port}/bundle`);
      const started = await json<Project>(post(b, `/projects/import?token=${token}`));
      expect(started.status).toBe('Importing');
      expect((await waitForStatus(b, started.id)).status).toBe('Failed');
      const images = await json<Image[]>(b.train(`/projects/${started.id}/images`));
      expect(images).toHaveLength(1);
      expect(await bytesOf(images[0]!.originalImageUri)).toEqual(good);
    } finally {
      await new Promise((r) => fake.close(r));
    }
  });

  it('refuses a bundle that names a tag it does not define', async () => {
    const bad: Server = createHttpServer((_req, res) =>
      res.writeHead(200).end(
        JSON.stringify({
          format: BUNDLE_FORMAT,
          version: 1,
          project: {
            name: 'x',
            description: '',
            settings: {
              domainId: 'ee85a74c-405e-4adc-bb47-ffa8ca0c9f31',
              classificationType: null,
              targetExportPlatforms: [],
              useNegativeSet: true,
              detectionParameters: null,
              augmentationMethods: {},
            },
          },
          tags: [],
          images: [{ url: 'http://127.0.0.1:1/x.jpg', tags: ['ghost'], regions: [], metadata: {} }],
        }),
      ),
    );
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    try {
      const token = encodeImportToken(`http://127.0.0.1:${(bad.address() as AddressInfo).port}/bundle`);
      const res = await post(b, `/projects/import?token=${token}`);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'BadRequestInvalidImportToken' });
    } finally {
      await new Promise((r) => bad.close(r));
    }
  });
});

describe('interrupted imports', () => {
  it('are marked Failed when the server starts again', async () => {
    const s = await startTestServer();
    const p = await json<Project>(post(s, '/projects?name=halfway'));
    const record = (await s.server.storage.projects.get(p.id))!;
    await s.server.storage.projects.update({ ...record, status: 'Importing' });
    await s.stop({ keepData: true });
    const again = await startTestServer({ dataDir: s.dataDir });
    try {
      expect((await json<Project>(again.train(`/projects/${p.id}`))).status).toBe('Failed');
    } finally {
      await again.stop();
    }
  });
});
