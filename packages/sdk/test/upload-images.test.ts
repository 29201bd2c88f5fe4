import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { maxTrainingImageBytes, TrainingClient, type UploadProgress } from '../src/index.js';
import { endpoint, readSent, type SentRequest, server, trainingBase, useMockServer } from './support/msw.js';

useMockServer();

const trainer = new TrainingClient({ endpoint, trainingKey: 'k', retry: { initialDelayMs: 1, maxDelayMs: 2 } });
const imagesUrl = `${trainingBase}/projects/p/images`;
const filesUrl = `${trainingBase}/projects/p/images/files`;

const image = (n: number) => new Uint8Array([0xff, 0xd8, n & 0xff, (n >> 8) & 0xff]);

/** A fake service: answers every image OK (or with `statusFor`), and records each request. */
function fakeService(statusFor: (name: string) => string = () => 'OK') {
  const requests: SentRequest[] = [];
  const answer = (names: string[]) => {
    const images = names.map((name) => ({ sourceUrl: `"${name}"`, status: statusFor(name), image: { id: name } }));
    const allOk = images.every((i) => i.status === 'OK');
    return HttpResponse.json({ isBatchSuccessful: allOk, images }, { status: allOk ? 200 : 207 });
  };
  server.use(
    http.post(imagesUrl, async ({ request }) => {
      const sent = await readSent(request);
      requests.push(sent);
      if (sent.body.kind !== 'multipart') throw new Error('expected multipart');
      return answer(sent.body.parts.map((p) => p.name));
    }),
    http.post(filesUrl, async ({ request }) => {
      const sent = await readSent(request);
      requests.push(sent);
      if (sent.body.kind !== 'json') throw new Error('expected json');
      return answer((sent.body.value as { images: { name: string }[] }).images.map((i) => i.name));
    }),
  );
  return requests;
}

describe('uploadImages', () => {
  it('splits 150 images into batches of 64, 64 and 22 and merges the answers', async () => {
    const requests = fakeService();
    const progress: UploadProgress[] = [];
    const images = Array.from({ length: 150 }, (_, i) => image(i));
    const summary = await trainer.uploadImages('p', images, {
      tagIds: ['t1'],
      onProgress: (p) => void progress.push(p),
    });

    expect(requests.map((r) => (r.body.kind === 'multipart' ? r.body.parts.length : -1))).toEqual([64, 64, 22]);
    for (const r of requests) {
      expect(r.url.search).toBe('?tagIds=t1');
      if (r.body.kind === 'multipart') expect(r.body.parts.every((p) => p.field === 'imageData')).toBe(true);
    }
    expect(summary.isBatchSuccessful).toBe(true);
    expect(summary.images).toHaveLength(150);
    expect(summary.images.map((i) => i.index)).toEqual(images.map((_, i) => i));
    expect(summary.images[149]?.sourceUrl).toBe('"image-150"');
    expect(progress.map((p) => [p.done, p.total])).toEqual([
      [64, 150],
      [128, 150],
      [150, 150],
    ]);
  });

  it('rejects images over 6 MB locally with their own entry and sends the rest', async () => {
    const requests = fakeService();
    const big = new Uint8Array(maxTrainingImageBytes + 1);
    const summary = await trainer.uploadImages('p', [
      image(1),
      { image: big, name: 'huge.jpg' },
      new File([image(3)], 'c.jpg'),
    ]);
    expect(requests).toHaveLength(1);
    const sent = requests[0]!.body;
    expect(sent.kind === 'multipart' && sent.parts.map((p) => p.name)).toEqual(['image-1', 'c.jpg']);
    expect(summary.isBatchSuccessful).toBe(false);
    const rejected = summary.images.find((i) => i.index === 1);
    expect(rejected).toMatchObject({ status: 'ErrorImageSize', sourceUrl: 'huge.jpg', image: null });
    expect(rejected?.message).toMatch(/huge\.jpg is 6291457 bytes; the limit is 6291456 bytes/);
    expect(summary.images.map((i) => [i.index, i.status])).toEqual([
      [0, 'OK'],
      [1, 'ErrorImageSize'],
      [2, 'OK'],
    ]);
  });

  it('reports a partial batch (207) as not successful, keeping each image status', async () => {
    fakeService((name) => (name === 'image-2' ? 'ErrorImageFormat' : 'OK'));
    const summary = await trainer.uploadImages('p', [image(1), image(2), image(3)]);
    expect(summary.isBatchSuccessful).toBe(false);
    expect(summary.images.map((i) => i.status)).toEqual(['OK', 'ErrorImageFormat', 'OK']);
  });

  it('sends images with their own tags or regions as JSON, keeping at most 20 distinct tags per request', async () => {
    const requests = fakeService();
    const entries = Array.from({ length: 30 }, (_, i) => ({ image: image(i), name: `${i}.jpg`, tagIds: [`tag-${i}`] }));
    entries[0] = { ...entries[0]!, regions: [{ tagId: 'tag-0', left: 0, top: 0, width: 0.5, height: 0.5 }] } as never;
    const summary = await trainer.uploadImages('p', entries, { tagIds: ['shared'] });

    // 'shared' + 19 own tags fill the first request; the other 11 go in the second.
    const batches = requests.map((r) => (r.body.kind === 'json' ? r.body.value : undefined)) as {
      images: { name: string; contents: string; tagIds: string[]; regions?: unknown[] }[];
      tagIds: string[];
    }[];
    expect(batches.map((b) => b.images.length)).toEqual([19, 11]);
    for (const b of batches) {
      expect(b.tagIds).toEqual(['shared']);
      expect(new Set([...b.tagIds, ...b.images.flatMap((i) => i.tagIds)]).size).toBeLessThanOrEqual(20);
    }
    expect(batches[0]!.images[0]).toEqual({
      name: '0.jpg',
      contents: btoa(String.fromCharCode(...image(0))),
      tagIds: ['tag-0'],
      regions: [{ tagId: 'tag-0', left: 0, top: 0, width: 0.5, height: 0.5 }],
    });
    expect(summary.isBatchSuccessful).toBe(true);
    expect(summary.images).toHaveLength(30);
  });

  it('rejects an image with more than 20 tags locally, and more than 20 shared tags up front', async () => {
    fakeService();
    const many = Array.from({ length: 21 }, (_, i) => `t${i}`);
    const summary = await trainer.uploadImages('p', [{ image: image(1), tagIds: many }, image(2)]);
    expect(summary.images[0]).toMatchObject({ index: 0, status: 'ErrorTagLimitExceed' });
    expect(summary.images[1]).toMatchObject({ index: 1, status: 'OK' });
    await expect(trainer.uploadImages('p', [image(1)], { tagIds: many })).rejects.toThrow(RangeError);
  });

  it('takes async iterables of images and refuses a single image passed as the list', async () => {
    const requests = fakeService();
    async function* source() {
      for (let i = 0; i < 3; i++) yield image(i);
    }
    const summary = await trainer.uploadImages('p', source(), { batchSize: 2 });
    expect(requests).toHaveLength(2);
    expect(summary.images).toHaveLength(3);
    await expect(trainer.uploadImages('p', image(1) as never)).rejects.toThrow(/wrap a single image in an array/);
  });

  it('sends metadata through the JSON batch', async () => {
    const requests = fakeService();
    await trainer.uploadImages('p', [image(1)], { metadata: { camera: 'north' } });
    expect(requests[0]?.url.pathname).toBe('/customvision/v3.3/training/projects/p/images/files');
    expect(requests[0]?.body).toMatchObject({ kind: 'json', value: { metadata: { camera: 'north' } } });
  });
});
