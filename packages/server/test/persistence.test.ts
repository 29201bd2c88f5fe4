import { afterAll, describe, expect, it } from 'vitest';
import { distinctJpegs, png } from './helpers/images.ts';
import { json, startTestServer, type TestServer } from './helpers/test-server.ts';

type Image = {
  id: string;
  originalImageUri: string;
  resizedImageUri: string;
  thumbnailUri: string;
  tags?: unknown[];
  regions?: unknown[];
  metadata?: Record<string, string>;
};

/** The server running at the end; stopping it removes the shared data directory. */
let running: TestServer | undefined;
afterAll(() => running?.stop());

/**
 * Signed links carry an expiry and a signature that change with the clock, and the host of the server that answered
 * (a new random port here); everything else must be stable.
 */
function withoutLinkQueries(value: unknown, origin: string): unknown {
  return JSON.parse(JSON.stringify(value), (_k, v) =>
    typeof v === 'string' && v.startsWith(`${origin}/files/`) ? v.slice(origin.length).replace(/\?.*$/, '') : v,
  );
}

describe('a restarted server on the same data directory', () => {
  it('answers listings identically and serves the same bytes', async () => {
    const a = await startTestServer();
    running = a;
    const post = (path: string, body?: unknown) =>
      a.train(path, {
        method: 'POST',
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });

    const classify = await json<{ id: string }>(post('/projects?name=keep&description=kept%20across%20restarts'));
    const detect = await json<{ id: string }>(
      post('/projects?name=boxes&domainId=da2e3a8a-40a5-4171-82f4-58522f70fbc1'),
    );
    const oak = await json<{ id: string }>(post(`/projects/${classify.id}/tags?name=Oak&description=tree`));
    await json(post(`/projects/${classify.id}/tags?name=Nothing&type=Negative`));
    const box = await json<{ id: string }>(post(`/projects/${detect.id}/tags?name=Box`));

    const files = [...(await distinctJpegs(3)), await png(30, 20)];
    const uploaded = new Map<string, Buffer>();
    const created = await json<{ images: { image: Image }[] }>(
      post(`/projects/${classify.id}/images/files`, {
        images: files.slice(0, 3).map((bytes, i) => ({ name: `f${i}.jpg`, contents: bytes.toString('base64') })),
        tagIds: [oak.id],
        metadata: { camera: 'north', 'lens mm': '35' },
      }),
    );
    for (const [i, entry] of created.images.entries()) uploaded.set(entry.image.id, files[i]!);
    const untagged = await json<{ images: { image: Image }[] }>(
      a.train(`/projects/${classify.id}/images`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: new Uint8Array(files[3]!),
      }),
    );
    uploaded.set(untagged.images[0]!.image.id, files[3]!);
    const [detectBytes] = await distinctJpegs(1, 48);
    const boxed = await json<{ images: { image: Image }[] }>(
      post(`/projects/${detect.id}/images/files`, {
        images: [
          {
            name: 'd.jpg',
            contents: detectBytes!.toString('base64'),
            regions: [{ tagId: box.id, left: 0.1, top: 0.2, width: 0.5, height: 0.25 }],
          },
        ],
      }),
    );
    uploaded.set(boxed.images[0]!.image.id, detectBytes!);
    await json(
      post(`/projects/${classify.id}/images/metadata?imageIds=${created.images[0]!.image.id}`, { extra: 'x' }),
    );

    const read = async (s: TestServer) => {
      const out: Record<string, unknown> = { projects: await json(s.train('/projects')) };
      for (const p of [classify.id, detect.id]) {
        const images = await json<Image[]>(s.train(`/projects/${p}/images?take=256`));
        out[p] = {
          project: await json(s.train(`/projects/${p}`)),
          tags: await json(s.train(`/projects/${p}/tags`)),
          images,
          byIds: await json(s.train(`/projects/${p}/images/id?imageIds=${images.map((i) => i.id).join(',')}`)),
          tagged: await json(s.train(`/projects/${p}/images/tagged?take=256`)),
          counts: [
            await json(s.train(`/projects/${p}/images/count`)),
            await json(s.train(`/projects/${p}/images/untagged/count`)),
          ],
        };
      }
      return out;
    };
    const before = await read(a);
    const beforeImages = (before[classify.id] as { images: Image[] }).images;
    expect(beforeImages).toHaveLength(4);
    expect(beforeImages.filter((i) => i.tags?.length && i.metadata?.camera === 'north')).toHaveLength(3);
    expect(beforeImages.some((i) => i.metadata?.extra === 'x')).toBe(true);
    expect((before[detect.id] as { images: Image[] }).images[0]!.regions).toHaveLength(1);

    await a.stop({ keepData: true });
    running = undefined;
    const b = await startTestServer({ dataDir: a.dataDir });
    running = b;
    const after = await read(b);
    expect(withoutLinkQueries(after, b.url)).toEqual(withoutLinkQueries(before, a.url));
    expect(JSON.stringify(after)).toContain(`${b.url}/files/images/`);

    for (const p of [classify.id, detect.id]) {
      for (const image of (after[p] as { images: Image[] }).images) {
        const res = await fetch(image.originalImageUri);
        expect(res.status).toBe(200);
        expect(Buffer.from(await res.arrayBuffer()).equals(uploaded.get(image.id)!)).toBe(true);
        expect((await fetch(image.thumbnailUri)).status).toBe(200);
      }
    }
    // A link handed out before the restart stays valid (the signing secret is stored), once pointed at the new host.
    const old = (before[classify.id] as { images: Image[] }).images[0]!;
    const moved = await fetch(old.originalImageUri.replace(a.url, b.url));
    expect(Buffer.from(await moved.arrayBuffer()).equals(uploaded.get(old.id)!)).toBe(true);
  });
});
