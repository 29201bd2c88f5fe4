/**
 * Object detection's training rules, checked before any model runs (stand-in engine): a detector never trains with
 * the Negative tag, and every trained tag needs regions on Azure's 15 images.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distinctJpegs } from './helpers/images.ts';
import { json, startTestServer, type TestServer } from './helpers/test-server.ts';

const OD_COMPACT = 'a27d5ca5-bb19-49d8-a70a-fec086c47f5b';

describe('object detection training rules', () => {
  let s: TestServer;
  let projectId: string;
  let box: string;
  const imageIds: string[] = [];
  const post = (path: string, body?: unknown) =>
    s.train(path, {
      method: 'POST',
      ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    });
  const expectError = async (res: Response, code: string) => {
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code });
  };

  beforeAll(async () => {
    s = await startTestServer();
    projectId = (await json<{ id: string }>(post(`/projects?name=rules&domainId=${OD_COMPACT}`))).id;
    box = (await json<{ id: string }>(post(`/projects/${projectId}/tags?name=box`))).id;
    const images = await distinctJpegs(16, 40);
    const created = await json<{ images: { status: string; image: { id: string } }[] }>(
      post(`/projects/${projectId}/images/files`, {
        images: images.map((bytes, i) => ({ name: `${i}.jpg`, contents: bytes.toString('base64') })),
      }),
    );
    imageIds.push(...created.images.map((i) => i.image.id));
  });
  afterAll(() => s?.stop());

  it('answers BadRequestDetectionTrainingValidationFailed without regions, and with 14 images of a tag', async () => {
    await expectError(await post(`/projects/${projectId}/train`), 'BadRequestDetectionTrainingValidationFailed');
    // Image-level tags do not train a detector: only regions do.
    await post(`/projects/${projectId}/images/tags`, { tags: imageIds.map((imageId) => ({ imageId, tagId: box })) });
    await expectError(await post(`/projects/${projectId}/train`), 'BadRequestDetectionTrainingValidationFailed');
    const regions = (ids: string[]) =>
      post(`/projects/${projectId}/images/regions`, {
        regions: ids.map((imageId) => ({ imageId, tagId: box, left: 0.1, top: 0.2, width: 0.5, height: 0.4 })),
      });
    expect((await regions(imageIds.slice(0, 14))).status).toBe(200);
    const short = await post(`/projects/${projectId}/train`);
    await expectError(short.clone(), 'BadRequestDetectionTrainingValidationFailed');
    expect(((await short.json()) as { message: string }).message).toContain('box');
  });

  it('answers BadRequestDetectionTrainingNotAllowNegativeTag while an image carries the Negative tag', async () => {
    const negative = (await json<{ id: string }>(post(`/projects/${projectId}/tags?name=nothing&type=Negative`))).id;
    await s.train(`/projects/${projectId}/images/tags?imageIds=${imageIds[15]}&tagIds=${box}`, { method: 'DELETE' });
    const tagged = await post(`/projects/${projectId}/images/tags`, {
      tags: [{ imageId: imageIds[15], tagId: negative }],
    });
    expect(tagged.status).toBe(200);
    await post(`/projects/${projectId}/images/regions`, {
      regions: [{ imageId: imageIds[14], tagId: box, left: 0, top: 0, width: 1, height: 1 }],
    });
    await expectError(await post(`/projects/${projectId}/train`), 'BadRequestDetectionTrainingNotAllowNegativeTag');
  });

  it('trains once the Negative tag is gone; exports the engine cannot make are refused up front', async () => {
    const tags = await json<{ id: string; type: string }[]>(s.train(`/projects/${projectId}/tags`));
    const negative = tags.find((t) => t.type === 'Negative')!;
    expect((await s.train(`/projects/${projectId}/tags/${negative.id}`, { method: 'DELETE' })).status).toBe(204);
    const it = await json<{ id: string }>(post(`/projects/${projectId}/train`));
    await s.server.idle();
    const done = await json<{ status: string; exportable: boolean; exportableTo: string[] }>(
      s.train(`/projects/${projectId}/iterations/${it.id}`),
    );
    // The stand-in engine exports no detector: nothing advertised, the request refused.
    expect(done).toMatchObject({ status: 'Completed', exportableTo: [] });
    await expectError(
      await post(`/projects/${projectId}/iterations/${it.id}/export?platform=ONNX`),
      'BadRequestNotSupported',
    );
  });
});
