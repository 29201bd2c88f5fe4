import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startTestServer, type TestServer } from './helpers/test-server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

type Project = { id: string; name: string; description: string; settings: Record<string, unknown>; created: string };
type Tag = { id: string; name: string; description: string | null; type: string; imageCount: number };

describe('projects', () => {
  it('creates a project with Azure defaults', async () => {
    const res = await s.train('/projects?name=Trees', { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('apim-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('request-id')).toBe(res.headers.get('apim-request-id'));
    const p = (await res.json()) as Project;
    expect(p.description).toBe('');
    expect(p.settings).toEqual({
      domainId: 'ee85a74c-405e-4adc-bb47-ffa8ca0c9f31',
      classificationType: 'Multilabel',
      targetExportPlatforms: [],
      useNegativeSet: true,
      detectionParameters: null,
      imageProcessingSettings: {
        augmentationMethods: {
          rotation: true,
          scaling: true,
          translation: true,
          'horizontal flip': true,
          equalize: true,
          solarize: true,
          padtosquare: true,
        },
      },
    });
    expect(p.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/);
    expect(await json(s.train(`/projects/${p.id}`))).toEqual(p);
  });

  it('validates names, domains and export platforms', async () => {
    const bad = async (query: string) => json<{ code: string }>(s.train(`/projects?${query}`, { method: 'POST' }));
    expect(await bad('description=x')).toMatchObject({ code: 'BadRequestRequiredParamIsNull' });
    expect(await bad('name=%20')).toMatchObject({ code: 'BadRequestProjectName' });
    expect(await bad('name=a&domainId=00000000-0000-0000-0000-000000000000')).toMatchObject({
      code: 'BadRequestProjectUnknownDomain',
    });
    expect(await bad('name=a&domainId=nope')).toMatchObject({ code: 'BadRequestInvalidIds' });
    expect(await bad('name=a&classificationType=Binary')).toMatchObject({ code: 'BadRequest' });
    expect(await bad('name=a&targetExportPlatforms=ONNX')).toMatchObject({
      code: 'BadRequestProjectUnsupportedExportPlatform',
    });
    const ok = await json<Project>(
      s.train(
        '/projects?name=compact&domainId=0732100f-1a38-4e49-a514-c9b44c697ab5&classificationType=multiclass&targetExportPlatforms=ONNX,TensorFlow',
        {
          method: 'POST',
        },
      ),
    );
    expect(ok.settings).toMatchObject({
      classificationType: 'Multiclass',
      targetExportPlatforms: ['ONNX', 'TensorFlow'],
    });
    expect(await bad('name=COMPACT')).toMatchObject({ code: 'BadRequestProjectNameNotUnique' });
  });

  it('updates only the fields sent and refuses a change of domain type', async () => {
    const p = await json<Project>(s.train('/projects?name=upd&description=first', { method: 'POST' }));
    const res = await s.train(`/projects/${p.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Another Name' }),
    });
    const updated = (await res.json()) as Project & { lastModified: string };
    expect(updated).toMatchObject({ name: 'Another Name', description: 'first', created: p.created });
    const detection = await s.train(`/projects/${p.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ settings: { domainId: 'da2e3a8a-40a5-4171-82f4-58522f70fbc1' } }),
    });
    expect(detection.status).toBe(400);
    expect(await detection.json()).toMatchObject({ code: 'BadRequestProjectUnsupportedDomainTypeChange' });
    const malformed = await s.train(`/projects/${p.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: 'BadRequest' });
    expect(await json(s.train(`/projects/${p.id}`))).toMatchObject({ name: 'Another Name' });
  });

  it('deletes a project and then answers 404 NotFoundProject', async () => {
    const p = await json<Project>(s.train('/projects?name=gone', { method: 'POST' }));
    const del = await s.train(`/projects/${p.id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(await del.text()).toBe('');
    const again = await s.train(`/projects/${p.id}`);
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ code: 'NotFoundProject' });
  });

  it('lists the domains with Azure ids', async () => {
    const domains = await json<{ id: string; name: string; type: string; exportable: boolean }[]>(s.train('/domains'));
    expect(domains.find((d) => d.id === 'ee85a74c-405e-4adc-bb47-ffa8ca0c9f31')).toMatchObject({
      name: 'General',
      exportable: false,
    });
    expect(domains.find((d) => d.id === '0732100f-1a38-4e49-a514-c9b44c697ab5')).toMatchObject({
      name: 'General (compact)',
      exportable: true,
    });
    const missing = await s.train('/domains/00000000-0000-0000-0000-000000000000');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'NotFoundDomain' });
  });
});

describe('tags', () => {
  it('creates, renames and deletes tags with Azure rules', async () => {
    const p = await json<Project>(s.train('/projects?name=tags', { method: 'POST' }));
    const t = await json<Tag>(s.train(`/projects/${p.id}/tags?name=Hemlock`, { method: 'POST' }));
    expect(t).toMatchObject({ name: 'Hemlock', description: null, type: 'Regular', imageCount: 0 });
    const dup = await s.train(`/projects/${p.id}/tags?name=hemlock`, { method: 'POST' });
    expect(dup.status).toBe(400);
    expect(await dup.json()).toMatchObject({ code: 'BadRequestTagNameNotUnique' });
    const neg = await json<Tag>(s.train(`/projects/${p.id}/tags?name=None&type=Negative`, { method: 'POST' }));
    expect(neg.type).toBe('Negative');
    expect(await json(s.train(`/projects/${p.id}/tags?name=None2&type=Negative`, { method: 'POST' }))).toMatchObject({
      code: 'BadRequestMultipleNegativeTag',
    });
    const renamed = await json<Tag>(
      s.train(`/projects/${p.id}/tags/${t.id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Tsuga', description: 'conifer' }),
      }),
    );
    expect(renamed).toMatchObject({ id: t.id, name: 'Tsuga', description: 'conifer', type: 'Regular' });
    expect((await json<Tag[]>(s.train(`/projects/${p.id}/tags`))).map((x) => x.name).sort()).toEqual(['None', 'Tsuga']);
    expect((await s.train(`/projects/${p.id}/tags/${t.id}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await s.train(`/projects/${p.id}/tags/${t.id}`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ code: 'NotFoundTag' });
  });
});
