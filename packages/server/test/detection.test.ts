/**
 * Object detection end to end through the HTTP API with the real engine, on the fork/scissors photos of Custom
 * Vision's detection quickstart (data/datasets/azure-cv-fork-scissors): regions and their rules, training with
 * Azure's minimum, per-tag precision / recall / AP and mAP, DetectImage on both prediction versions, quick test,
 * stored predictions, region proposals and suggested regions.
 */

import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, PREDICTION_KEY, startTestServer, type TestServer } from './helpers/test-server.ts';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../data/datasets/azure-cv-fork-scissors');
const OD_GENERAL = 'da2e3a8a-40a5-4171-82f4-58522f70fbc1';

interface Annotated {
  file: string;
  regions: { tag: string; left: number; top: number; width: number; height: number }[];
}
interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}
interface Prediction {
  tagId: string;
  tagName: string;
  probability: number;
  boundingBox?: Box;
  tagType?: string;
}

const photos = (JSON.parse(readFileSync(path.join(DIR, 'annotations.json'), 'utf8')) as { images: Annotated[] }).images;
const train = photos.filter((p) => p.file.startsWith('train/'));
const testFork = readFileSync(path.join(DIR, 'test/fork/test_image.jpg'));

describe('object detection through the API (real engine, fork / scissors)', () => {
  let s: TestServer;
  let origin: Server;
  let originUrl: string;
  let projectId: string;
  const tags: Record<string, string> = {};
  let iterationId: string;
  const post = (p: string, body?: unknown) =>
    s.train(p, {
      method: 'POST',
      ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    });
  const upload = (list: Annotated[]) =>
    post(`/projects/${projectId}/images/files`, {
      images: list.map((p) => ({
        name: p.file,
        contents: readFileSync(path.join(DIR, p.file)).toString('base64'),
        regions: p.regions.map((r) => ({
          tagId: tags[r.tag],
          left: r.left,
          top: r.top,
          width: r.width,
          height: r.height,
        })),
      })),
    });
  const detect = (version: string, suffix: string, init: RequestInit) =>
    fetch(`${s.url}/customvision/${version}/prediction/${projectId}/detect/iterations/forks/${suffix}`, {
      method: 'POST',
      ...init,
      headers: { 'Prediction-Key': PREDICTION_KEY, ...(init.headers as Record<string, string>) },
    });

  beforeAll(async () => {
    origin = createHttpServer((_req, res) => res.end(testFork));
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/fork.jpg`;
    s = await startTestServer({ allowPrivateUrls: true }, { engine: 'real' });
    projectId = (await json<{ id: string }>(post(`/projects?name=forks&domainId=${OD_GENERAL}`))).id;
    for (const name of ['fork', 'scissors'])
      tags[name] = (await json<{ id: string }>(post(`/projects/${projectId}/tags?name=${name}`))).id;
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
    origin?.close();
  });

  it('keeps regions as Azure does: validated, limited, never with the Negative tag', async () => {
    const negative = (await json<{ id: string }>(post(`/projects/${projectId}/tags?name=none&type=Negative`))).id;
    const first = train.find((p) => p.file.includes('fork'))!;
    const created = await json<{
      images: { status: string; image: { id: string; regions: { regionId: string }[] } }[];
    }>(upload([first]));
    expect(created.images[0]!.status).toBe('OK');
    const imageId = created.images[0]!.image.id;
    expect(created.images[0]!.image.regions).toHaveLength(1);
    const region = (r: Partial<Box & { tagId: string }>) => ({
      imageId,
      tagId: tags.fork,
      left: 0.1,
      top: 0.1,
      width: 0.2,
      height: 0.2,
      ...r,
    });
    // Outside the image, empty, or tagged Negative: 400 BadRequestImageRegions, nothing stored.
    for (const bad of [
      region({ left: 0.9, width: 0.2 }),
      region({ width: 0 }),
      region({ top: -0.1 }),
      region({ tagId: negative }),
    ]) {
      const res = await post(`/projects/${projectId}/images/regions`, { regions: [bad] });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'BadRequestImageRegions' });
    }
    // A new region is created (200); the same again is a duplicate (207).
    const ok = await post(`/projects/${projectId}/images/regions`, { regions: [region({})] });
    expect(ok.status).toBe(200);
    const okBody = await json<{ created: { regionId: string; tagName: string }[] }>(ok);
    expect(okBody.created[0]!.tagName).toBe('fork');
    const dup = await post(`/projects/${projectId}/images/regions`, { regions: [region({})] });
    expect(dup.status).toBe(207);
    expect(await dup.json()).toMatchObject({ duplicated: [{ imageId, tagId: tags.fork }] });
    // More than 64 in a batch: 400 BadRequestExceededBatchSize.
    const many = await post(`/projects/${projectId}/images/regions`, {
      regions: Array.from({ length: 65 }, (_, i) => region({ left: i / 100 })),
    });
    expect(many.status).toBe(400);
    expect(await many.json()).toMatchObject({ code: 'BadRequestExceededBatchSize' });
    // DeleteImageRegions removes the extra one.
    const del = await s.train(`/projects/${projectId}/images/regions?regionIds=${okBody.created[0]!.regionId}`, {
      method: 'DELETE',
    });
    expect(del.status).toBe(204);
    const [image] = await json<{ regions: unknown[] }[]>(
      s.train(`/projects/${projectId}/images/id?imageIds=${imageId}`),
    );
    expect(image!.regions).toHaveLength(1);
    const delTag = await s.train(`/projects/${projectId}/tags/${negative}`, { method: 'DELETE' });
    expect(delTag.status).toBe(204);
  }, 60_000);

  it('refuses to train below 15 images per tag with BadRequestDetectionTrainingValidationFailed, then trains', async () => {
    const forks = train.filter((p) => p.regions[0]!.tag === 'fork');
    const scissors = train.filter((p) => p.regions[0]!.tag === 'scissors');
    expect(forks.length + scissors.length).toBe(40);
    await upload([...forks.slice(1), ...scissors.slice(0, 14)]);
    const short = await post(`/projects/${projectId}/train`);
    expect(short.status).toBe(400);
    const shortBody = await json<{ code: string; message: string }>(short);
    expect(shortBody.code).toBe('BadRequestDetectionTrainingValidationFailed');
    expect(shortBody.message).toContain('scissors');
    await upload(scissors.slice(14));
    const started = await json<{ id: string; status: string }>(post(`/projects/${projectId}/train`));
    expect(started.status).toBe('Training');
    await s.server.idle();
    const it = await json<{ status: string; domainId: string; exportable: boolean }>(
      s.train(`/projects/${projectId}/iterations/${started.id}`),
    );
    expect(it).toMatchObject({ status: 'Completed', domainId: OD_GENERAL, exportable: false });
    iterationId = started.id;
  }, 180_000);

  it('reports per-tag precision, recall, AP and mAP from out-of-fold boxes, at any threshold and overlap', async () => {
    type Perf = {
      precision: number;
      recall: number;
      averagePrecision: number;
      perTagPerformance: { name: string; precision: number; recall: number; averagePrecision: number }[];
    };
    const at = (q: string) => json<Perf>(s.train(`/projects/${projectId}/iterations/${iterationId}/performance${q}`));
    const byDefault = await at('');
    const half = await at('?threshold=0.5&overlapThreshold=0.5');
    const strict = await at('?threshold=0.5&overlapThreshold=0.9');
    const low = await at('?threshold=0.05&overlapThreshold=0.5');
    expect(half.averagePrecision).toBeGreaterThanOrEqual(0.85);
    expect(byDefault.averagePrecision).toBeGreaterThanOrEqual(half.averagePrecision);
    expect(strict.averagePrecision).toBeLessThan(half.averagePrecision);
    expect(low.recall).toBeGreaterThanOrEqual(half.recall);
    expect(half.perTagPerformance.map((t) => t.name).sort()).toEqual(['fork', 'scissors']);
    const mean = half.perTagPerformance.reduce((a, t) => a + t.averagePrecision, 0) / 2;
    expect(half.averagePrecision).toBeCloseTo(mean, 9);

    const perImage = await json<{ id: string; predictions: Prediction[]; regions: unknown[] }[]>(
      s.train(`/projects/${projectId}/iterations/${iterationId}/performance/images?take=100`),
    );
    expect(perImage).toHaveLength(40);
    expect(perImage[0]!.regions.length).toBeGreaterThan(0);
    expect(perImage[0]!.predictions[0]!.boundingBox).toMatchObject({
      left: expect.any(Number),
      width: expect.any(Number),
    });
  });

  it('detects with the published iteration on Prediction v3.1 and v3.0, stored and not, by file and URL', async () => {
    const pub = await post(
      `/projects/${projectId}/iterations/${iterationId}/publish?publishName=forks&predictionId=${encodeURIComponent('/subscriptions/x')}`,
    );
    expect(pub.status).toBe(200);
    const v31 = await json<{ id: string; predictions: Prediction[] }>(
      detect('v3.1', 'image', { body: new Uint8Array(testFork) }),
    );
    const top = v31.predictions[0]!;
    expect(top).toMatchObject({ tagName: 'fork', tagId: tags.fork, tagType: 'Regular' });
    expect(top.probability).toBeGreaterThan(0.3);
    const b = top.boundingBox!;
    expect(b.left).toBeGreaterThanOrEqual(0);
    expect(b.left + b.width).toBeLessThanOrEqual(1 + 1e-6);
    expect(b.width * b.height).toBeGreaterThan(0.01);
    for (let i = 1; i < v31.predictions.length; i++)
      expect(v31.predictions[i]!.probability).toBeLessThanOrEqual(v31.predictions[i - 1]!.probability);
    expect(v31.predictions.length).toBeLessThanOrEqual(200);

    const v30 = await json<{ predictions: Prediction[] }>(
      detect('v3.0', 'image/nostore', { body: new Uint8Array(testFork) }),
    );
    expect(v30.predictions[0]!.boundingBox).toEqual(b);
    const byUrl = await json<{ predictions: Prediction[] }>(
      detect('v3.1', 'url/nostore', {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: originUrl }),
      }),
    );
    expect(byUrl.predictions[0]!.boundingBox).toEqual(b);

    // A detector does not classify.
    const classify = await fetch(`${s.url}/customvision/v3.1/prediction/${projectId}/classify/iterations/forks/image`, {
      method: 'POST',
      headers: { 'Prediction-Key': PREDICTION_KEY },
      body: new Uint8Array(testFork),
    });
    expect(classify.status).toBe(400);
    expect(await classify.json()).toMatchObject({ code: 'BadRequestNotSupported' });

    // The stored prediction keeps its boxes; its regions become a training image's.
    const stored = await json<{ results: { id: string; predictions: Prediction[] }[] }>(
      post(`/projects/${projectId}/predictions/query`, {}),
    );
    const kept = stored.results.find((r) => r.id === v31.id)!;
    expect(kept.predictions[0]!.boundingBox).toEqual(b);
    const fromPrediction = await json<{
      images: { status: string; image: { regions: (Box & { tagId: string })[] } }[];
    }>(
      post(`/projects/${projectId}/images/predictions`, {
        images: [{ id: v31.id, regions: [{ tagId: top.tagId, ...b }] }],
      }),
    );
    expect(fromPrediction.images[0]!.status).toBe('OK');
    expect(fromPrediction.images[0]!.image.regions[0]).toMatchObject({
      tagId: top.tagId,
      left: b.left,
      width: b.width,
    });
  }, 60_000);

  it('quick-tests, proposes regions and suggests tags with regions', async () => {
    const quick = await json<{ predictions: Prediction[] }>(
      s.train(`/projects/${projectId}/quicktest/image?iterationId=${iterationId}&store=false`, {
        method: 'POST',
        body: new Uint8Array(testFork),
      }),
    );
    expect(quick.predictions[0]).toMatchObject({ tagName: 'fork', boundingBox: expect.any(Object) });

    const images = await json<{ id: string }[]>(s.train(`/projects/${projectId}/images?take=2`));
    const proposals = await json<{ imageId: string; proposals: { confidence: number; boundingBox: Box }[] }>(
      post(`/projects/${projectId}/images/${images[0]!.id}/regionproposals`),
    );
    expect(proposals.imageId).toBe(images[0]!.id);
    expect(proposals.proposals.length).toBeGreaterThan(0);
    expect(proposals.proposals[0]!.boundingBox.width).toBeGreaterThan(0);

    const suggested = await json<{ id: string; predictions: Prediction[] }[]>(
      post(`/projects/${projectId}/tagsandregions/suggestions?iterationId=${iterationId}&imageIds=${images[0]!.id}`),
    );
    expect(suggested[0]!.predictions[0]!.boundingBox).toBeDefined();
  }, 60_000);
});
