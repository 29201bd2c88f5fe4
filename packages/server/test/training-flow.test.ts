import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeEngine } from './helpers/fake-engine.ts';
import { jpeg, multipart } from './helpers/images.ts';
import { json, PREDICTION_KEY, startTestServer, type TestServer, TRAINING_KEY } from './helpers/test-server.ts';

type Iteration = {
  id: string;
  name: string;
  status: string;
  trainedAt?: string;
  domainId: string | null;
  classificationType: string | null;
  publishName: string | null;
  trainingErrorDetails: string | null;
  exportable: boolean;
};
type ImagePrediction = {
  id: string;
  project: string;
  iteration: string;
  predictions: { tagId: string; tagName: string; probability: number }[];
};

let s: TestServer;
let projectId: string;
const tagIds: Record<string, string> = {};
const red = (i: number) => jpeg(16, 16, [250 - ((i * 6) % 60), (i * 5) % 60, 0]);
const blue = (i: number) => jpeg(16, 16, [(i * 5) % 60, 0, 250 - ((i * 6) % 60)]);

const post = (path: string, body?: unknown) =>
  s.train(
    path,
    body === undefined
      ? { method: 'POST' }
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );

async function upload(tag: string, images: Buffer[]) {
  const res = await s.train(`/projects/${projectId}/images?tagIds=${tagIds[tag]}`, {
    method: 'POST',
    body: multipart(images.map((bytes, i) => ({ name: `${tag}${i}.jpg`, bytes }))),
  });
  expect(res.status).toBe(200);
}

async function trained(iterationId: string): Promise<Iteration> {
  await s.server.idle();
  return json<Iteration>(s.train(`/projects/${projectId}/iterations/${iterationId}`));
}

beforeAll(async () => {
  s = await startTestServer();
  projectId = (await json<{ id: string }>(post('/projects?name=colours&classificationType=Multiclass'))).id;
  for (const name of ['red', 'blue'])
    tagIds[name] = (await json<{ id: string }>(post(`/projects/${projectId}/tags?name=${name}`))).id;
});
afterAll(() => s.stop());

describe('training', () => {
  it('refuses to train with too few images per tag', async () => {
    await upload('red', await Promise.all([0, 1, 2].map(red)));
    const res = await post(`/projects/${projectId}/train`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'BadRequestMultiClassClassificationTrainingValidationFailed' });
    expect(await json(s.train(`/projects/${projectId}/iterations`))).toEqual([]);
  });

  it('answers at once with a Training iteration that ends Completed', async () => {
    await upload('red', await Promise.all([3, 4, 5].map(red)));
    await upload('blue', await Promise.all([0, 1, 2, 3, 4].map(blue)));
    const res = await post(`/projects/${projectId}/train`);
    expect(res.status).toBe(200);
    const it0 = (await res.json()) as Iteration;
    expect(it0).toMatchObject({
      name: 'Iteration 1',
      status: 'Training',
      domainId: null,
      classificationType: null,
      publishName: null,
    });
    expect(it0.trainedAt).toBeUndefined();
    const again = await post(`/projects/${projectId}/train`);
    expect(await again.json()).toMatchObject({ code: 'BadRequestTrainingAlreadyInProgress' });
    const done = await trained(it0.id);
    expect(done).toMatchObject({
      status: 'Completed',
      domainId: 'ee85a74c-405e-4adc-bb47-ffa8ca0c9f31',
      classificationType: 'Multiclass',
    });
    expect(done.trainedAt).toMatch(/Z$/);
    expect(await json<number>(s.train(`/projects/${projectId}/images/count?iterationId=${it0.id}`))).toBe(11);
  });

  it('says training is not needed when nothing changed, unless forced', async () => {
    const res = await post(`/projects/${projectId}/train`);
    expect(await res.json()).toMatchObject({ code: 'BadRequestTrainingNotNeeded' });
    const forced = await json<Iteration>(post(`/projects/${projectId}/train?forceTrain=true`));
    expect(forced.name).toBe('Iteration 2');
    expect((await trained(forced.id)).status).toBe('Completed');
  });

  it('reports performance at a threshold and per image', async () => {
    const [latest] = (await json<Iteration[]>(s.train(`/projects/${projectId}/iterations`))).slice(-1);
    const perf = await json<{
      perTagPerformance: { id: string; name: string; precision: number; recall: number }[];
      precision: number;
    }>(s.train(`/projects/${projectId}/iterations/${latest!.id}/performance?threshold=0.5`));
    expect(perf.perTagPerformance.map((t) => t.name).sort()).toEqual(['blue', 'red']);
    expect(perf.precision).toBe(1);
    const images = await json<{ id: string; predictions: { tagName: string; probability: number }[] }[]>(
      s.train(`/projects/${projectId}/iterations/${latest!.id}/performance/images?take=3`),
    );
    expect(images).toHaveLength(3);
    expect(images[0]!.predictions[0]!.probability).toBeGreaterThanOrEqual(images[0]!.predictions[1]!.probability);
    expect(
      await json<number>(
        s.train(`/projects/${projectId}/iterations/${latest!.id}/performance/images/count?tagIds=${tagIds.red}`),
      ),
    ).toBe(6);
  });

  it('renames, and refuses a duplicate name', async () => {
    const [first, second] = await json<Iteration[]>(s.train(`/projects/${projectId}/iterations`));
    const patch = (id: string, name: string) =>
      s.train(`/projects/${projectId}/iterations/${id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
    expect(await json(patch(first!.id, 'baseline'))).toMatchObject({ name: 'baseline' });
    expect(await json(patch(second!.id, 'Baseline'))).toMatchObject({ code: 'BadRequestIterationNameNotUnique' });
  });
});

describe('quick test, stored predictions and the prediction API', () => {
  let iterationId: string;
  beforeAll(async () => {
    iterationId = (await json<Iteration[]>(s.train(`/projects/${projectId}/iterations`))).at(-1)!.id;
  });

  it('quick-tests an image and stores the prediction unless told not to', async () => {
    const res = await s.train(`/projects/${projectId}/quicktest/image`, {
      method: 'POST',
      body: multipart([{ name: 'q.jpg', bytes: await red(40) }]),
    });
    expect(res.status).toBe(200);
    const p = (await res.json()) as ImagePrediction;
    expect(p.id).toBe(res.headers.get('apim-request-id'));
    expect(p.predictions[0]).toMatchObject({ tagName: 'red' });
    await s.train(`/projects/${projectId}/quicktest/image?store=false`, {
      method: 'POST',
      body: multipart([{ name: 'q.jpg', bytes: await blue(40) }]),
    });
    const q = await json<{ results: { id: string }[]; token: { continuation: string | null } }>(
      post(`/projects/${projectId}/predictions/query`, { maxCount: 0, orderBy: 'Newest' }),
    );
    expect(q.results.map((r) => r.id)).toEqual([p.id]);
    expect(q.token.continuation).toBeNull();
  });

  it('adds a quick-test image to training, then can retrain', async () => {
    const q = await json<{ results: { id: string }[] }>(post(`/projects/${projectId}/predictions/query`, {}));
    const res = await post(`/projects/${projectId}/images/predictions`, {
      images: [{ id: q.results[0]!.id, tagIds: [tagIds.red] }],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ isBatchSuccessful: true, images: [{ status: 'OK' }] });
    const it3 = await json<Iteration>(post(`/projects/${projectId}/train`));
    expect((await trained(it3.id)).status).toBe('Completed');
  });

  it('pages stored predictions with a continuation token and deletes them', async () => {
    for (let i = 0; i < 3; i++)
      await s.train(`/projects/${projectId}/quicktest/image?iterationId=${iterationId}`, {
        method: 'POST',
        body: multipart([{ name: 'q.jpg', bytes: await blue(50 + i) }]),
      });
    const first = await json<{ results: { id: string }[]; token: { continuation: string | null } }>(
      post(`/projects/${projectId}/predictions/query`, { maxCount: 2 }),
    );
    expect(first.results).toHaveLength(2);
    expect(first.token.continuation).toBeTruthy();
    const second = await json<{ results: { id: string }[] }>(
      post(`/projects/${projectId}/predictions/query`, { maxCount: 2, continuation: first.token.continuation }),
    );
    expect(second.results.length).toBeGreaterThan(0);
    expect(second.results.map((r) => r.id)).not.toContain(first.results[0]!.id);
    expect(
      (await s.train(`/projects/${projectId}/predictions?ids=${first.results[0]!.id}`, { method: 'DELETE' })).status,
    ).toBe(204);
    const after = await json<{ results: { id: string }[] }>(
      post(`/projects/${projectId}/predictions/query`, { maxCount: 50 }),
    );
    expect(after.results.map((r) => r.id)).not.toContain(first.results[0]!.id);
  });

  it('publishes, classifies through the prediction API, and unpublishes', async () => {
    const pub = await post(
      `/projects/${projectId}/iterations/${iterationId}/publish?publishName=colours&predictionId=${encodeURIComponent('/subscriptions/x/resourceGroups/y/providers/Microsoft.CognitiveServices/accounts/z')}`,
    );
    expect(pub.status).toBe(200);
    expect(await pub.text()).toBe('true');
    const url = `${s.prediction}/${projectId}/classify/iterations/colours/image`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Prediction-Key': PREDICTION_KEY, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(await blue(77)),
    });
    expect(res.status).toBe(200);
    const p = (await res.json()) as ImagePrediction;
    expect(p).toMatchObject({ project: projectId, iteration: iterationId });
    expect(p.predictions[0]!.tagName).toBe('blue');
    const v30 = await fetch(
      `${s.url}/customvision/v3.0/prediction/${projectId}/classify/iterations/colours/image/nostore`,
      {
        method: 'POST',
        headers: { 'Prediction-Key': PREDICTION_KEY },
        body: multipart([{ name: 'x.jpg', bytes: await red(77) }]),
      },
    );
    expect((await v30.json()) as ImagePrediction).toMatchObject({
      predictions: [{ tagName: 'red' }, { tagName: 'blue' }],
    });
    const withTrainingKey = await fetch(url, {
      method: 'POST',
      headers: { 'Prediction-Key': TRAINING_KEY },
      body: new Uint8Array(await blue(77)),
    });
    expect(withTrainingKey.status).toBe(401);
    const detect = await fetch(`${s.prediction}/${projectId}/detect/iterations/colours/image`, {
      method: 'POST',
      headers: { 'Prediction-Key': PREDICTION_KEY },
      body: new Uint8Array(await blue(77)),
    });
    expect(detect.status).toBe(400);
    const unknown = await fetch(`${s.prediction}/${projectId}/classify/iterations/nope/image`, {
      method: 'POST',
      headers: { 'Prediction-Key': PREDICTION_KEY },
      body: new Uint8Array(await blue(77)),
    });
    expect(unknown.status).toBe(404);
    const corrupt = await fetch(url, {
      method: 'POST',
      headers: { 'Prediction-Key': PREDICTION_KEY },
      body: 'not an image',
    });
    expect(await corrupt.json()).toMatchObject({ code: 'BadRequestImageFormat' });
    const del = await s.train(`/projects/${projectId}/iterations/${iterationId}`, { method: 'DELETE' });
    expect(await del.json()).toMatchObject({ code: 'BadRequestIterationIsPublished' });
    expect(
      (await s.train(`/projects/${projectId}/iterations/${iterationId}/publish`, { method: 'DELETE' })).status,
    ).toBe(204);
    const gone = await fetch(url, {
      method: 'POST',
      headers: { 'Prediction-Key': PREDICTION_KEY },
      body: new Uint8Array(await blue(77)),
    });
    expect(gone.status).toBe(404);
  });

  it('suggests tags for untagged images', async () => {
    const up = await s.train(`/projects/${projectId}/images`, {
      method: 'POST',
      body: multipart([{ name: 'u.jpg', bytes: await red(90) }]),
    });
    const imageId = ((await up.json()) as { images: { image: { id: string } }[] }).images[0]!.image.id;
    const sugg = await json<{ id: string; predictions: { tagName: string }[] }[]>(
      post(`/projects/${projectId}/tagsandregions/suggestions?iterationId=${iterationId}&imageIds=${imageId}`),
    );
    expect(sugg[0]).toMatchObject({ id: imageId, predictions: [{ tagName: 'red' }, { tagName: 'blue' }] });
    const count = await json<Record<string, number>>(
      post(`/projects/${projectId}/images/suggested/count?iterationId=${iterationId}`, {
        tagIds: [tagIds.red],
        threshold: 0.5,
      }),
    );
    expect(count).toEqual({ [tagIds.red!]: 1 });
    const q = await json<{ results: { id: string }[] }>(
      post(`/projects/${projectId}/images/suggested?iterationId=${iterationId}`, {
        tagIds: [tagIds.red],
        threshold: 0.5,
      }),
    );
    expect(q.results.map((r) => r.id)).toEqual([imageId]);
  });
});

describe('failures', () => {
  it('a failing training ends Failed with details, and an interrupted one is Failed after a restart', async () => {
    const failing = await startTestServer({}, { engine: fakeEngine({ failWith: 'out of memory' }) });
    try {
      const p = await json<{ id: string }>(failing.train('/projects?name=f', { method: 'POST' }));
      for (const name of ['a', 'b']) {
        const tag = await json<{ id: string }>(
          failing.train(`/projects/${p.id}/tags?name=${name}`, { method: 'POST' }),
        );
        const imgs = await Promise.all([0, 1, 2, 3, 4].map((i) => (name === 'a' ? red(i) : blue(i))));
        await failing.train(`/projects/${p.id}/images?tagIds=${tag.id}`, {
          method: 'POST',
          body: multipart(imgs.map((bytes, i) => ({ name: `${i}.jpg`, bytes }))),
        });
      }
      const it = await json<Iteration>(failing.train(`/projects/${p.id}/train`, { method: 'POST' }));
      await failing.server.idle();
      expect(await json(failing.train(`/projects/${p.id}/iterations/${it.id}`))).toMatchObject({
        status: 'Failed',
        trainingErrorDetails: 'out of memory',
      });
    } finally {
      await failing.stop({ keepData: true });
    }
    // Simulate a process killed mid-training: an iteration left in Training in the store.
    const slow = await startTestServer({ dataDir: failing.dataDir }, { engine: fakeEngine({ trainDelayMs: 60_000 }) });
    const [project] = await json<{ id: string }[]>(slow.train('/projects'));
    const it = await json<Iteration>(slow.train(`/projects/${project!.id}/train`, { method: 'POST' }));
    expect(it.status).toBe('Training');
    // Crash: close the store without letting the job finish.
    await slow.server.storage.close();
    const restarted = await startTestServer({ dataDir: failing.dataDir });
    try {
      const after = await json<Iteration>(restarted.train(`/projects/${project!.id}/iterations/${it.id}`));
      expect(after.status).toBe('Failed');
      expect(after.trainingErrorDetails).toMatch(/interrupted/);
      const retry = await json<Iteration>(restarted.train(`/projects/${project!.id}/train`, { method: 'POST' }));
      await restarted.server.idle();
      const finished = await json<Iteration>(restarted.train(`/projects/${project!.id}/iterations/${retry.id}`));
      expect(finished.status).toBe('Completed');
    } finally {
      await restarted.stop();
    }
  });
});
