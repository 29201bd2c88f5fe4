/**
 * The official @azure/cognitiveservices-customvision-prediction client, unchanged, classifies against the server.
 * Training runs on the fast stand-in engine: this file checks the wire, not the model.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PredictionAPIClient } from '@azure/cognitiveservices-customvision-prediction';
import { ApiKeyCredentials } from '@azure/ms-rest-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg, multipart } from './helpers/images.ts';
import { json, PREDICTION_KEY, startTestServer, type TestServer } from './helpers/test-server.ts';

let s: TestServer;
let origin: Server;
let originUrl: string;
let projectId: string;
let client: PredictionAPIClient;
const colour = (tag: 'red' | 'blue', i: number) =>
  jpeg(16, 16, tag === 'red' ? [250 - i * 9, i * 7, 0] : [i * 7, 0, 250 - i * 9]);

beforeAll(async () => {
  const served = await colour('blue', 3);
  origin = createHttpServer((_req, res) => res.end(served));
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/x.jpg`;
  s = await startTestServer({ allowPrivateUrls: true });
  projectId = (
    await json<{ id: string }>(s.train('/projects?name=sdk&classificationType=Multiclass', { method: 'POST' }))
  ).id;
  for (const tag of ['red', 'blue'] as const) {
    const t = await json<{ id: string }>(s.train(`/projects/${projectId}/tags?name=${tag}`, { method: 'POST' }));
    const files = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => colour(tag, i)));
    await s.train(`/projects/${projectId}/images?tagIds=${t.id}`, {
      method: 'POST',
      body: multipart(files.map((bytes, i) => ({ name: `${i}.jpg`, bytes }))),
    });
  }
  const it = await json<{ id: string }>(s.train(`/projects/${projectId}/train`, { method: 'POST' }));
  await s.server.idle();
  await s.train(`/projects/${projectId}/iterations/${it.id}/publish?publishName=prod&predictionId=x`, {
    method: 'POST',
  });
  client = new PredictionAPIClient(new ApiKeyCredentials({ inHeader: { 'Prediction-key': PREDICTION_KEY } }), s.url);
});
afterAll(async () => {
  origin.closeAllConnections();
  origin.close();
  await s.stop();
});

describe('official prediction SDK 5.1.2 against cvkit', () => {
  it('classifyImage (stored) and classifyImageWithNoStore', async () => {
    const stored = await client.classifyImage(projectId, 'prod', await colour('red', 7));
    expect(stored.project).toBe(projectId);
    expect(stored.predictions?.[0]?.tagName).toBe('red');
    expect(stored.predictions?.[0]?.tagType).toBe('Regular');
    expect(stored.created).toBeInstanceOf(Date);
    const nostore = await client.classifyImageWithNoStore(projectId, 'prod', await colour('blue', 7), {
      application: 'sdk-test',
    });
    expect(nostore.predictions?.[0]?.tagName).toBe('blue');
    const query = await json<{ results: { id: string }[] }>(
      s.train(`/projects/${projectId}/predictions/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
    );
    expect(query.results.map((r) => r.id)).toEqual([stored.id]);
  });

  it('classifyImageUrl and classifyImageUrlWithNoStore', async () => {
    const r = await client.classifyImageUrl(projectId, 'prod', { url: originUrl });
    expect(r.predictions?.[0]?.tagName).toBe('blue');
    const n = await client.classifyImageUrlWithNoStore(projectId, 'prod', { url: originUrl });
    expect(n.predictions?.map((p) => p.tagName)).toEqual(['blue', 'red']);
  });

  it('surfaces Azure errors with their code', async () => {
    await expect(client.classifyImage(projectId, 'missing', await colour('red', 1))).rejects.toMatchObject({
      statusCode: 404,
      body: { code: 'NotFoundIteration' },
    });
    await expect(client.detectImage(projectId, 'prod', await colour('red', 1))).rejects.toMatchObject({
      statusCode: 400,
    });
    const wrongKey = new PredictionAPIClient(new ApiKeyCredentials({ inHeader: { 'Prediction-key': 'nope' } }), s.url);
    await expect(wrongKey.classifyImage(projectId, 'prod', await colour('red', 1))).rejects.toMatchObject({
      statusCode: 401,
    });
  });
});
