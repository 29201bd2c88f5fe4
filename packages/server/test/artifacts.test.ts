import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg, png } from './helpers/images.ts';
import { json, startTestServer, type TestServer } from './helpers/test-server.ts';

let s: TestServer;
let projectId: string;
let otherProjectId: string;
let imageId: string;
let otherImageId: string;
let original: Buffer;

async function upload(project: string, bytes: Buffer): Promise<string> {
  const res = await s.train(`/projects/${project}/images`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: new Uint8Array(bytes),
  });
  return (await json<{ images: { image: { id: string } }[] }>(res)).images[0]!.image.id;
}

const artifact = (project: string, path: string) =>
  s.train(`/projects/${project}/artifacts?path=${encodeURIComponent(path)}`);

beforeAll(async () => {
  s = await startTestServer();
  projectId = (await json<{ id: string }>(s.train('/projects?name=artifacts', { method: 'POST' }))).id;
  otherProjectId = (await json<{ id: string }>(s.train('/projects?name=elsewhere', { method: 'POST' }))).id;
  original = await png(600, 300);
  imageId = await upload(projectId, original);
  otherImageId = await upload(otherProjectId, await jpeg(20, 20));
});
afterAll(() => s.stop());

describe('GetArtifact', () => {
  it('returns the original bytes named by the relative path of an image link', async () => {
    const res = await artifact(projectId, `images/${projectId}/${imageId}/original`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).equals(original)).toBe(true);
  });

  it('returns the same thumbnail and resized renderings as the signed links', async () => {
    const [listed] = await json<{ thumbnailUri: string; resizedImageUri: string }[]>(
      s.train(`/projects/${projectId}/images`),
    );
    for (const [variant, link] of [
      ['thumbnail', listed!.thumbnailUri],
      ['resized', listed!.resizedImageUri],
    ] as const) {
      const res = await artifact(projectId, `/images/${projectId}/${imageId}/${variant}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.equals(Buffer.from(await (await fetch(link)).arrayBuffer()))).toBe(true);
      const meta = await sharp(bytes).metadata();
      expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(variant === 'thumbnail' ? 200 : 1024);
    }
  });

  it('refuses any path that is not one of this project’s image files with BadRequestInvalidArtifactUri', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const path of [
      `images/${otherProjectId}/${otherImageId}/original`, // another project's image
      `images/${projectId}/${otherImageId}/original`, // another project's image under this project's id
      `images/${projectId}/${missing}/original`,
      `images/${projectId}/${imageId}/secret`,
      `images/${projectId}/${imageId}/../../${otherProjectId}/${otherImageId}/original`,
      `images/${projectId}/${imageId}/original?se=1&sig=x`,
      '../cvkit.db',
      '/etc/passwd',
      `exports/${projectId}/${missing}`,
      '',
    ]) {
      const res = await artifact(projectId, path);
      expect(res.status, path).toBe(400);
      expect(await res.json(), path).toMatchObject({ code: 'BadRequestInvalidArtifactUri' });
    }
  });

  it('answers 404 for an unknown project and 400 when path is missing', async () => {
    const res = await artifact('00000000-0000-4000-8000-000000000000', `images/${projectId}/${imageId}/original`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'NotFoundProject' });
    const noPath = await s.train(`/projects/${projectId}/artifacts`);
    expect(noPath.status).toBe(400);
    expect(await noPath.json()).toMatchObject({ code: 'BadRequestRequiredParamIsNull' });
  });
});
