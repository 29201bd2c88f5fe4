import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainingOperations } from '../src/http/spec-operations.ts';
import { json, PREDICTION_KEY, startTestServer, type TestServer, TRAINING_KEY } from './helpers/test-server.ts';

/** Raw HTTP checks of what every request passes through before a handler runs: auth, routing, validation, limits. */

type ErrorBody = { code: string; message: string };

let s: TestServer;
let projectId: string;
const missingId = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  s = await startTestServer();
  projectId = (await json<{ id: string }>(s.train('/projects?name=routing', { method: 'POST' }))).id;
});
afterAll(() => s.stop());

async function expectError(res: Response, status: number, code?: string): Promise<ErrorBody> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  const body = (await res.json()) as ErrorBody;
  expect(typeof body.message).toBe('string');
  if (code) expect(body.code).toBe(code);
  return body;
}

/** GET with header names sent verbatim. */
function rawStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const projectNames = async () => (await s.server.storage.projects.list()).map((p) => p.name).sort();

describe('API keys', () => {
  it('answers 401 with an Azure error body and changes nothing when the key is missing or wrong', async () => {
    const before = await projectNames();
    for (const headers of [{}, { 'Training-Key': 'wrong' }, { 'Training-Key': '' }] as Record<string, string>[]) {
      const res = await fetch(`${s.training}/projects?name=intruder`, { method: 'POST', headers });
      await expectError(res, 401, 'Unauthorized');
    }
    const del = await fetch(`${s.training}/projects/${projectId}`, {
      method: 'DELETE',
      headers: { 'Training-Key': `${TRAINING_KEY}x` },
    });
    await expectError(del, 401);
    expect(await projectNames()).toEqual(before);
  });

  it('does not accept one API key on the other API', async () => {
    const training = await fetch(`${s.training}/projects`, { headers: { 'Prediction-Key': PREDICTION_KEY } });
    await expectError(training, 401);
    const trainingWithPredictionValue = await fetch(`${s.training}/projects`, {
      headers: { 'Training-Key': PREDICTION_KEY },
    });
    await expectError(trainingWithPredictionValue, 401);
    const prediction = await fetch(`${s.prediction}/${projectId}/classify/iterations/x/url`, {
      method: 'POST',
      headers: { 'Training-Key': TRAINING_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.com/a.jpg' }),
    });
    await expectError(prediction, 401);
  });

  it('matches the header name in any case', async () => {
    // fetch lower-cases header names on the wire; node:http sends them exactly as written.
    for (const name of ['training-key', 'TRAINING-KEY', 'Training-key', 'Training-Key'])
      expect(await rawStatus(`${s.training}/projects`, { [name]: TRAINING_KEY })).toBe(200);
    expect(await rawStatus(`${s.training}/projects`, { 'TRAINING-KEY': 'wrong' })).toBe(401);
  });
});

describe('routing', () => {
  it('matches the path case-insensitively, as the curl quickstart writes it', async () => {
    const res = await fetch(`${s.url}/customvision/v3.3/Training/Projects/${projectId}`, {
      headers: { 'Training-Key': TRAINING_KEY },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: projectId, name: 'routing' });
  });

  it('serves Training v3.4-preview on the same handlers', async () => {
    const res = await fetch(`${s.url}/customvision/v3.4-preview/training/projects/${projectId}/tags`, {
      headers: { 'Training-Key': TRAINING_KEY },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
  });

  it('answers 404 JSON for an unknown path under an API, and for an unknown API', async () => {
    await expectError(await s.train('/no/such/thing'), 404, 'NotFound');
    await expectError(await s.train(`/projects/${projectId}/nonsense`), 404, 'NotFound');
    await expectError(await fetch(`${s.url}/customvision/v9.9/training/projects`), 404, 'NotFound');
  });

  it('implements every training operation of the contract: none answers 501', async () => {
    const probes = await Promise.all(
      trainingOperations.map(async (op) => {
        const path = op.path.replace(/\{\w+\}/g, missingId);
        const res = await s.train(path, { method: op.method.toUpperCase() });
        await res.body?.cancel();
        return { operation: op.operationId, status: res.status };
      }),
    );
    expect(probes.filter((p) => p.status === 501)).toEqual([]);
  });
});

describe('parameter validation', () => {
  it('answers 400 BadRequestInvalidIds for a malformed id in the path or the query', async () => {
    await expectError(await s.train('/projects/not-a-uuid'), 400, 'BadRequestInvalidIds');
    await expectError(await s.train(`/projects/${projectId}/tags/1234`), 400, 'BadRequestInvalidIds');
    await expectError(await s.train(`/projects/${projectId}/images/id?imageIds=x,y`), 400, 'BadRequestInvalidIds');
  });

  it('answers 400 for a value outside an enum', async () => {
    await expectError(await s.train(`/projects/${projectId}/images?orderBy=Sideways`), 400, 'BadRequest');
    await expectError(await s.train(`/projects/${projectId}/tags?name=t&type=Positive`, { method: 'POST' }), 400);
    expect(await json(s.train(`/projects/${projectId}/tags`))).toEqual([]);
  });

  it('answers 400 when a required query parameter is missing', async () => {
    await expectError(await s.train('/projects', { method: 'POST' }), 400, 'BadRequestRequiredParamIsNull');
    await expectError(
      await s.train(`/projects/${projectId}/images/regions`, { method: 'DELETE' }),
      400,
      'BadRequestRequiredParamIsNull',
    );
  });

  it('answers 400 for take outside 0..256 and accepts the bounds', async () => {
    for (const take of ['-1', '257', 'ten', '1.5'])
      await expectError(await s.train(`/projects/${projectId}/images?take=${take}`), 400, 'BadRequest');
    for (const take of ['0', '256'])
      expect((await s.train(`/projects/${projectId}/images?take=${take}`)).status).toBe(200);
  });
});

describe('body limits', () => {
  it('refuses a JSON body over the limit with a JSON error instead of hanging', async () => {
    const big = JSON.stringify({ name: 'x', description: 'y'.repeat(4.5 * 1024 * 1024) });
    const res = await s.train(`/projects/${projectId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: big,
      signal: AbortSignal.timeout(5000),
    });
    expect([400, 413]).toContain(res.status);
    await expectError(res, res.status);
    expect(await json(s.train(`/projects/${projectId}`))).toMatchObject({ name: 'routing' });
  });
});
