import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrainingAPIClient, type TrainingAPIModels } from '@azure/cognitiveservices-customvision-training';
import { ApiKeyCredentials, RestError } from '@azure/ms-rest-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distinctJpegs } from './helpers/images.ts';
import { startTestServer, type TestServer, TRAINING_KEY } from './helpers/test-server.ts';

/**
 * Microsoft's own JS client, @azure/cognitiveservices-customvision-training 5.2.0, constructed exactly as the
 * quickstart does and pointed at cvkit. Its serializer and deserializer are strict about status codes, required
 * fields and content types, so these tests catch wire differences that hand-written requests would not.
 * (The 5.2.0 build targets `{Endpoint}/customvision/v3.4-preview/training`; the first test checks that.)
 */

let s: TestServer;
let client: TrainingAPIClient;
let workDir: string;

beforeAll(async () => {
  s = await startTestServer();
  workDir = mkdtempSync(join(tmpdir(), 'cvkit-sdk-'));
  client = new TrainingAPIClient(new ApiKeyCredentials({ inHeader: { 'Training-key': TRAINING_KEY } }), s.url);
});
afterAll(async () => {
  await s.stop();
  rmSync(workDir, { recursive: true, force: true });
});

async function restError(p: Promise<unknown>): Promise<RestError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RestError);
  return e as RestError;
}

const GENERAL = 'ee85a74c-405e-4adc-bb47-ffa8ca0c9f31';
const GENERAL_COMPACT = '0732100f-1a38-4e49-a514-c9b44c697ab5';
const OD_GENERAL = 'da2e3a8a-40a5-4171-82f4-58522f70fbc1';

describe('official training SDK 5.2.0 against cvkit', () => {
  let project: TrainingAPIModels.Project;
  let detection: TrainingAPIModels.Project;
  let oak: TrainingAPIModels.Tag;
  let pine: TrainingAPIModels.Tag;
  let negative: TrainingAPIModels.Tag;
  let box: TrainingAPIModels.Tag;
  const imageIds: string[] = [];

  it('getDomains / getDomain', async () => {
    const domains = await client.getDomains();
    expect(new URL(domains._response.request.url).pathname).toBe('/customvision/v3.4-preview/training/domains');
    expect(domains.length).toBeGreaterThanOrEqual(10);
    expect(domains.find((d) => d.id === GENERAL)).toMatchObject({ name: 'General', type: 'Classification' });
    const compact = await client.getDomain(GENERAL_COMPACT);
    expect(compact).toMatchObject({ id: GENERAL_COMPACT, exportable: true, enabled: true });
    expect(compact.exportablePlatforms).toContain('ONNX');
  });

  it('createProject with and without options, getProjects, getProject', async () => {
    project = await client.createProject('sdk trees');
    expect(project).toMatchObject({ name: 'sdk trees', description: '', status: 'Succeeded' });
    expect(project.settings).toMatchObject({ domainId: GENERAL, classificationType: 'Multilabel' });
    expect(project.created).toBeInstanceOf(Date);
    expect(Number.isNaN(project.created!.getTime())).toBe(false);

    const compact = await client.createProject('sdk compact', {
      description: 'made with options',
      domainId: GENERAL_COMPACT,
      classificationType: 'Multiclass',
      targetExportPlatforms: ['ONNX', 'CoreML'],
      // v3.4-preview's CreateProjectOptions travel as a JSON body; cvkit accepts and ignores them.
      options: { exportModelContainerUri: 'https://example.blob.core.windows.net/models' },
    });
    expect(compact).toMatchObject({ description: 'made with options' });
    expect(compact.settings).toMatchObject({
      domainId: GENERAL_COMPACT,
      classificationType: 'Multiclass',
      targetExportPlatforms: ['ONNX', 'CoreML'],
    });
    detection = await client.createProject('sdk boxes', { domainId: OD_GENERAL });
    expect(detection.settings?.classificationType).toBeNull();

    const all = await client.getProjects();
    expect(all.map((p) => p.name).sort()).toEqual(['sdk boxes', 'sdk compact', 'sdk trees']);
    const again = await client.getProject(project.id!);
    expect(again).toEqual(project);
  });

  it('updateProject sends the whole model back and gets it updated', async () => {
    const updated = await client.updateProject(project.id!, {
      name: 'sdk forest',
      description: 'renamed',
      settings: project.settings,
    });
    expect(updated).toMatchObject({ id: project.id, name: 'sdk forest', description: 'renamed' });
    expect(updated.settings).toEqual(project.settings);
    project = updated;
  });

  it('createTag (Regular and Negative), getTags, getTag, updateTag', async () => {
    oak = await client.createTag(project.id!, 'oak', { description: 'Quercus' });
    pine = await client.createTag(project.id!, 'pine');
    negative = await client.createTag(project.id!, 'not a tree', { type: 'Negative' });
    box = await client.createTag(detection.id!, 'box');
    expect(oak).toMatchObject({ name: 'oak', description: 'Quercus', type: 'Regular', imageCount: 0 });
    expect(negative.type).toBe('Negative');
    expect((await client.getTags(project.id!)).map((t) => t.name).sort()).toEqual(['not a tree', 'oak', 'pine']);
    expect(await client.getTag(project.id!, oak.id!)).toEqual(oak);
    const renamed = await client.updateTag(project.id!, pine.id!, {
      name: 'Pinus',
      description: 'conifer',
      type: 'Regular',
    });
    expect(renamed).toMatchObject({ id: pine.id, name: 'Pinus', description: 'conifer' });
    pine = renamed;
  });

  it('createImagesFromData with a Buffer, a stream, and tags; one image per call', async () => {
    const [a, b, c] = await distinctJpegs(3);
    const first = await client.createImagesFromData(project.id!, a!, { tagIds: [oak.id!] });
    expect(first.isBatchSuccessful).toBe(true);
    expect(first.images![0]).toMatchObject({ status: 'OK' });
    expect(first.images![0]!.image!.tags!.map((t) => t.tagName)).toEqual(['oak']);
    imageIds.push(first.images![0]!.image!.id!);

    const file = join(workDir, 'pine.jpg');
    writeFileSync(file, b!);
    const streamed = await client.createImagesFromData(project.id!, () => createReadStream(file), {
      tagIds: [pine.id!, oak.id!],
    });
    expect(streamed.images![0]).toMatchObject({ status: 'OK', sourceUrl: '"pine.jpg"' });
    expect(streamed.images![0]!.image!.tags!.map((t) => t.tagName).sort()).toEqual(['Pinus', 'oak']);
    imageIds.push(streamed.images![0]!.image!.id!);

    const untagged = await client.createImagesFromData(project.id!, c!);
    imageIds.push(untagged.images![0]!.image!.id!);

    // 207 with a per-image status is a success response for the SDK, not an error.
    const duplicate = await client.createImagesFromData(project.id!, a!);
    expect(duplicate._response.status).toBe(207);
    expect(duplicate).toMatchObject({ isBatchSuccessful: false, images: [{ status: 'OKDuplicate' }] });
  });

  it('createImagesFromFiles with per-image tags, regions and batch metadata', async () => {
    const [d, e] = await distinctJpegs(2, 40);
    const summary = await client.createImagesFromFiles(project.id!, {
      images: [
        { name: 'd.jpg', contents: d!, tagIds: [negative.id!] },
        { name: 'e.jpg', contents: e!, tagIds: [oak.id!] },
      ],
      metadata: { source: 'sdk' },
    });
    expect(summary.isBatchSuccessful).toBe(true);
    expect(summary.images!.map((i) => [i.sourceUrl, i.status])).toEqual([
      ['d.jpg', 'OK'],
      ['e.jpg', 'OK'],
    ]);
    expect(summary.images![0]!.image!.metadata).toEqual({ source: 'sdk' });
    imageIds.push(...summary.images!.map((i) => i.image!.id!));

    const [f] = await distinctJpegs(1, 56);
    const boxed = await client.createImagesFromFiles(detection.id!, {
      images: [
        {
          name: 'f.jpg',
          contents: f!,
          regions: [{ tagId: box.id!, left: 0.1, top: 0.1, width: 0.5, height: 0.5 }],
        },
      ],
    });
    expect(boxed.images![0]!.image!.regions).toMatchObject([{ tagId: box.id, tagName: 'box', left: 0.1 }]);
  });

  it('createImagesFromUrls reports ErrorSource for a loopback URL under the default policy', async () => {
    const summary = await client.createImagesFromUrls(project.id!, {
      images: [{ url: `${s.url}/files/images/x/y/original` }],
    });
    expect(summary._response.status).toBe(207);
    expect(summary).toMatchObject({ isBatchSuccessful: false, images: [{ status: 'ErrorSource' }] });
    expect(summary.images![0]!.image).toBeNull();
  });

  it('getImages, getTaggedImages, getUntaggedImages, getImagesByIds and the three counts', async () => {
    const all = await client.getImages(project.id!, { take: 256, orderBy: 'Oldest' });
    expect(all.map((i) => i.id)).toEqual(imageIds);
    expect(all[0]!.originalImageUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\/images\//);
    expect(all[0]!.created).toBeInstanceOf(Date);
    const original = await fetch(all[0]!.originalImageUri!);
    expect(original.status).toBe(200);

    const tagged = await client.getTaggedImages(project.id!, { tagIds: [oak.id!] });
    expect(tagged.map((i) => i.id).sort()).toEqual([imageIds[0], imageIds[1], imageIds[4]].sort());
    const untagged = await client.getUntaggedImages(project.id!);
    expect(untagged.map((i) => i.id)).toEqual([imageIds[2]]);
    const some = await client.getImagesByIds(project.id!, { imageIds: [imageIds[3]!, imageIds[0]!] });
    expect(some.map((i) => i.id)).toEqual([imageIds[3], imageIds[0]]);

    expect(await client.getImageCount(project.id!)).toMatchObject({ body: 5 });
    expect(await client.getImageCount(project.id!, { taggingStatus: 'Untagged' })).toMatchObject({ body: 1 });
    expect(await client.getTaggedImageCount(project.id!, { tagIds: [pine.id!] })).toMatchObject({ body: 1 });
    expect(await client.getUntaggedImageCount(project.id!)).toMatchObject({ body: 1 });
  });

  it('createImageTags / deleteImageTags', async () => {
    const created = await client.createImageTags(project.id!, {
      tags: [
        { imageId: imageIds[2]!, tagId: pine.id! },
        { imageId: imageIds[0]!, tagId: oak.id! },
      ],
    });
    expect(created.created).toEqual([{ imageId: imageIds[2], tagId: pine.id }]);
    expect(created.duplicated).toEqual([{ imageId: imageIds[0], tagId: oak.id }]);
    expect((await client.getUntaggedImageCount(project.id!)).body).toBe(0);

    const removed = await client.deleteImageTags(project.id!, [imageIds[2]!], [pine.id!]);
    expect(removed._response.status).toBe(204);
    expect((await client.getUntaggedImages(project.id!)).map((i) => i.id)).toEqual([imageIds[2]]);
  });

  it('createImageRegions / deleteImageRegions', async () => {
    const summary = await client.createImageRegions(project.id!, {
      regions: [{ imageId: imageIds[0]!, tagId: oak.id!, left: 0.25, top: 0.25, width: 0.5, height: 0.5 }],
    });
    expect(summary.created).toHaveLength(1);
    const region = summary.created![0]!;
    expect(region).toMatchObject({ imageId: imageIds[0], tagId: oak.id, tagName: 'oak', width: 0.5 });
    const [withRegion] = await client.getImagesByIds(project.id!, { imageIds: [imageIds[0]!] });
    expect(withRegion!.regions!.map((r) => r.regionId)).toEqual([region.regionId]);

    expect((await client.deleteImageRegions(project.id!, [region.regionId!]))._response.status).toBe(204);
    const [without] = await client.getImagesByIds(project.id!, { imageIds: [imageIds[0]!] });
    expect(without!.regions).toBeUndefined();
  });

  it('updateImageMetadata merges keys and reports per-image status', async () => {
    const result = await client.updateImageMetadata(project.id!, [imageIds[3]!, imageIds[1]!], { site: 'north' });
    expect(result.isBatchSuccessful).toBe(true);
    expect(result.images!.map((i) => [i.imageId, i.status, i.metadata])).toEqual([
      [imageIds[3], 'OK', { source: 'sdk', site: 'north' }],
      [imageIds[1], 'OK', { site: 'north' }],
    ]);
    const missing = await client.updateImageMetadata(project.id!, ['00000000-0000-4000-8000-000000000000'], {
      site: 'x',
    });
    expect(missing._response.status).toBe(207);
    expect(missing.images![0]!.status).toBe('ErrorImageNotFound');
  });

  it('deleteImages, deleteTag, deleteProject', async () => {
    expect((await client.deleteImages(project.id!, { imageIds: [imageIds[4]!] }))._response.status).toBe(204);
    expect((await client.getImageCount(project.id!)).body).toBe(4);
    expect((await client.deleteTag(project.id!, negative.id!))._response.status).toBe(204);
    expect((await client.getTags(project.id!)).map((t) => t.name).sort()).toEqual(['Pinus', 'oak']);
    expect((await client.deleteProject(detection.id!))._response.status).toBe(204);
    expect((await client.getProjects()).map((p) => p.id)).not.toContain(detection.id);
  });

  it('getArtifact streams a stored image named by its relative path', async () => {
    const [first] = await client.getImages(project.id!, { take: 1, orderBy: 'Oldest' });
    const artifact = await client.getArtifact(project.id!, `images/${project.id}/${first!.id}/original`);
    const chunks: Buffer[] = [];
    for await (const chunk of artifact.readableStreamBody!) chunks.push(Buffer.from(chunk));
    expect(
      Buffer.concat(chunks).equals(await (await fetch(first!.originalImageUri!)).arrayBuffer().then(Buffer.from)),
    ).toBe(true);
    const bad = await restError(client.getArtifact(project.id!, '../../cvkit.db'));
    expect(bad.statusCode).toBe(400);
  });

  it('exportProject on one server, importProject on another, then getProject until Succeeded', async () => {
    const exported = await client.exportProject(project.id!);
    expect(exported).toMatchObject({ imageCount: 4, tagCount: 2, iterationCount: 0 });
    // Importing fetches from the exporting server, here on loopback: allowed only when the operator says so.
    const refused = await restError(client.importProject(exported.token!));
    expect(refused).toMatchObject({ statusCode: 400, code: 'BadRequestInvalidImportToken' });

    const other = await startTestServer({ allowPrivateUrls: true });
    try {
      const target = new TrainingAPIClient(
        new ApiKeyCredentials({ inHeader: { 'Training-key': TRAINING_KEY } }),
        other.url,
      );
      const started = await target.importProject(exported.token!, { name: 'sdk copy' });
      expect(started).toMatchObject({ name: 'sdk copy', status: 'Importing' });
      let copy = started;
      for (let i = 0; i < 200 && copy.status === 'Importing'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        copy = await target.getProject(started.id!);
      }
      expect(copy.status).toBe('Succeeded');
      expect((await target.getImageCount(copy.id!)).body).toBe(4);
      expect((await target.getTags(copy.id!)).map((t) => t.name).sort()).toEqual(['Pinus', 'oak']);
    } finally {
      await other.stop();
    }
  });

  it('maps error responses to RestError with the Azure code and body', async () => {
    const missing = await restError(client.getProject('00000000-0000-4000-8000-000000000000'));
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('NotFoundProject');
    expect(missing.body).toMatchObject({ code: 'NotFoundProject', message: expect.any(String) });

    const tag = await restError(client.getTag(project.id!, '00000000-0000-4000-8000-000000000000'));
    expect(tag).toMatchObject({ statusCode: 404, code: 'NotFoundTag' });
    const dup = await restError(client.createTag(project.id!, 'OAK'));
    expect(dup).toMatchObject({ statusCode: 400, code: 'BadRequestTagNameNotUnique' });
    const nameless = await restError(client.createProject('sdk forest'));
    expect(nameless).toMatchObject({ statusCode: 400, code: 'BadRequestProjectNameNotUnique' });

    const wrongKey = new TrainingAPIClient(new ApiKeyCredentials({ inHeader: { 'Training-key': 'nope' } }), s.url);
    const denied = await restError(wrongKey.getProjects());
    expect(denied.statusCode).toBe(401);
  });
});
