import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg, multipart } from '../helpers/images.ts';
import {
  type Azurite,
  type PgCluster,
  postgresUnavailable,
  startAzurite,
  startPgCluster,
} from '../helpers/postgres-cluster.ts';
import { PREDICTION_KEY, TRAINING_KEY } from '../helpers/test-server.ts';
import { type Node, startNode } from './nodes.ts';

/**
 * The scale-out topology as it is deployed: two API processes and a worker on one PostgreSQL database and one Azure
 * Blob Storage account (Azurite), each a separate `cvkit-server` process. The worker is killed with SIGKILL in the
 * middle of a training; a second worker must take the job over once its lease expires and finish it.
 */
const skip = postgresUnavailable();
if (skip) console.warn(`skipping the scale-out cluster test: ${skip}`);

const LEASE_SECONDS = 2;
const TRAIN_DELAY_MS = 5000;

type Iteration = { id: string; status: string; trainingErrorDetails?: string | null };
type Created = { isBatchSuccessful: boolean; images: { status: string; image: { id: string } | null }[] };

describe.skipIf(Boolean(skip))('two API processes and workers on PostgreSQL and Azure Blob Storage', () => {
  let cluster: PgCluster;
  let azurite: Azurite;
  let db: pg.Client;
  let env: Record<string, string>;
  const nodes: Node[] = [];
  let api1: Node;
  let api2: Node;

  beforeAll(async () => {
    [cluster, azurite] = await Promise.all([startPgCluster(), startAzurite()]);
    const databaseUrl = await cluster.createDatabase();
    env = {
      CVKIT_DATABASE_URL: databaseUrl,
      CVKIT_BLOB_CONNECTION_STRING: azurite.connectionString,
      CVKIT_BLOB_CONTAINER: 'cluster',
      CVKIT_JOB_LEASE_SECONDS: String(LEASE_SECONDS),
      FAKE_TRAIN_DELAY_MS: String(TRAIN_DELAY_MS),
    };
    // All three start at once on an empty database: one creates the schema while the others wait for it.
    const started = await Promise.all(
      (['api', 'api', 'worker'] as const).map((role) => startNode({ ...env, CVKIT_ROLE: role })),
    );
    nodes.push(...started);
    [api1, api2] = started as [Node, Node];
    db = new pg.Client(databaseUrl);
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    for (const n of nodes) await n.kill('SIGKILL');
    await Promise.all([cluster?.stop(), azurite?.stop()]);
  });

  const call = (node: Node, path: string, init: RequestInit = {}) =>
    fetch(`${node.url}/customvision/v3.3/training${path}`, {
      ...init,
      headers: { 'Training-Key': TRAINING_KEY, ...(init.headers as Record<string, string>) },
    });
  const json = async <T>(res: Promise<Response>): Promise<T> => {
    const r = await res;
    const body = await r.text();
    if (r.status >= 300) throw new Error(`${r.status}: ${body}`);
    return JSON.parse(body) as T;
  };
  const upload = (node: Node, projectId: string, tagId: string, images: Buffer[]) =>
    json<Created>(
      call(node, `/projects/${projectId}/images?tagIds=${tagId}`, {
        method: 'POST',
        body: multipart(images.map((bytes, i) => ({ name: `${i}.jpg`, bytes }))),
      }),
    );
  const red = (i: number) => jpeg(16, 16, [250 - ((i * 6) % 60), (i * 5) % 60, 0]);
  const blue = (i: number) => jpeg(16, 16, [(i * 5) % 60, 0, 250 - ((i * 6) % 60)]);
  const jobs = async () =>
    (await db.query("SELECT id, status, attempts, worker FROM jobs WHERE kind = 'train' ORDER BY created")).rows as {
      id: string;
      status: string;
      attempts: number;
      worker: string | null;
    }[];
  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('uploads through one API, trains through the other, survives the worker being killed, predicts through both', {
    timeout: 90_000,
  }, async () => {
    const project = await json<{ id: string }>(
      call(api1, '/projects?name=cluster&classificationType=Multiclass', { method: 'POST' }),
    );
    const tags: Record<string, string> = {};
    for (const name of ['red', 'blue'])
      tags[name] = (
        await json<{ id: string }>(call(api1, `/projects/${project.id}/tags?name=${name}`, { method: 'POST' }))
      ).id;
    const reds = await Promise.all(Array.from({ length: 6 }, (_, i) => red(i)));
    const blues = await Promise.all(Array.from({ length: 6 }, (_, i) => blue(i)));
    expect((await upload(api1, project.id, tags.red!, reds)).isBatchSuccessful).toBe(true);
    expect((await upload(api1, project.id, tags.blue!, blues)).isBatchSuccessful).toBe(true);

    // The same three new images through both APIs at once: stored once, never an error.
    const more = await Promise.all([6, 7, 8].map((i) => red(i)));
    const both = await Promise.all([api1, api2].map((n) => upload(n, project.id, tags.red!, more)));
    for (const r of both) for (const img of r.images) expect(['OK', 'OKDuplicate']).toContain(img.status);
    const ids = both.map((r) => r.images.map((i) => i.image?.id));
    expect(ids[0]).toEqual(ids[1]);
    for (const node of [api1, api2])
      expect(await json<number>(call(node, `/projects/${project.id}/images/count`))).toBe(15);

    const started = await json<Iteration>(call(api2, `/projects/${project.id}/train`, { method: 'POST' }));
    expect(started.status).toBe('Training');
    const first = await until(
      'the worker to take the training job',
      async () => (await jobs()).find((j) => j.status === 'running'),
      20_000,
    );
    expect(first).toMatchObject({ id: started.id, attempts: 1 });
    // Killed mid-training: the job is still running as far as the database knows.
    await nodes[2]!.kill('SIGKILL');
    expect((await json<Iteration>(call(api1, `/projects/${project.id}/iterations/${started.id}`))).status).toBe(
      'Training',
    );
    // Another TrainProject is refused while the first is in flight, on either API.
    expect((await call(api1, `/projects/${project.id}/train`, { method: 'POST' })).status).toBe(400);

    const second = await startNode({ ...env, CVKIT_ROLE: 'worker' });
    nodes.push(second);
    const done = await until(
      'the second worker to finish the training',
      async () => {
        const it = await json<Iteration>(call(api1, `/projects/${project.id}/iterations/${started.id}`));
        return it.status === 'Training' ? undefined : it;
      },
      45_000,
    );
    expect(done.status).toBe('Completed');
    const [job] = await jobs();
    expect(job).toMatchObject({ id: started.id, status: 'done', attempts: 2 });
    expect(job!.worker).not.toBe(first.worker);
    expect(second.log()).toContain('job taken over');

    const pub = await call(
      api1,
      `/projects/${project.id}/iterations/${started.id}/publish?publishName=colours&predictionId=local`,
      { method: 'POST' },
    );
    expect(pub.status).toBe(200);
    for (const [node, image, tag] of [
      [api1, await blue(40), 'blue'],
      [api2, await red(41), 'red'],
      [api2, await blue(42), 'blue'],
      [api1, await red(43), 'red'],
    ] as const) {
      const res = await fetch(
        `${node.url}/customvision/v3.1/prediction/${project.id}/classify/iterations/colours/image`,
        {
          method: 'POST',
          headers: { 'Prediction-Key': PREDICTION_KEY, 'content-type': 'application/octet-stream' },
          body: new Uint8Array(image),
        },
      );
      expect(res.status).toBe(200);
      const p = (await res.json()) as { iteration: string; predictions: { tagName: string }[] };
      expect(p.iteration).toBe(started.id);
      expect(p.predictions[0]!.tagName).toBe(tag);
    }

    // Nothing lost, nothing doubled: every image is listed once by both APIs, and its bytes are in the blob store.
    for (const node of [api1, api2]) {
      const listed = await json<{ id: string; originalImageUri: string }[]>(
        call(node, `/projects/${project.id}/images?take=256`),
      );
      expect(listed).toHaveLength(15);
      expect(new Set(listed.map((i) => i.id)).size).toBe(15);
      const bytes = await fetch(listed[0]!.originalImageUri);
      expect(bytes.status).toBe(200);
      expect((await bytes.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    const trainedOn = await json<number>(call(api2, `/projects/${project.id}/images/count?iterationId=${started.id}`));
    expect(trainedOn).toBe(15);
  });
});
