import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bmp, distinctJpegs, jpeg, multipart, png } from './helpers/images.ts';
import { json, startTestServer, type TestServer } from './helpers/test-server.ts';

type Image = {
  id: string;
  created: string;
  width: number;
  height: number;
  originalImageUri: string;
  thumbnailUri: string;
  resizedImageUri: string;
  tags?: { tagId: string; tagName: string }[];
  metadata?: Record<string, string>;
  regions?: { regionId: string; tagId: string; left: number }[];
};
type Summary = {
  isBatchSuccessful: boolean;
  images: { sourceUrl: string | null; status: string; image: Image | null }[];
};

let s: TestServer;
let projectId: string;
let hemlock: string;
let cherry: string;

const postJson = (path: string, body: unknown) =>
  s.train(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Stored images, with the signed links' changing expiry and signature left out. */
async function snapshot() {
  const images = await json<Image[]>(s.train(`/projects/${projectId}/images?take=256`));
  const bare = (u: string) => u.split('?')[0];
  return images.map((i) => ({
    ...i,
    originalImageUri: bare(i.originalImageUri),
    thumbnailUri: bare(i.thumbnailUri),
    resizedImageUri: bare(i.resizedImageUri),
  }));
}

beforeAll(async () => {
  s = await startTestServer();
  projectId = (await json<{ id: string }>(s.train('/projects?name=images', { method: 'POST' }))).id;
  hemlock = (await json<{ id: string }>(s.train(`/projects/${projectId}/tags?name=Hemlock`, { method: 'POST' }))).id;
  cherry = (await json<{ id: string }>(s.train(`/projects/${projectId}/tags?name=Cherry`, { method: 'POST' }))).id;
});
afterAll(() => s.stop());

describe('uploading images', () => {
  it('stores a multipart batch with tags and reports each image', async () => {
    const files = await distinctJpegs(3);
    const res = await s.train(`/projects/${projectId}/images?tagIds=${hemlock}`, {
      method: 'POST',
      body: multipart(files.map((bytes, i) => ({ name: `hemlock_${i}.jpg`, bytes }))),
    });
    expect(res.status).toBe(200);
    const summary = (await res.json()) as Summary;
    expect(summary.isBatchSuccessful).toBe(true);
    expect(summary.images.map((i) => [i.sourceUrl, i.status])).toEqual([
      ['"hemlock_0.jpg"', 'OK'],
      ['"hemlock_1.jpg"', 'OK'],
      ['"hemlock_2.jpg"', 'OK'],
    ]);
    const img = summary.images[0]!.image!;
    expect(img).toMatchObject({ width: 32, height: 32, tags: [{ tagId: hemlock, tagName: 'Hemlock' }] });
    expect(img.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}$/);
    const original = await fetch(img.originalImageUri);
    expect(original.status).toBe(200);
    expect(Buffer.from(await original.arrayBuffer()).equals(files[0]!)).toBe(true);
    const thumb = await fetch(img.thumbnailUri);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
  });

  it('accepts one image as an octet-stream body, and PNG and BMP', async () => {
    for (const bytes of [await png(40, 20), bmp(20, 10)]) {
      const res = await s.train(`/projects/${projectId}/images`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: new Uint8Array(bytes),
      });
      const summary = (await res.json()) as Summary;
      expect(res.status).toBe(200);
      expect(summary.images[0]).toMatchObject({ status: 'OK', sourceUrl: null });
    }
  });

  it('answers 207 with per-image statuses: duplicate, corrupt, too large; keeps the good ones', async () => {
    const [good] = await distinctJpegs(1, 40);
    const existing = (await distinctJpegs(1))[0]!; // same bytes as hemlock_0 above
    const corrupt = Buffer.concat([(await jpeg(50, 50)).subarray(0, 100)]);
    const big = Buffer.alloc(7 * 1024 * 1024, 1);
    const before = await snapshot();
    const res = await s.train(`/projects/${projectId}/images`, {
      method: 'POST',
      body: multipart([
        { name: 'good.jpg', bytes: good! },
        { name: 'dup.jpg', bytes: existing },
        { name: 'corrupt.jpg', bytes: corrupt },
        { name: 'text.jpg', bytes: Buffer.from('not an image') },
        { name: 'big.jpg', bytes: big },
      ]),
    });
    expect(res.status).toBe(207);
    const summary = (await res.json()) as Summary;
    expect(summary.isBatchSuccessful).toBe(false);
    expect(summary.images.map((i) => i.status)).toEqual([
      'OK',
      'OKDuplicate',
      'ErrorImageFormat',
      'ErrorImageFormat',
      'ErrorImageSize',
    ]);
    expect(summary.images[1]!.image!.id).toBe(
      before.find((b) => b.width === 32 && b.tags?.[0]?.tagId === hemlock && b.id === summary.images[1]!.image!.id)?.id,
    );
    const after = await snapshot();
    expect(after.length).toBe(before.length + 1);
  });

  it('refuses more than 64 images in one request and stores none of them', async () => {
    const before = await snapshot();
    const one = await jpeg(8, 8);
    const files = Array.from({ length: 65 }, (_, i) => ({
      name: `${i}.jpg`,
      bytes: Buffer.concat([one, Buffer.from([i])]),
    }));
    const res = await s.train(`/projects/${projectId}/images`, { method: 'POST', body: multipart(files) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'BadRequestImageBatch' });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a multipart body without an imageData field', async () => {
    const res = await s.train(`/projects/${projectId}/images`, {
      method: 'POST',
      body: multipart([{ name: 'x.jpg', bytes: await jpeg(), field: 'file' }]),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'BadRequestImageBatch' });
  });

  it('stores base64 files with regions and metadata', async () => {
    const [bytes] = await distinctJpegs(1, 24);
    const res = await postJson(`/projects/${projectId}/images/files`, {
      images: [
        {
          name: 'a.jpg',
          contents: bytes!.toString('base64'),
          tagIds: [cherry],
          regions: [{ tagId: cherry, left: 0.1, top: 0.1, width: 0.5, height: 0.5 }],
        },
        { name: 'b.jpg', contents: '!!!notbase64' },
      ],
      metadata: { camera: 'phone' },
    });
    expect(res.status).toBe(207);
    const summary = (await res.json()) as Summary;
    expect(summary.images.map((i) => i.status)).toEqual(['OK', 'ErrorImageFormat']);
    expect(summary.images[0]!.image).toMatchObject({
      metadata: { camera: 'phone' },
      regions: [{ tagId: cherry, left: 0.1 }],
    });
  });

  it('answers unknown projects and tags, and malformed ids, with Azure codes and no change', async () => {
    const before = await snapshot();
    const body = multipart([{ name: 'x.jpg', bytes: await jpeg(9, 9) }]);
    const noProject = await s.train('/projects/00000000-0000-0000-0000-000000000000/images', { method: 'POST', body });
    expect(noProject.status).toBe(404);
    expect(await noProject.json()).toMatchObject({ code: 'NotFoundProject' });
    const noTag = await s.train(`/projects/${projectId}/images?tagIds=00000000-0000-0000-0000-000000000000`, {
      method: 'POST',
      body: multipart([{ name: 'x.jpg', bytes: await jpeg(9, 9) }]),
    });
    expect(noTag.status).toBe(400);
    expect(await noTag.json()).toMatchObject({ code: 'BadRequestImageTags' });
    const badId = await s.train('/projects/not-a-uuid/images');
    expect(badId.status).toBe(400);
    expect(await badId.json()).toMatchObject({ code: 'BadRequestInvalidIds' });
    expect(await snapshot()).toEqual(before);
  });
});

describe('listing, tagging and deleting', () => {
  it('lists tagged and untagged images with counts, paging and order', async () => {
    const tagged = await json<number>(s.train(`/projects/${projectId}/images/tagged/count`));
    const untagged = await json<number>(s.train(`/projects/${projectId}/images/untagged/count`));
    const all = await json<number>(s.train(`/projects/${projectId}/images/count`));
    expect(tagged + untagged).toBe(all);
    expect(await json<number>(s.train(`/projects/${projectId}/images/tagged/count?tagIds=${hemlock}`))).toBe(3);
    const newest = await json<Image[]>(s.train(`/projects/${projectId}/images?take=2`));
    const oldest = await json<Image[]>(s.train(`/projects/${projectId}/images?orderBy=Oldest&take=2`));
    expect(newest).toHaveLength(2);
    expect(newest[0]!.created >= newest[1]!.created).toBe(true);
    expect(oldest[0]!.created <= oldest[1]!.created).toBe(true);
    const page2 = await json<Image[]>(s.train(`/projects/${projectId}/images?take=2&skip=2`));
    expect(page2.map((i) => i.id)).not.toContain(newest[0]!.id);
    const tooMany = await s.train(`/projects/${projectId}/images?take=257`);
    expect(tooMany.status).toBe(400);
  });

  it('filters by metadata', async () => {
    const list = await json<Image[]>(
      s.train(`/projects/${projectId}/images?$filter=${encodeURIComponent("camera eq 'phone'")}`),
    );
    expect(list).toHaveLength(1);
    expect(
      await json<number>(
        s.train(`/projects/${projectId}/images/count?$filter=${encodeURIComponent("camera ne 'phone'")}`),
      ),
    ).toBeGreaterThan(0);
    const bad = await s.train(`/projects/${projectId}/images?$filter=${encodeURIComponent('camera eq')}`);
    expect(bad.status).toBe(400);
  });

  it('tags, untags, sets metadata and deletes by id', async () => {
    const [untaggedImage] = await json<Image[]>(s.train(`/projects/${projectId}/images/untagged?take=1`));
    const id = untaggedImage!.id;
    const tagged = await json<{ created: unknown[] }>(
      postJson(`/projects/${projectId}/images/tags`, { tags: [{ imageId: id, tagId: cherry }] }),
    );
    expect(tagged.created).toHaveLength(1);
    const again = await json<{ created: unknown; duplicated: unknown[] }>(
      postJson(`/projects/${projectId}/images/tags`, { tags: [{ imageId: id, tagId: cherry }] }),
    );
    expect(again).toMatchObject({ created: null, duplicated: [{ imageId: id, tagId: cherry }] });
    const [byId] = await json<Image[]>(s.train(`/projects/${projectId}/images/id?imageIds=${id}`));
    expect(byId!.tags?.map((t) => t.tagName)).toEqual(['Cherry']);
    const meta = await postJson(
      `/projects/${projectId}/images/metadata?imageIds=${id},00000000-0000-0000-0000-000000000000`,
      { k: 'v' },
    );
    expect(meta.status).toBe(207);
    expect(await meta.json()).toMatchObject({
      images: [{ imageId: id, status: 'OK', metadata: { k: 'v' } }, { status: 'ErrorImageNotFound' }],
    });
    expect(
      (await s.train(`/projects/${projectId}/images/tags?imageIds=${id}&tagIds=${cherry}`, { method: 'DELETE' }))
        .status,
    ).toBe(204);
    expect(await json<Image[]>(s.train(`/projects/${projectId}/images/id?imageIds=${id}`))).toMatchObject([
      { id, metadata: { k: 'v' } },
    ]);
    expect((await s.train(`/projects/${projectId}/images?imageIds=${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await json(s.train(`/projects/${projectId}/images/id?imageIds=${id}`))).toEqual([]);
  });

  it('adds and deletes regions', async () => {
    const [img] = await json<Image[]>(s.train(`/projects/${projectId}/images?take=1`));
    const regionsBefore = img!.regions?.length ?? 0;
    const res = await postJson(`/projects/${projectId}/images/regions`, {
      regions: [{ imageId: img!.id, tagId: hemlock, left: 0, top: 0, width: 0.5, height: 0.25 }],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { created: { regionId: string }[] };
    const outside = await postJson(`/projects/${projectId}/images/regions`, {
      regions: [{ imageId: img!.id, tagId: hemlock, left: 0.8, top: 0, width: 0.5, height: 0.25 }],
    });
    expect(outside.status).toBe(400);
    expect(await outside.json()).toMatchObject({ code: 'BadRequestImageRegions' });
    expect(
      (
        await s.train(`/projects/${projectId}/images/regions?regionIds=${body.created[0]!.regionId}`, {
          method: 'DELETE',
        })
      ).status,
    ).toBe(204);
    const [after] = await json<Image[]>(s.train(`/projects/${projectId}/images/id?imageIds=${img!.id}`));
    expect(after!.regions ?? []).toHaveLength(regionsBefore);
  });

  it('tag image counts follow the images', async () => {
    const tags = await json<{ id: string; imageCount: number }[]>(s.train(`/projects/${projectId}/tags`));
    expect(tags.find((t) => t.id === hemlock)?.imageCount).toBe(3);
  });
});

describe('signed image links', () => {
  it('refuse a forged or expired signature', async () => {
    const [img] = await json<Image[]>(s.train(`/projects/${projectId}/images?take=1`));
    const url = new URL(img!.originalImageUri);
    expect((await fetch(url)).status).toBe(200);
    const forged = new URL(url);
    forged.searchParams.set('sig', 'AAAA');
    expect((await fetch(forged)).status).toBe(403);
    const extended = new URL(url);
    extended.searchParams.set('se', String(Number(url.searchParams.get('se')) + 1000));
    expect((await fetch(extended)).status).toBe(403);
    const expired = new URL(url);
    expired.searchParams.set('se', '1000');
    expect((await fetch(expired)).status).toBe(403);
  });
});

describe('images from URLs', () => {
  let origin: Server;
  let originUrl: string;
  beforeAll(async () => {
    const body = await jpeg(30, 30, [1, 2, 3]);
    origin = createHttpServer((req, res) => {
      if (req.url === '/slow') return; // never answers
      if (req.url === '/missing') {
        res.statusCode = 404;
        return res.end();
      }
      res.setHeader('content-type', 'image/jpeg');
      res.end(body);
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    origin.closeAllConnections();
    origin.close();
  });

  it('refuses loopback addresses unless allowed', async () => {
    const res = await postJson(`/projects/${projectId}/images/urls`, { images: [{ url: `${originUrl}/a.jpg` }] });
    expect(res.status).toBe(207);
    expect(await res.json()).toMatchObject({
      isBatchSuccessful: false,
      images: [{ status: 'ErrorSource', image: null }],
    });
  });

  it('fetches when private addresses are allowed, with time and status limits', async () => {
    const open = await startTestServer({ allowPrivateUrls: true });
    try {
      const p = await json<{ id: string }>(open.train('/projects?name=urls', { method: 'POST' }));
      const res = await open.train(`/projects/${p.id}/images/urls`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          images: [{ url: `${originUrl}/a.jpg` }, { url: `${originUrl}/missing` }, { url: 'ftp://example.com/x.jpg' }],
        }),
      });
      expect(res.status).toBe(207);
      const summary = (await res.json()) as Summary;
      expect(summary.images.map((i) => i.status)).toEqual(['OK', 'ErrorSource', 'ErrorSource']);
      expect(summary.images[0]!.image).toMatchObject({ width: 30, height: 30 });
    } finally {
      await open.stop();
    }
  });
});
