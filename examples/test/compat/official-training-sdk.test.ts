/**
 * Every method of Microsoft's @azure/cognitiveservices-customvision-training 5.2.0, used unchanged, against a cvkit
 * server running the stand-in engine (nearest colour centroid: the wire is under test here, not the model).
 * packages/server/test/official-training-sdk.test.ts checks the project, tag and image methods in more depth; this
 * file adds training, iterations, evaluation, publishing, quick tests, stored predictions, the smart labeler and
 * model export, and touches every other method once so that the coverage table reflects one run.
 *
 * Each call's outcome is recorded (test/helpers/recorder.ts) for docs/compatibility.md.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TrainingAPIClient, type TrainingAPIModels } from '@azure/cognitiveservices-customvision-training';
import { ApiKeyCredentials, RestError } from '@azure/ms-rest-js';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeEngine } from '../../../packages/server/test/helpers/fake-engine.ts';
import { jpeg } from '../../../packages/server/test/helpers/images.ts';
import { startTestServer, type TestServer, TRAINING_KEY } from '../../../packages/server/test/helpers/test-server.ts';
import { Recorder, recordOfficial } from '../helpers/recorder.ts';

const GENERAL_COMPACT = '0732100f-1a38-4e49-a514-c9b44c697ab5';
const OD_GENERAL = 'da2e3a8a-40a5-4171-82f4-58522f70fbc1';
const PREDICTION_RESOURCE = '/subscriptions/0/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/p';
const MISSING = '00000000-0000-4000-8000-000000000000';

/** Shades of red or blue: the stand-in engine separates them by mean colour. */
const colour = (tag: 'red' | 'blue', i: number, size = 24) =>
  jpeg(size, size, tag === 'red' ? [250 - i * 9, i * 7, 10] : [i * 7, 10, 250 - i * 9]);

async function restError(p: Promise<unknown>): Promise<RestError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RestError);
  return e as RestError;
}

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('official training SDK 5.2.0: every method against cvkit (stand-in engine)', () => {
  const recorder = new Recorder('official-training', 'compat/official-training-sdk');
  let s: TestServer;
  let origin: Server;
  let originUrl: string;
  let client: TrainingAPIClient;
  let project: TrainingAPIModels.Project;
  let red: TrainingAPIModels.Tag;
  let blue: TrainingAPIModels.Tag;
  let iteration: TrainingAPIModels.Iteration;
  const untagged: string[] = [];

  beforeAll(async () => {
    const served = await colour('blue', 6);
    origin = createHttpServer((_req, res) => res.end(served));
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/blue.jpg`;
    s = await startTestServer({ allowPrivateUrls: true }, { engine: fakeEngine() });
    client = recordOfficial(
      new TrainingAPIClient(new ApiKeyCredentials({ inHeader: { 'Training-key': TRAINING_KEY } }), s.url),
      recorder,
    );
  });
  afterAll(async () => {
    origin?.closeAllConnections();
    origin?.close();
    await s?.stop();
  });

  it('domains and projects: getDomains, getDomain, createProject, getProjects, getProject, updateProject', async () => {
    const domains = await client.getDomains();
    expect(domains.some((d) => d.id === GENERAL_COMPACT && d.exportable)).toBe(true);
    expect((await client.getDomain(GENERAL_COMPACT)).exportablePlatforms).toContain('TensorFlow');
    project = await client.createProject('colours', { domainId: GENERAL_COMPACT, classificationType: 'Multiclass' });
    expect((await client.getProjects()).map((p) => p.id)).toEqual([project.id]);
    expect(await client.getProject(project.id!)).toEqual(project);
    project = await client.updateProject(project.id!, {
      name: 'colours',
      description: 'red or blue',
      settings: project.settings,
    });
    expect(project.description).toBe('red or blue');
  });

  it('tags: createTag, getTags, getTag, updateTag', async () => {
    red = await client.createTag(project.id!, 'red');
    blue = await client.createTag(project.id!, 'blu');
    blue = await client.updateTag(project.id!, blue.id!, { name: 'blue', description: 'sky', type: 'Regular' });
    expect(await client.getTag(project.id!, blue.id!)).toMatchObject({ name: 'blue', description: 'sky' });
    expect((await client.getTags(project.id!)).map((t) => t.name).sort()).toEqual(['blue', 'red']);
  });

  it('images: createImagesFromData, createImagesFromFiles, createImagesFromUrls', async () => {
    const one = await client.createImagesFromData(project.id!, await colour('red', 0), { tagIds: [red.id!] });
    expect(one.images?.[0]?.status).toBe('OK');
    const files = await client.createImagesFromFiles(project.id!, {
      images: [
        ...(await Promise.all([1, 2, 3, 4, 5].map((i) => colour('red', i)))).map((contents, i) => ({
          name: `red-${i}.jpg`,
          contents,
          tagIds: [red.id!],
        })),
        ...(await Promise.all([0, 1, 2, 3, 4].map((i) => colour('blue', i)))).map((contents, i) => ({
          name: `blue-${i}.jpg`,
          contents,
          tagIds: [blue.id!],
        })),
      ],
      metadata: { batch: 'first' },
    });
    expect(files.isBatchSuccessful).toBe(true);
    const fromUrl = await client.createImagesFromUrls(project.id!, {
      images: [{ url: originUrl }],
      tagIds: [blue.id!],
    });
    expect(fromUrl.images?.[0]).toMatchObject({ status: 'OK', sourceUrl: originUrl });
    // Two untagged images, for the smart labeler later.
    for (const [tag, i] of [
      ['red', 8],
      ['blue', 8],
    ] as const)
      untagged.push((await client.createImagesFromData(project.id!, await colour(tag, i))).images![0]!.image!.id!);
  });

  it('reading images: getImages, getTaggedImages, getUntaggedImages, getImagesByIds and the three counts', async () => {
    expect((await client.getImages(project.id!, { take: 256 })).length).toBe(14);
    expect((await client.getTaggedImages(project.id!, { tagIds: [blue.id!] })).length).toBe(6);
    expect((await client.getUntaggedImages(project.id!)).map((i) => i.id).sort()).toEqual([...untagged].sort());
    expect((await client.getImagesByIds(project.id!, { imageIds: untagged })).map((i) => i.id)).toEqual(untagged);
    expect((await client.getImageCount(project.id!)).body).toBe(14);
    expect((await client.getTaggedImageCount(project.id!, { tagIds: [red.id!] })).body).toBe(6);
    expect((await client.getUntaggedImageCount(project.id!)).body).toBe(2);
  });

  it('editing images: createImageTags, deleteImageTags, createImageRegions, deleteImageRegions, updateImageMetadata', async () => {
    const [image] = untagged;
    expect(
      (await client.createImageTags(project.id!, { tags: [{ imageId: image!, tagId: red.id! }] })).created,
    ).toHaveLength(1);
    expect((await client.deleteImageTags(project.id!, [image!], [red.id!]))._response.status).toBe(204);
    const regions = await client.createImageRegions(project.id!, {
      regions: [{ imageId: image!, tagId: red.id!, left: 0.1, top: 0.1, width: 0.5, height: 0.5 }],
    });
    expect(regions.created?.[0]?.regionId).toBeTruthy();
    expect((await client.deleteImageRegions(project.id!, [regions.created![0]!.regionId!]))._response.status).toBe(204);
    // Removing the region's tag leaves the image untagged again.
    await client.deleteImageTags(project.id!, [image!], [red.id!]);
    const meta = await client.updateImageMetadata(project.id!, [image!], { camera: 'north' });
    expect(meta.images?.[0]).toMatchObject({ status: 'OK', metadata: { camera: 'north' } });
  });

  it('getImageRegionProposals: a project without a trained detector has no proposals', async () => {
    const proposals = await client.getImageRegionProposals(project.id!, untagged[0]!);
    expect(proposals).toMatchObject({ projectId: project.id, imageId: untagged[0], proposals: [] });
  });

  it('training: trainProject, getIteration until Completed, getIterations, updateIteration, getTags by iteration', async () => {
    const started = await client.trainProject(project.id!);
    expect(started.status).toBe('Training');
    iteration = await until(
      () => client.getIteration(project.id!, started.id!),
      (it) => it.status !== 'Training',
      'training',
    );
    expect(iteration).toMatchObject({ status: 'Completed', exportable: true, domainId: GENERAL_COMPACT });
    expect(iteration.trainedAt).toBeInstanceOf(Date);
    expect((await client.getIterations(project.id!)).map((i) => i.id)).toEqual([iteration.id]);
    iteration = await client.updateIteration(project.id!, iteration.id!, { name: 'first' });
    expect(iteration.name).toBe('first');
    const tags = await client.getTags(project.id!, { iterationId: iteration.id! });
    expect(tags.map((t) => [t.name, t.imageCount]).sort()).toEqual([
      ['blue', 6],
      ['red', 6],
    ]);
    const again = await restError(client.trainProject(project.id!));
    expect(again.code).toBe('BadRequestTrainingNotNeeded');
  });

  it('evaluation: getIterationPerformance, getImagePerformances, getImagePerformanceCount', async () => {
    const perf = await client.getIterationPerformance(project.id!, iteration.id!, {
      threshold: 0.5,
      overlapThreshold: 0.3,
    });
    expect(perf.perTagPerformance?.map((t) => t.name).sort()).toEqual(['blue', 'red']);
    expect(perf.precision).toBeGreaterThan(0.8);
    const images = await client.getImagePerformances(project.id!, iteration.id!, { tagIds: [red.id!], take: 3 });
    expect(images).toHaveLength(3);
    expect(images[0]!.predictions?.length).toBe(2);
    expect(images[0]!.created).toBeInstanceOf(Date);
    expect((await client.getImagePerformanceCount(project.id!, iteration.id!)).body).toBe(12);
  });

  it('publishing: publishIteration answers true; deleteIteration refuses a published iteration', async () => {
    const published = await client.publishIteration(project.id!, iteration.id!, 'prod', PREDICTION_RESOURCE);
    expect(published.body).toBe(true);
    expect((await client.getIteration(project.id!, iteration.id!)).publishName).toBe('prod');
    const e = await restError(client.deleteIteration(project.id!, iteration.id!));
    expect(e).toMatchObject({ statusCode: 400, code: 'BadRequestIterationIsPublished' });
  });

  it('quick tests and stored predictions: quickTestImage, quickTestImageUrl, queryPredictions, createImagesFromPredictions, deletePrediction', async () => {
    const quick = await client.quickTestImage(project.id!, await colour('red', 9), { iterationId: iteration.id! });
    expect(quick.predictions?.[0]?.tagName).toBe('red');
    const fromUrl = await client.quickTestImageUrl(project.id!, { url: originUrl }, { iterationId: iteration.id! });
    expect(fromUrl.predictions?.[0]?.tagName).toBe('blue');
    const nostore = await client.quickTestImage(project.id!, await colour('blue', 9), { store: false });
    expect(nostore.predictions?.[0]?.tagName).toBe('blue');

    const query = await client.queryPredictions(project.id!, { orderBy: 'Newest', maxCount: 10 });
    expect(query.results?.map((r) => r.id)).toEqual([fromUrl.id, quick.id]);
    expect(query.results?.[0]?.created).toBeInstanceOf(Date);
    expect(query.token?.continuation).toBeNull();

    const added = await client.createImagesFromPredictions(project.id!, {
      images: [{ id: quick.id!, tagIds: [red.id!] }],
    });
    expect(added.images?.[0]).toMatchObject({ status: 'OK' });
    expect((await client.deletePrediction(project.id!, [fromUrl.id!]))._response.status).toBe(204);
    expect((await client.queryPredictions(project.id!, {})).results?.map((r) => r.id)).toEqual([quick.id]);
  });

  it('smart labeler: suggestTagsAndRegions, querySuggestedImages, querySuggestedImageCount', async () => {
    const suggested = await client.suggestTagsAndRegions(project.id!, iteration.id!, untagged);
    expect(suggested.map((x) => x.predictions?.[0]?.tagName)).toEqual(['red', 'blue']);
    expect(suggested[0]!.predictionUncertainty).toBeGreaterThanOrEqual(0);
    const query = await client.querySuggestedImages(project.id!, iteration.id!, {
      tagIds: [red.id!, blue.id!],
      threshold: 0.5,
      sortBy: 'UncertaintyAscending',
      maxCount: 10,
    });
    expect(query.results?.map((r) => r.id).sort()).toEqual([...untagged].sort());
    expect(query.results?.[0]?.originalImageUri).toMatch(/^http:\/\//);
    const counts = await client.querySuggestedImageCount(project.id!, iteration.id!, {
      tagIds: [red.id!, blue.id!],
      threshold: 0.5,
    });
    expect({ red: counts[red.id!], blue: counts[blue.id!] }).toEqual({ red: 1, blue: 1 });
  });

  it('export: exportIteration and getExports until Done, then the download; an unsupported platform is refused', async () => {
    const started = await client.exportIteration(project.id!, iteration.id!, 'TensorFlow');
    expect(started).toMatchObject({ platform: 'TensorFlow', status: 'Exporting', downloadUri: null });
    const exports = await until(
      () => client.getExports(project.id!, iteration.id!),
      (list) => list.every((e) => e.status !== 'Exporting'),
      'export',
    );
    expect(exports[0]).toMatchObject({ platform: 'TensorFlow', status: 'Done', newerVersionAvailable: false });
    const zip = new Uint8Array(await (await fetch(exports[0]!.downloadUri!)).arrayBuffer());
    expect(Object.keys(unzipSync(zip)).sort()).toEqual(['labels.txt', 'model.json']);
    // The stand-in engine cannot export ONNX: the server refuses it up front, as it does any platform it cannot produce.
    const unsupported = await restError(client.exportIteration(project.id!, iteration.id!, 'ONNX'));
    expect(unsupported).toMatchObject({ statusCode: 400, code: 'BadRequestNotSupported' });
    expect((await client.getExports(project.id!, iteration.id!)).map((e) => e.platform)).toEqual(['TensorFlow']);
    const flavor = await restError(client.exportIteration(project.id!, iteration.id!, 'ONNX', { flavor: 'Linux' }));
    expect(flavor).toMatchObject({ statusCode: 400, code: 'BadRequestExportValidationFailed' });
  });

  it('unpublishIteration, then deleteIteration', async () => {
    expect((await client.unpublishIteration(project.id!, iteration.id!))._response.status).toBe(204);
    expect((await client.deleteIteration(project.id!, iteration.id!))._response.status).toBe(204);
    expect(await client.getIterations(project.id!)).toEqual([]);
  });

  it('getArtifact, exportProject and importProject into a second server', async () => {
    const [image] = await client.getImagesByIds(project.id!, { imageIds: [untagged[0]!] });
    const artifact = await client.getArtifact(project.id!, `images/${project.id}/${image!.id}/original`);
    const chunks: Buffer[] = [];
    for await (const chunk of artifact.readableStreamBody!) chunks.push(Buffer.from(chunk));
    expect(Buffer.concat(chunks).length).toBeGreaterThan(100);

    const exported = await client.exportProject(project.id!);
    expect(exported).toMatchObject({ imageCount: 15, tagCount: 2, iterationCount: 0 });
    const other = await startTestServer({ allowPrivateUrls: true }, { engine: fakeEngine() });
    try {
      const target = recordOfficial(
        new TrainingAPIClient(new ApiKeyCredentials({ inHeader: { 'Training-key': TRAINING_KEY } }), other.url),
        recorder,
      );
      const copy = await target.importProject(exported.token!, { name: 'colours copy' });
      expect(copy.status).toBe('Importing');
      const done = await until(
        () => target.getProject(copy.id!),
        (p) => p.status !== 'Importing',
        'import',
      );
      expect(done.status).toBe('Succeeded');
      expect((await target.getImageCount(copy.id!)).body).toBe(15);
    } finally {
      await other.stop();
    }
  });

  it('deleting: deleteImages (ids: 204; allImages: 202), deleteTag, deleteProject', async () => {
    expect((await client.deleteImages(project.id!, { imageIds: [untagged[1]!] }))._response.status).toBe(204);
    expect((await client.deleteImages(project.id!, { allImages: true }))._response.status).toBe(202);
    expect((await client.getImageCount(project.id!)).body).toBe(0);
    expect((await client.deleteTag(project.id!, blue.id!))._response.status).toBe(204);
    expect((await client.deleteProject(project.id!))._response.status).toBe(204);
  });

  it('errors come back as RestError with the Azure code', async () => {
    expect(await restError(client.getProject(MISSING))).toMatchObject({ statusCode: 404, code: 'NotFoundProject' });
    const detection = await client.createProject('boxes', { domainId: OD_GENERAL });
    const e = await restError(client.trainProject(detection.id!));
    expect(e).toMatchObject({ statusCode: 400, code: 'BadRequestDetectionTrainingValidationFailed' });
    expect(await restError(client.getIteration(detection.id!, MISSING))).toMatchObject({
      statusCode: 404,
      code: 'NotFoundIteration',
    });
    await client.deleteProject(detection.id!);
  });
});
