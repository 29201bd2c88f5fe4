/**
 * Requests exactly as Microsoft's clients send them, which the server must answer as Azure does (issue 16):
 * msrest's multipart, the .NET client's `//customvision/` paths, the `Ocp-Apim-Subscription-Key` header, older
 * Training API versions, tags that come from regions, and batch answers' lists.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distinctJpegs, jpeg } from './helpers/images.ts';
import { json, PREDICTION_KEY, startTestServer, type TestServer, TRAINING_KEY } from './helpers/test-server.ts';

const OD_GENERAL = 'da2e3a8a-40a5-4171-82f4-58522f70fbc1';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

/** A request with its path sent verbatim (fetch and URL would leave `//` alone too, but this shows the bytes). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const u = new URL(s.url);
    const req = request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The body msrest 0.6 (via requests) writes for `imageData` given as bytes: no filename, no Content-Type. */
function msrestMultipart(bytes: Buffer): { body: Buffer; contentType: string } {
  const boundary = 'fcc2f8319910e62974b7ac1dd0aba13e';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="imageData"\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

async function project(name: string, domainId?: string): Promise<string> {
  const q = new URLSearchParams({ name, ...(domainId ? { domainId } : {}) });
  return (await json<{ id: string }>(s.train(`/projects?${q}`, { method: 'POST' }))).id;
}

async function tag(projectId: string, name: string): Promise<string> {
  return (await json<{ id: string }>(s.train(`/projects/${projectId}/tags?name=${name}`, { method: 'POST' }))).id;
}

describe("Microsoft's Python SDK (msrest) multipart", () => {
  it('stores image bytes sent with neither filename nor Content-Type, byte for byte', async () => {
    const p = await project('msrest');
    // Bytes that UTF-8 decoding would mangle (0x80-0xff, NUL, CR LF inside the image).
    const bytes = await jpeg(40, 30, [250, 128, 3]);
    const { body, contentType } = msrestMultipart(bytes);
    const r = await raw(
      'POST',
      `/customvision/v3.4-preview/training/projects/${p}/images`,
      {
        'Training-Key': TRAINING_KEY,
        'Content-Type': contentType,
        'Content-Length': String(body.length),
      },
      body,
    );
    expect(r.status).toBe(200);
    const summary = r.json as { isBatchSuccessful: boolean; images: { status: string; image: { id: string } }[] };
    expect(summary.isBatchSuccessful).toBe(true);
    expect(summary.images[0]?.status).toBe('OK');
    const stored = (await s.server.storage.images.getMany(p, [summary.images[0]!.image.id]))[0]!;
    expect(await s.server.storage.blobs.get(stored.contentHash)).toEqual(bytes);
  });

  it('answers ErrorImageSize for such a part over the upload limit, and stores nothing', async () => {
    const small = await startTestServer({ limits: { ...s.config.limits, trainingImageBytes: 1000 } });
    try {
      const p = (await json<{ id: string }>(small.train('/projects?name=big', { method: 'POST' }))).id;
      const { body, contentType } = msrestMultipart(Buffer.alloc(1001, 0xff));
      const r = await small.train(`/projects/${p}/images`, {
        method: 'POST',
        headers: { 'Content-Type': contentType },
        body: new Uint8Array(body),
      });
      expect(r.status).toBe(207);
      expect(((await r.json()) as { images: { status: string }[] }).images[0]?.status).toBe('ErrorImageSize');
      expect(await small.server.storage.images.countAll(p)).toBe(0);
    } finally {
      await small.stop();
    }
  });

  it('classifies and quick-tests image bytes sent that way', async () => {
    const p = await project('msrest-classify');
    const [a, b] = [await tag(p, 'red'), await tag(p, 'blue')];
    const images = await distinctJpegs(10, 24);
    const entries = images.map((img, i) => ({
      name: `${i}.jpg`,
      contents: img.toString('base64'),
      tagIds: [i < 5 ? a : b],
    }));
    expect(
      (
        await s.train(`/projects/${p}/images/files`, {
          method: 'POST',
          body: JSON.stringify({ images: entries }),
          headers: { 'Content-Type': 'application/json' },
        })
      ).status,
    ).toBe(200);
    const it0 = await json<{ id: string }>(s.train(`/projects/${p}/train`, { method: 'POST' }));
    await s.server.idle();
    expect(
      (await s.train(`/projects/${p}/iterations/${it0.id}/publish?publishName=m&predictionId=x`, { method: 'POST' }))
        .status,
    ).toBe(200);
    const { body, contentType } = msrestMultipart(images[0]!);
    const headers = { 'Content-Type': contentType, 'Content-Length': String(body.length) };
    const classify = await raw(
      'POST',
      `/customvision/v3.1/prediction/${p}/classify/iterations/m/image`,
      {
        ...headers,
        'Prediction-Key': PREDICTION_KEY,
      },
      body,
    );
    expect(classify.status).toBe(200);
    expect((classify.json as { predictions: unknown[] }).predictions).toHaveLength(2);
    const quick = await raw(
      'POST',
      `/customvision/v3.3/training/projects/${p}/quicktest/image?iterationId=${it0.id}`,
      {
        ...headers,
        'Training-Key': TRAINING_KEY,
      },
      body,
    );
    expect(quick.status).toBe(200);
    expect((quick.json as { predictions: unknown[] }).predictions).toHaveLength(2);
  });
});

describe('endpoint with a trailing slash (.NET client)', () => {
  it('answers `//customvision/...` paths as `/customvision/...`, query string included', async () => {
    const r = await raw('POST', '//customvision/v3.0/training/projects?name=Test%20Project&description=d', {
      'Training-Key': TRAINING_KEY,
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ name: 'Test Project', description: 'd' });
    const id = (r.json as { id: string }).id;
    expect(
      (await raw('GET', `//customvision/v3.3/training/projects/${id}`, { 'Training-Key': TRAINING_KEY })).status,
    ).toBe(200);
    expect(
      (await raw('DELETE', `//customvision/v3.1/training//projects/${id}`, { 'Training-Key': TRAINING_KEY })).status,
    ).toBe(204);
  });

  it('still asks for the key and still answers 404 for unknown paths', async () => {
    expect((await raw('GET', '//customvision/v3.3/training/projects', {})).status).toBe(401);
    const r = await raw('GET', '//customvision/v3.3/training/nothing', { 'Training-Key': TRAINING_KEY });
    expect(r).toMatchObject({ status: 404, json: { code: 'NotFound' } });
  });
});

describe('Ocp-Apim-Subscription-Key', () => {
  it('is accepted for the matching key on each API, and refused for the other', async () => {
    const ok = await raw('GET', '/customvision/v3.3/training/projects', { 'Ocp-Apim-Subscription-Key': TRAINING_KEY });
    expect(ok.status).toBe(200);
    const wrongApi = await raw('GET', '/customvision/v3.3/training/projects', {
      'Ocp-Apim-Subscription-Key': PREDICTION_KEY,
    });
    expect(wrongApi).toMatchObject({ status: 401, json: { code: 'Unauthorized' } });
    const p = await project('apim');
    const prediction = await raw(
      'POST',
      `/customvision/v3.1/prediction/${p}/classify/iterations/none/url`,
      {
        'Ocp-Apim-Subscription-Key': PREDICTION_KEY,
        'Content-Type': 'application/json',
      },
      Buffer.from('{"url":"http://127.0.0.1:1/a.jpg"}'),
    );
    // Past the key check: the project has no such published iteration.
    expect(prediction).toMatchObject({ status: 404, json: { code: 'NotFoundIteration' } });
    expect(
      (await raw('GET', '/customvision/v3.3/training/projects', { 'Ocp-Apim-Subscription-Key': 'x' })).status,
    ).toBe(401);
  });
});

describe('Training API v3.0, v3.1 and v3.2', () => {
  it('serves v3.1 paths on the same handlers', async () => {
    const p = await project('v31');
    const r = await raw('POST', `/customvision/v3.1/training/projects/${p}/tags?name=oak`, {
      'Training-Key': TRAINING_KEY,
    });
    expect(r).toMatchObject({ status: 200, json: { name: 'oak', imageCount: 0 } });
    const tags = await raw('GET', `/customvision/V3.1/training/projects/${p}/tags`, { 'Training-Key': TRAINING_KEY });
    expect(tags.json).toEqual([r.json]);
  });

  it('answers 404 for operations a version does not have', async () => {
    const p = await project('v30');
    for (const [version, path] of [
      ['v3.0', `/projects/${p}/images`],
      ['v3.1', `/projects/${p}/images/count`],
      ['v3.2', `/projects/${p}/images`],
    ]) {
      const r = await raw('GET', `/customvision/${version}/training${path}`, { 'Training-Key': TRAINING_KEY });
      expect(r).toMatchObject({ status: 404, json: { code: 'NotFound' } });
    }
    expect(
      (await raw('GET', `/customvision/v3.3/training/projects/${p}/images`, { 'Training-Key': TRAINING_KEY })).status,
    ).toBe(200);
  });

  it("answers in the version's models: no Image.metadata or Prediction.tagType before v3.3, no Project.status before v3.2", async () => {
    const p = await project('shapes');
    const [img] = await distinctJpegs(1, 16);
    await s.train(`/projects/${p}/images/files`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ images: [{ name: 'a', contents: img!.toString('base64') }], metadata: { k: 'v' } }),
    });
    const get = async (version: string, path: string) =>
      (await raw('GET', `/customvision/${version}/training${path}`, { 'Training-Key': TRAINING_KEY })).json as Record<
        string,
        unknown
      >;
    expect(await get('v3.3', `/projects/${p}`)).toHaveProperty('status', 'Succeeded');
    expect(await get('v3.2', `/projects/${p}`)).toHaveProperty('status', 'Succeeded');
    const v31 = await get('v3.1', `/projects/${p}`);
    expect(v31).not.toHaveProperty('status');
    expect(v31).toMatchObject({ id: p, name: 'shapes', settings: { useNegativeSet: expect.any(Boolean) } });
    // As Azure answers under v3.0 (CreateImageFromUrl recording), though v3.0's swagger lacks the property.
    const v30 = await get('v3.0', `/projects/${p}`);
    expect(v30).toMatchObject({ settings: { useNegativeSet: expect.any(Boolean) } });
    expect(v30.settings).not.toHaveProperty('imageProcessingSettings');
    expect(v31.settings).toHaveProperty('imageProcessingSettings');
    const images = (version: string) =>
      get(version, `/projects/${p}/images/untagged`) as unknown as Record<string, unknown>[];
    expect((await images('v3.3'))[0]).toHaveProperty('metadata');
    const old = (await images('v3.2'))[0]!;
    expect(old).not.toHaveProperty('metadata');
    expect(old).toHaveProperty('originalImageUri');
  });

  it('answers a partial batch 200 before v3.3 (the older swaggers list no 207), 207 from v3.3', async () => {
    const p = await project('batch');
    const body = Buffer.from(
      JSON.stringify({ images: [{ name: 'bad', contents: Buffer.from('not an image').toString('base64') }] }),
    );
    const headers = { 'Training-Key': TRAINING_KEY, 'Content-Type': 'application/json' };
    for (const [version, status] of [
      ['v3.2', 200],
      ['v3.0', 200],
      ['v3.3', 207],
    ] as const) {
      const r = await raw('POST', `/customvision/${version}/training/projects/${p}/images/files`, headers, body);
      expect(`${version} ${r.status}`).toBe(`${version} ${status}`);
      expect(r.json).toMatchObject({ isBatchSuccessful: false, images: [{ status: 'ErrorImageFormat' }] });
    }
  });
});

describe('tags that come from regions', () => {
  it('tag their images: counts, filters, tags and imageCount follow, and removing the regions untags', async () => {
    const p = await project('regions', OD_GENERAL);
    const [cat, dog] = [await tag(p, 'cat'), await tag(p, 'dog')];
    const images = await distinctJpegs(3, 20);
    const region = (tagId: string, left = 0.1) => ({ tagId, left, top: 0.1, width: 0.5, height: 0.5 });
    const created = await json<{ images: { image: { id: string } }[] }>(
      s.train(`/projects/${p}/images/files`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          images: [
            { name: 'a', contents: images[0]!.toString('base64'), regions: [region(cat), region(cat, 0.2)] },
            { name: 'b', contents: images[1]!.toString('base64'), regions: [region(dog)] },
            { name: 'c', contents: images[2]!.toString('base64') },
          ],
        }),
      }),
    );
    const [a, b, c] = created.images.map((i) => i.image.id);
    expect(await json(s.train(`/projects/${p}/images/tagged/count`))).toBe(2);
    expect(await json(s.train(`/projects/${p}/images/untagged/count`))).toBe(1);
    expect(await json(s.train(`/projects/${p}/images/count?taggingStatus=Tagged`))).toBe(2);
    expect(await json(s.train(`/projects/${p}/images/tagged/count?tagIds=${dog}`))).toBe(1);
    const tags = await json<{ id: string; imageCount: number }[]>(s.train(`/projects/${p}/tags`));
    expect(Object.fromEntries(tags.map((t) => [t.id, t.imageCount]))).toEqual({ [cat]: 1, [dog]: 1 });
    const tagged = await json<{ id: string; tags: { tagId: string; tagName: string }[] }[]>(
      s.train(`/projects/${p}/images/tagged?tagIds=${cat}`),
    );
    expect(tagged.map((i) => [i.id, i.tags.map((t) => t.tagName)])).toEqual([[a, ['cat']]]);
    expect((await json<{ id: string }[]>(s.train(`/projects/${p}/images/untagged`))).map((i) => i.id)).toEqual([c]);

    // Regions added later tag the image too (CreateImageRegions), and a region tag plus the same tag set directly
    // count once.
    const added = await json<{ created: unknown[]; duplicated: unknown[]; exceeded: unknown[] }>(
      s.train(`/projects/${p}/images/regions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ regions: [{ imageId: c, ...region(cat) }] }),
      }),
    );
    expect(added).toMatchObject({ duplicated: [], exceeded: [] });
    await s.train(`/projects/${p}/images/tags`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ tags: [{ imageId: c, tagId: cat }] }),
    });
    expect(await json(s.train(`/projects/${p}/images/untagged/count`))).toBe(0);
    const after = await json<{ id: string; imageCount: number }[]>(s.train(`/projects/${p}/tags`));
    expect(after.find((t) => t.id === cat)?.imageCount).toBe(2);

    // Deleting b's only region leaves it untagged.
    const [bImage] = await json<{ regions: { regionId: string }[] }[]>(
      s.train(`/projects/${p}/images/id?imageIds=${b}`),
    );
    expect(
      (await s.train(`/projects/${p}/images/regions?regionIds=${bImage!.regions[0]!.regionId}`, { method: 'DELETE' }))
        .status,
    ).toBe(204);
    expect((await json<{ id: string }[]>(s.train(`/projects/${p}/images/untagged`))).map((i) => i.id)).toEqual([b]);
  });

  it('are in the training set', async () => {
    const p = await project('region-training');
    const [red, blue] = [await tag(p, 'red'), await tag(p, 'blue')];
    const images = await distinctJpegs(10, 20);
    const full = { left: 0, top: 0, width: 1, height: 1 };
    await s.train(`/projects/${p}/images/files`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        images: images.map((img, i) => ({
          name: `${i}`,
          contents: img.toString('base64'),
          regions: [{ tagId: i < 5 ? red : blue, ...full }],
        })),
      }),
    });
    const trained = await s.train(`/projects/${p}/train`, { method: 'POST' });
    expect(trained.status).toBe(200);
    const { id } = (await trained.json()) as { id: string };
    await s.server.idle();
    expect(await json(s.train(`/projects/${p}/images/count?iterationId=${id}`))).toBe(10);
    const perf = await json<{ perTagPerformance: { id: string }[] }>(
      s.train(`/projects/${p}/iterations/${id}/performance`),
    );
    expect(perf.perTagPerformance.map((t) => t.id).sort()).toEqual([red, blue].sort());
  });
});

describe('batch answers', () => {
  it('CreateImageTags lists duplicated and exceeded as [] when there are none', async () => {
    const p = await project('batch-lists');
    const t = await tag(p, 'a');
    const [img] = await distinctJpegs(1, 16);
    const up = await json<{ images: { image: { id: string } }[] }>(
      s.train(`/projects/${p}/images`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: new Uint8Array(img!),
      }),
    );
    const imageId = up.images[0]!.image.id;
    const first = await json(
      s.train(`/projects/${p}/images/tags`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ tags: [{ imageId, tagId: t }] }),
      }),
    );
    expect(first).toEqual({ created: [{ imageId, tagId: t }], duplicated: [], exceeded: [] });
  });
});
