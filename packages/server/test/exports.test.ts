import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg, multipart } from './helpers/images.ts';
import { json, startTestServer, type TestServer } from './helpers/test-server.ts';

type Export = {
  platform: string;
  status: string;
  downloadUri: string | null;
  flavor: string | null;
  newerVersionAvailable: boolean;
};

let s: TestServer;
const COMPACT = '0732100f-1a38-4e49-a514-c9b44c697ab5';

async function trainedProject(domainId?: string): Promise<{ projectId: string; iterationId: string }> {
  const q = domainId ? `&domainId=${domainId}` : '';
  const p = await json<{ id: string }>(s.train(`/projects?name=exp${Math.random()}${q}`, { method: 'POST' }));
  for (const [name, rgb] of [
    ['a', [250, 0, 0]],
    ['b', [0, 0, 250]],
  ] as const) {
    const tag = await json<{ id: string }>(s.train(`/projects/${p.id}/tags?name=${name}`, { method: 'POST' }));
    const files = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => jpeg(12, 12, [Math.max(0, rgb[0] - i * 9), i * 9, Math.max(0, rgb[2] - i * 9)])),
    );
    await s.train(`/projects/${p.id}/images?tagIds=${tag.id}`, {
      method: 'POST',
      body: multipart(files.map((bytes, i) => ({ name: `${i}.jpg`, bytes }))),
    });
  }
  const it = await json<{ id: string }>(s.train(`/projects/${p.id}/train`, { method: 'POST' }));
  await s.server.idle();
  return { projectId: p.id, iterationId: it.id };
}

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

describe('ExportIteration and GetExports', () => {
  it('exports a compact-domain iteration: Exporting, then Done with a signed zip link', async () => {
    const { projectId, iterationId } = await trainedProject(COMPACT);
    const started = await json<Export>(
      s.train(`/projects/${projectId}/iterations/${iterationId}/export?platform=TensorFlow`, { method: 'POST' }),
    );
    expect(started).toEqual({
      platform: 'TensorFlow',
      status: 'Exporting',
      downloadUri: null,
      flavor: null,
      newerVersionAvailable: false,
    });
    await s.server.idle();
    const [done] = await json<Export[]>(s.train(`/projects/${projectId}/iterations/${iterationId}/export`));
    expect(done).toMatchObject({ platform: 'TensorFlow', status: 'Done' });
    const zip = await fetch(done!.downloadUri!);
    expect(zip.status).toBe(200);
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(['labels.txt', 'model.json']);
    const forged = new URL(done!.downloadUri!);
    forged.searchParams.set('sig', 'x');
    expect((await fetch(forged)).status).toBe(403);
    // Asking again returns the existing export instead of an error.
    const again = await json<Export>(
      s.train(`/projects/${projectId}/iterations/${iterationId}/export?platform=TensorFlow`, { method: 'POST' }),
    );
    expect(again.status).toBe('Done');
    expect(await json<Export[]>(s.train(`/projects/${projectId}/iterations/${iterationId}/export`))).toHaveLength(1);
  });

  it('refuses at once a platform the server cannot produce, and leaves it out of exportableTo', async () => {
    const { projectId, iterationId } = await trainedProject(COMPACT);
    const res = await s.train(`/projects/${projectId}/iterations/${iterationId}/export?platform=CoreML`, {
      method: 'POST',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'BadRequestNotSupported' });
    expect(await json(s.train(`/projects/${projectId}/iterations/${iterationId}/export`))).toEqual([]);
    const it = await json<{ exportable: boolean; exportableTo: string[] }>(
      s.train(`/projects/${projectId}/iterations/${iterationId}`),
    );
    expect(it).toMatchObject({ exportable: true, exportableTo: ['TensorFlow'] });
  });

  it('matches flavor names case-insensitively, records the canonical name, and refuses TensorFlowSavedModel', async () => {
    const { projectId, iterationId } = await trainedProject(COMPACT);
    const url = (flavor: string) =>
      `/projects/${projectId}/iterations/${iterationId}/export?platform=TensorFlow&flavor=${flavor}`;
    // Microsoft's TF.js samples spell the flavor TensorFlowjs.
    const res = await s.train(url('TensorFlowjs'), { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ platform: 'TensorFlow', flavor: 'TensorFlowJs', status: 'Exporting' });
    await s.server.idle();
    expect(await json<Export[]>(s.train(`/projects/${projectId}/iterations/${iterationId}/export`))).toMatchObject([
      { platform: 'TensorFlow', flavor: 'TensorFlowJs', status: 'Done' },
    ]);
    const saved = await s.train(url('TensorFlowSavedModel'), { method: 'POST' });
    expect(saved.status).toBe(400);
    expect(await saved.json()).toMatchObject({ code: 'BadRequestNotSupported' });
  });

  it('refuses general domains, unknown flavors and untrained iterations with Azure codes', async () => {
    const { projectId, iterationId } = await trainedProject();
    const general = await s.train(`/projects/${projectId}/iterations/${iterationId}/export?platform=ONNX`, {
      method: 'POST',
    });
    expect(general.status).toBe(400);
    expect(await general.json()).toMatchObject({ code: 'BadRequestExportValidationFailed' });
    const compact = await trainedProject(COMPACT);
    const flavor = await s.train(
      `/projects/${compact.projectId}/iterations/${compact.iterationId}/export?platform=ONNX&flavor=Linux`,
      { method: 'POST' },
    );
    expect(await flavor.json()).toMatchObject({ code: 'BadRequestExportValidationFailed' });
    const platform = await s.train(
      `/projects/${compact.projectId}/iterations/${compact.iterationId}/export?platform=Nope`,
      { method: 'POST' },
    );
    expect(await platform.json()).toMatchObject({ code: 'BadRequest' });
    const missing = await s.train(
      `/projects/${compact.projectId}/iterations/00000000-0000-0000-0000-000000000000/export?platform=ONNX`,
      { method: 'POST' },
    );
    expect(missing.status).toBe(404);
  });
});
