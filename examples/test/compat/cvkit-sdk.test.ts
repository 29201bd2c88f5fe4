/**
 * @cvkit/sdk against a cvkit server (stand-in engine) for the operations the examples do not call, plus the paging
 * helpers and the other API versions (Training v3.4-preview, Prediction v3.0). With the example tests this puts
 * all 60 operations through @cvkit/sdk; the recorder notes each call for docs/compatibility.md.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BadRequestError, NotFoundError, PredictionClient, TrainingClient } from '@cvkit/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeEngine } from '../../../packages/server/test/helpers/fake-engine.ts';
import { jpeg } from '../../../packages/server/test/helpers/images.ts';
import {
  PREDICTION_KEY,
  startTestServer,
  type TestServer,
  TRAINING_KEY,
} from '../../../packages/server/test/helpers/test-server.ts';
import { Recorder } from '../helpers/recorder.ts';

const colour = (tag: 'red' | 'blue', i: number) =>
  jpeg(20, 20, tag === 'red' ? [250 - i * 9, i * 7, 10] : [i * 7, 10, 250 - i * 9]);
const RESOURCE = '/subscriptions/0/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/p';

describe('@cvkit/sdk: the operations the examples leave out, paging helpers, other API versions', () => {
  const recorder = new Recorder('@cvkit/sdk', 'compat/cvkit-sdk');
  let s: TestServer;
  let origin: Server;
  let originUrl: string;
  let trainer: TrainingClient;
  let predictor: PredictionClient;
  let projectId: string;
  let iterationId: string;
  const tags: Record<string, string> = {};
  const imageIds: string[] = [];

  beforeAll(async () => {
    const served = await colour('blue', 9);
    origin = createHttpServer((_req, res) => res.end(served));
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/b.jpg`;
    s = await startTestServer({ allowPrivateUrls: true }, { engine: fakeEngine() });
    const onResponse = recorder.onResponse;
    trainer = new TrainingClient({
      endpoint: s.url,
      trainingKey: TRAINING_KEY,
      apiVersion: 'v3.4-preview',
      onResponse,
    });
    predictor = new PredictionClient({ endpoint: s.url, predictionKey: PREDICTION_KEY, onResponse });
  });
  afterAll(async () => {
    origin?.closeAllConnections();
    origin?.close();
    await s?.stop();
  });

  it('projects and tags: getDomain, updateProject, getTag, updateTag (only the changed fields)', async () => {
    expect((await trainer.getDomain('0732100f-1a38-4e49-a514-c9b44c697ab5')).exportable).toBe(true);
    const p = await trainer.createProject({ name: 'sdk', classificationType: 'Multiclass' });
    projectId = p.id!;
    expect((await trainer.updateProject(projectId, { description: 'colours' })).description).toBe('colours');
    for (const name of ['red', 'blu']) tags[name] = (await trainer.createTag(projectId, { name })).id!;
    expect((await trainer.updateTag(projectId, tags.blu!, { name: 'blue' })).name).toBe('blue');
    expect((await trainer.getTag(projectId, tags.blu!)).name).toBe('blue');
  });

  it('images: uploadImages, createImagesFromUrls, getImagesByIds, getTaggedImages, getUntaggedImages', async () => {
    for (const tag of ['red', 'blu'] as const) {
      const files = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => colour(tag === 'red' ? 'red' : 'blue', i)));
      const up = await trainer.uploadImages(projectId, files, { tagIds: [tags[tag]!] });
      imageIds.push(...up.images.map((i) => i.image!.id!));
    }
    const fromUrl = await trainer.createImagesFromUrls(projectId, { images: [{ url: originUrl }] });
    expect(fromUrl.images?.[0]?.status).toBe('OK');
    const untagged = fromUrl.images![0]!.image!.id!;
    expect((await trainer.getUntaggedImages(projectId)).map((i) => i.id)).toEqual([untagged]);
    expect((await trainer.getTaggedImages(projectId, { tagIds: [tags.red!] })).length).toBe(6);
    expect((await trainer.getImagesByIds(projectId, { imageIds: [untagged] }))[0]?.id).toBe(untagged);
    imageIds.push(untagged);
  });

  it('image edits: updateImageMetadata, createImageRegions / deleteImageRegions, deleteImageTags', async () => {
    const last = imageIds.at(-1)!;
    const meta = await trainer.updateImageMetadata(projectId, { site: 'north' }, { imageIds: [last] });
    expect(meta.images?.[0]?.metadata).toEqual({ site: 'north' });
    const regions = await trainer.createImageRegions(projectId, {
      regions: [{ imageId: last, tagId: tags.red!, left: 0, top: 0, width: 0.5, height: 0.5 }],
    });
    await trainer.deleteImageRegions(projectId, { regionIds: [regions.created![0]!.regionId!] });
    await trainer.deleteImageTags(projectId, { imageIds: [last], tagIds: [tags.red!] });
    expect(await trainer.getUntaggedImageCount(projectId)).toBe(1);
  });

  it('getImageRegionProposals: a classifier project has no trained detector, so no proposals', async () => {
    const proposals = await trainer.getImageRegionProposals(projectId, imageIds[0]!);
    expect(proposals).toMatchObject({ projectId, imageId: imageIds[0], proposals: [] });
  });

  it('iterations: train, getIterations, updateIteration, image performances (paged), publish', async () => {
    const it = await trainer.trainProject(projectId);
    iterationId = (await trainer.waitForTraining(projectId, it.id!, { intervalMs: 20 })).id!;
    expect((await trainer.getIterations(projectId)).map((i) => i.id)).toEqual([iterationId]);
    expect((await trainer.updateIteration(projectId, iterationId, { name: 'colours' })).name).toBe('colours');
    const count = await trainer.getImagePerformanceCount(projectId, iterationId);
    const paged = [];
    for await (const p of trainer.iterateImagePerformances(projectId, iterationId, {}, { pageSize: 5 })) paged.push(p);
    expect(paged).toHaveLength(count);
    expect((await trainer.getImagePerformances(projectId, iterationId, { take: 2, skip: 1 })).length).toBe(2);
    await trainer.publishIteration(projectId, iterationId, { publishName: 'prod', predictionId: RESOURCE });
  });

  it('predictions: the four classify calls, Prediction v3.0, quickTestImageUrl, paged queryPredictions, deletePrediction', async () => {
    const a = await predictor.classifyImageUrl(projectId, 'prod', { url: originUrl });
    expect(a.predictions?.[0]?.tagName).toBe('blue');
    const b = await predictor.classifyImage(projectId, 'prod', await colour('red', 8));
    await predictor.classifyImageWithNoStore(projectId, 'prod', await colour('red', 9));
    await predictor.classifyImageUrlWithNoStore(projectId, 'prod', { url: originUrl });
    const v30 = new PredictionClient({
      endpoint: s.url,
      predictionKey: PREDICTION_KEY,
      apiVersion: 'v3.0',
      onResponse: recorder.onResponse,
    });
    const c = await v30.classifyImage(projectId, 'prod', await colour('blue', 8));
    expect(c.predictions?.[0]?.tagName).toBe('blue');
    const d = await trainer.quickTestImageUrl(projectId, { url: originUrl }, { iterationId });

    const direct = await trainer.queryPredictions(projectId, { orderBy: 'Oldest' });
    expect(direct.results?.map((r) => r.id)).toEqual([a.id, b.id, c.id, d.id]);
    // Pages of one, following token.continuation.
    const ids = [];
    for await (const p of trainer.iteratePredictions(projectId, { maxCount: 1, orderBy: 'Oldest' })) ids.push(p.id);
    expect(ids).toEqual([a.id, b.id, c.id, d.id]);
    await trainer.deletePrediction(projectId, { ids: [d.id!] });
    expect((await trainer.queryPredictions(projectId, {})).results).toHaveLength(3);
  });

  it('detection calls on a classifier: 400 BadRequestNotSupported from all four', async () => {
    const image = await colour('red', 3);
    for (const call of [
      () => predictor.detectImage(projectId, 'prod', image),
      () => predictor.detectImageWithNoStore(projectId, 'prod', image),
      () => predictor.detectImageUrl(projectId, 'prod', { url: originUrl }),
      () => predictor.detectImageUrlWithNoStore(projectId, 'prod', { url: originUrl }),
    ])
      await expect(call()).rejects.toMatchObject({ status: 400, code: 'BadRequestNotSupported' });
  });

  it('getArtifact returns a Blob; exportProject / importProject between two servers', async () => {
    const blob = await trainer.getArtifact(projectId, { path: `images/${projectId}/${imageIds[0]}/original` });
    expect((blob as Blob).size).toBeGreaterThan(100);
    const exported = await trainer.exportProject(projectId);
    const other = await startTestServer({ allowPrivateUrls: true }, { engine: fakeEngine() });
    try {
      const target = new TrainingClient({
        endpoint: other.url,
        trainingKey: TRAINING_KEY,
        onResponse: recorder.onResponse,
      });
      let copy = await target.importProject({ token: exported.token!, name: 'copy' });
      while (copy.status === 'Importing') {
        await new Promise((r) => setTimeout(r, 20));
        copy = await target.getProject(copy.id!);
      }
      expect(copy.status).toBe('Succeeded');
      expect(await target.getImageCount(copy.id!)).toBe(await trainer.getImageCount(projectId));
    } finally {
      await other.stop();
    }
  });

  it('tear-down: unpublishIteration, deleteIteration, deleteImages, deleteTag, deleteProject; typed errors', async () => {
    await trainer.unpublishIteration(projectId, iterationId);
    await trainer.deleteIteration(projectId, iterationId);
    await trainer.deleteImages(projectId, { imageIds: [imageIds[0]!] });
    await trainer.deleteTag(projectId, tags.red!);
    await trainer.deleteProject(projectId);
    await expect(trainer.getProject(projectId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(trainer.createProject({ name: '' })).rejects.toBeInstanceOf(BadRequestError);
  });
});
