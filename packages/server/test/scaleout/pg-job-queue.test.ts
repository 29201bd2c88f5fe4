import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgJobQueue } from '../../src/jobs/pg-job-queue.ts';
import { createLogger } from '../../src/logging.ts';
import { openPgStorage } from '../../src/storage/postgres/pg-storage.ts';
import { fakeEngine } from '../helpers/fake-engine.ts';
import { type PgCluster, postgresUnavailable, startPgCluster } from '../helpers/postgres-cluster.ts';
import { json, startTestServer } from '../helpers/test-server.ts';
import { trainableProject } from './seed.ts';

const skip = postgresUnavailable();
if (skip) console.warn(`skipping the PostgreSQL job queue tests: ${skip}`);

const logger = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(Boolean(skip))('the PostgreSQL job queue', { timeout: 30_000 }, () => {
  let cluster: PgCluster;
  const pools: pg.Pool[] = [];
  beforeAll(async () => {
    cluster = await startPgCluster();
  }, 120_000);
  afterAll(async () => {
    for (const p of pools) await p.end();
    await cluster?.stop();
  });

  async function database() {
    const url = await cluster.createDatabase();
    // The schema (and its jobs table) comes with the storage.
    const storage = await openPgStorage(url, {
      put: async () => {},
      get: async () => undefined,
      has: async () => false,
      delete: async () => {},
    });
    await storage.close();
    const pool = new pg.Pool({ connectionString: url });
    pools.push(pool);
    return { url, pool };
  }

  it('runs jobs of one key one at a time across workers, other keys alongside', async () => {
    const { pool } = await database();
    const spans: { id: string; key: string; start: number; end: number }[] = [];
    const queues = [0, 1].map(() => {
      const q = new PgJobQueue(pool, { work: true, leaseMs: 3000, pollMs: 50, logger });
      q.handle('slow', {
        run: async (payload) => {
          const { id, key } = payload as { id: string; key: string };
          const start = Date.now();
          await sleep(1000);
          spans.push({ id, key, start, end: Date.now() });
        },
        abandon: async () => {},
      });
      return q;
    });
    for (const [id, key] of [
      ['a1', 'A'],
      ['a2', 'A'],
      ['b1', 'B'],
    ] as const)
      await queues[0]!.submit({ id, kind: 'slow', key, payload: { id, key } });
    for (const q of queues) q.start();
    const end = Date.now() + 10_000;
    while (spans.length < 3 && Date.now() < end) await sleep(50);
    for (const q of queues) await q.close();
    const [a1, a2] = ['a1', 'a2'].map((id) => spans.find((s) => s.id === id)!);
    const b1 = spans.find((s) => s.id === 'b1')!;
    expect(a2!.start).toBeGreaterThanOrEqual(a1!.end);
    // B did not wait for A: it ran on the other worker while A's first job did.
    expect(b1.start).toBeLessThan(a1!.end);
    expect(await queues[0]!.active('slow')).toEqual(new Set());
  });

  it('retries a job whose handler threw, and abandons one whose workers kept dying', async () => {
    const { pool } = await database();
    const runs: string[] = [];
    const abandoned: string[] = [];
    const q = new PgJobQueue(pool, { work: true, leaseMs: 3000, pollMs: 50, logger });
    q.handle('flaky', {
      run: async (payload) => {
        runs.push(payload as string);
        if (runs.length === 1) throw new Error('database hiccup');
      },
      abandon: async (payload, reason) => {
        abandoned.push(`${payload}: ${reason}`);
      },
    });
    // Submitted by an API process: a working queue's submit would start on the jobs before the set-up below is done.
    const api = new PgJobQueue(pool, { work: false, leaseMs: 3000, logger });
    await api.submit({ id: 'retry', kind: 'flaky', key: 'k1', payload: 'retry' });
    // A job three workers took and never finished: their leases ran out.
    await api.submit({ id: 'doomed', kind: 'flaky', key: 'k2', payload: 'doomed' });
    await pool.query(
      "UPDATE jobs SET status = 'running', attempts = 3, worker = 'dead', lease_until = now() - interval '1 second' WHERE id = 'doomed'",
    );
    q.start();
    const end = Date.now() + 10_000;
    while ((runs.length < 2 || !abandoned.length) && Date.now() < end) await sleep(50);
    await q.close();
    expect(runs).toEqual(['retry', 'retry']);
    expect(abandoned).toEqual(['doomed: Its worker stopped 3 times before finishing.']);
    const { rows } = await pool.query('SELECT id, status, attempts FROM jobs ORDER BY id');
    expect(rows).toEqual([
      { id: 'doomed', status: 'failed', attempts: 4 },
      { id: 'retry', status: 'done', attempts: 2 },
    ]);
  });

  it('an abandoned training leaves its iteration Failed, never Training', async () => {
    const { url, pool } = await database();
    const config = { databaseUrl: url, jobLeaseSeconds: 1 };
    const api = await startTestServer({ ...config, role: 'api' });
    const p = await trainableProject(api, 'name=abandoned');
    const it = await json<{ id: string; status: string }>(api.train(`/projects/${p.id}/train`, { method: 'POST' }));
    expect(it.status).toBe('Training');
    // The api process runs no jobs: the job waits in the queue until a worker dies with it for the third time.
    expect((await pool.query('SELECT status FROM jobs WHERE id = $1', [it.id])).rows[0].status).toBe('queued');
    await pool.query(
      "UPDATE jobs SET status = 'running', attempts = 3, worker = 'dead', lease_until = now() - interval '1 second'",
    );
    const engine = fakeEngine();
    const worker = await startTestServer({ ...config, role: 'worker' }, { engine });
    try {
      const end = Date.now() + 10_000;
      let now = it;
      while (now.status === 'Training' && Date.now() < end) {
        await sleep(100);
        now = await json(api.train(`/projects/${p.id}/iterations/${it.id}`));
      }
      expect(now).toMatchObject({
        status: 'Failed',
        trainingErrorDetails: 'Training was interrupted: Its worker stopped 3 times before finishing. Train again.',
      });
      expect(engine.trained).toBe(0);
    } finally {
      await worker.stop();
      await api.stop();
    }
  });
});
