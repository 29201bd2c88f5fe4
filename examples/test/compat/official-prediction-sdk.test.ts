/**
 * Every method of Microsoft's @azure/cognitiveservices-customvision-prediction 5.1.2 (Prediction API v3.1), used
 * unchanged, against a cvkit server with the stand-in engine. The detection methods are exercised on a classifier
 * and answer 400 BadRequestNotSupported (a classifier does not detect); official-sdk-detection.test.ts detects
 * with a trained detector.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PredictionAPIClient } from '@azure/cognitiveservices-customvision-prediction';
import { TrainingAPIClient } from '@azure/cognitiveservices-customvision-training';
import { ApiKeyCredentials, RestError } from '@azure/ms-rest-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeEngine } from '../../../packages/server/test/helpers/fake-engine.ts';
import { jpeg } from '../../../packages/server/test/helpers/images.ts';
import {
  PREDICTION_KEY,
  startTestServer,
  type TestServer,
  TRAINING_KEY,
} from '../../../packages/server/test/helpers/test-server.ts';
import { Recorder, recordOfficial } from '../helpers/recorder.ts';

const colour = (tag: 'red' | 'blue', i: number) =>
  jpeg(20, 20, tag === 'red' ? [250 - i * 9, i * 7, 10] : [i * 7, 10, 250 - i * 9]);

describe('official prediction SDK 5.1.2: every method against cvkit (stand-in engine)', () => {
  const recorder = new Recorder('official-prediction', 'compat/official-prediction-sdk');
  let s: TestServer;
  let origin: Server;
  let originUrl: string;
  let projectId: string;
  let trainer: TrainingAPIClient;
  let client: PredictionAPIClient;

  beforeAll(async () => {
    const served = await colour('blue', 9);
    origin = createHttpServer((_req, res) => res.end(served));
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/x.jpg`;
    s = await startTestServer({ allowPrivateUrls: true }, { engine: fakeEngine() });
    trainer = new TrainingAPIClient(new ApiKeyCredentials({ inHeader: { 'Training-key': TRAINING_KEY } }), s.url);
    const project = await trainer.createProject('prediction', { classificationType: 'Multiclass' });
    projectId = project.id!;
    for (const tag of ['red', 'blue'] as const) {
      const t = await trainer.createTag(projectId, tag);
      await trainer.createImagesFromFiles(projectId, {
        images: await Promise.all(
          [0, 1, 2, 3, 4, 5].map(async (i) => ({ name: `${tag}${i}.jpg`, contents: await colour(tag, i) })),
        ),
        tagIds: [t.id!],
      });
    }
    const it = await trainer.trainProject(projectId);
    await s.server.idle();
    await trainer.publishIteration(projectId, it.id!, 'prod', '/subscriptions/0/providers/x/accounts/p');
    client = recordOfficial(
      new PredictionAPIClient(new ApiKeyCredentials({ inHeader: { 'Prediction-key': PREDICTION_KEY } }), s.url),
      recorder,
    );
  });
  afterAll(async () => {
    origin?.closeAllConnections();
    origin?.close();
    await s?.stop();
  });

  it('classifyImage and classifyImageUrl store the prediction; the NoStore twins do not', async () => {
    const stored = await client.classifyImage(projectId, 'prod', await colour('red', 7), { application: 'compat' });
    expect(stored.project).toBe(projectId);
    expect(stored.predictions?.[0]).toMatchObject({ tagName: 'red', tagType: 'Regular' });
    expect(new URL(stored._response.request.url).pathname).toBe(
      `/customvision/v3.1/prediction/${projectId}/classify/iterations/prod/image`,
    );
    const fromUrl = await client.classifyImageUrl(projectId, 'prod', { url: originUrl });
    expect(fromUrl.predictions?.[0]?.tagName).toBe('blue');
    const nostore = await client.classifyImageWithNoStore(projectId, 'prod', await colour('blue', 7));
    expect(nostore.predictions?.[0]?.tagName).toBe('blue');
    const urlNostore = await client.classifyImageUrlWithNoStore(projectId, 'prod', { url: originUrl });
    expect(urlNostore.predictions?.map((p) => p.tagName)).toEqual(['blue', 'red']);

    const query = await trainer.queryPredictions(projectId, {});
    expect(query.results?.map((r) => r.id).sort()).toEqual([stored.id, fromUrl.id].sort());
    expect((await trainer.queryPredictions(projectId, { application: 'compat' })).results?.map((r) => r.id)).toEqual([
      stored.id,
    ]);
  });

  it('detectImage, detectImageUrl, detectImageWithNoStore, detectImageUrlWithNoStore: 400 on a classifier', async () => {
    const image = await colour('red', 1);
    for (const call of [
      () => client.detectImage(projectId, 'prod', image),
      () => client.detectImageUrl(projectId, 'prod', { url: originUrl }),
      () => client.detectImageWithNoStore(projectId, 'prod', image),
      () => client.detectImageUrlWithNoStore(projectId, 'prod', { url: originUrl }),
    ]) {
      const e = await call().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(RestError);
      expect(e).toMatchObject({ statusCode: 400, body: { code: 'BadRequestNotSupported' } });
    }
  });

  it('errors: unknown publish name → 404 NotFoundIteration; wrong key → 401', async () => {
    await expect(client.classifyImage(projectId, 'nope', await colour('red', 2))).rejects.toMatchObject({
      statusCode: 404,
      body: { code: 'NotFoundIteration' },
    });
    const wrong = recordOfficial(
      new PredictionAPIClient(new ApiKeyCredentials({ inHeader: { 'Prediction-key': 'nope' } }), s.url),
      recorder,
    );
    await expect(wrong.classifyImageUrl(projectId, 'prod', { url: originUrl })).rejects.toMatchObject({
      statusCode: 401,
    });
  });
});
