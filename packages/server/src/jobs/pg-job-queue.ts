import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import type { Logger } from '../logging.ts';
import { inTransaction } from '../storage/postgres/pg-storage.ts';
import type { Job, JobHandler, JobQueue } from './job-queue.ts';

export interface PgJobQueueOptions {
  /** Whether this process takes jobs (CVKIT_ROLE worker or all) or only submits them (api). */
  work: boolean;
  /** A worker that has not renewed its lease for this long is presumed dead: its job goes to another worker. */
  leaseMs: number;
  /** How often an idle worker looks for a job. */
  pollMs?: number;
  /** A job taken this many times without finishing (each taker died) is abandoned. */
  maxAttempts?: number;
  concurrency?: number;
  logger: Logger;
}

/**
 * A durable job queue in the `jobs` table. A worker claims the oldest claimable job with `FOR UPDATE SKIP LOCKED`
 * and holds it by a lease it renews every third of the lease; a job whose lease ran out (its worker was killed, lost
 * its network, or froze) is claimable again, so another worker runs it from the start. Lease times are the
 * database's clock, never the workers'. Claims are serialised by an advisory lock, which keeps jobs with the same
 * key (one project) from running on two workers at once.
 */
export class PgJobQueue implements JobQueue {
  readonly durable = true;
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly running = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private closed = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: PgJobQueueOptions,
  ) {}

  handle(kind: string, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  async submit(job: Job): Promise<void> {
    await this.pool.query(
      "INSERT INTO jobs(id, kind, key, payload, status) VALUES ($1, $2, $3, $4, 'queued') ON CONFLICT (id) DO NOTHING",
      [job.id, job.kind, job.key, JSON.stringify(job.payload)],
    );
    if (this.opts.work) this.poll();
  }

  async active(kind: string): Promise<Set<string>> {
    const { rows } = await this.pool.query("SELECT id FROM jobs WHERE kind = $1 AND status IN ('queued', 'running')", [
      kind,
    ]);
    return new Set(rows.map((r) => r.id as string));
  }

  start(): void {
    if (!this.opts.work || this.timer) return;
    this.timer = setInterval(() => this.poll(), this.opts.pollMs ?? 1000);
    this.timer.unref();
    this.poll();
  }

  drain(): Promise<void> {
    if (!this.running.size) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.drain();
  }

  private poll(): void {
    if (this.polling || this.closed) return;
    this.polling = true;
    void this.fill()
      .catch((e) => this.opts.logger.error('job queue poll failed', { error: String(e) }))
      .finally(() => {
        this.polling = false;
      });
  }

  private async fill(): Promise<void> {
    while (!this.closed && this.running.size < (this.opts.concurrency ?? 1)) {
      const job = await this.claim();
      if (!job) return;
      const done = this.execute(job).finally(() => {
        this.running.delete(job.id);
        if (!this.running.size) for (const r of this.idle.splice(0)) r();
        this.poll();
      });
      this.running.set(job.id, done);
    }
  }

  private claim(): Promise<(Job & { attempts: number }) | undefined> {
    return inTransaction(this.pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(727101)');
      const { rows } = await c.query(
        `SELECT id, kind, key, payload, attempts FROM jobs j
          WHERE (j.status = 'queued' OR (j.status = 'running' AND j.lease_until < now()))
            AND j.kind = ANY($1::text[])
            AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.key = j.key AND r.id <> j.id
                              AND r.status = 'running' AND r.lease_until >= now())
          ORDER BY j.created, j.id LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [[...this.handlers.keys()]],
      );
      const row = rows[0];
      if (!row) return undefined;
      const attempts = (row.attempts as number) + 1;
      await c.query(
        `UPDATE jobs SET status = 'running', attempts = $2, worker = $3,
            lease_until = now() + make_interval(secs => $4) WHERE id = $1`,
        [row.id, attempts, this.workerId, this.opts.leaseMs / 1000],
      );
      return { id: row.id, kind: row.kind, key: row.key, payload: row.payload, attempts };
    });
  }

  private async execute(job: Job & { attempts: number }): Promise<void> {
    const handler = this.handlers.get(job.kind)!;
    const log = { jobId: job.id, kind: job.kind, attempt: job.attempts, worker: this.workerId };
    const max = this.opts.maxAttempts ?? 3;
    if (job.attempts > max) {
      const reason = `Its worker stopped ${max} times before finishing.`;
      this.opts.logger.error('job abandoned', log);
      await handler.abandon(job.payload, reason).catch((e) => this.opts.logger.error('abandon failed', { error: e }));
      await this.finish(job.id, 'failed', reason);
      return;
    }
    this.opts.logger.info(job.attempts > 1 ? 'job taken over' : 'job started', log);
    const heartbeat = setInterval(() => {
      void this.pool
        .query(
          `UPDATE jobs SET lease_until = now() + make_interval(secs => $3)
            WHERE id = $1 AND worker = $2 AND status = 'running'`,
          [job.id, this.workerId, this.opts.leaseMs / 1000],
        )
        .then((r) => {
          if (!r.rowCount) this.opts.logger.warn('job lease lost to another worker', log);
        })
        .catch((e) => this.opts.logger.warn('job heartbeat failed', { ...log, error: String(e) }));
    }, this.opts.leaseMs / 3);
    try {
      await handler.run(job.payload);
      await this.finish(job.id, 'done', null);
      this.opts.logger.info('job finished', log);
    } catch (e) {
      // Handlers record their own failures; one that throws hit the database or the blob store: try again later.
      this.opts.logger.error('job failed; it will be retried', { ...log, error: String(e) });
      await this.pool
        .query(
          "UPDATE jobs SET status = 'queued', worker = NULL, lease_until = NULL, error = $3 WHERE id = $1 AND worker = $2",
          [job.id, this.workerId, String(e)],
        )
        .catch(() => {});
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async finish(id: string, status: 'done' | 'failed', error: string | null): Promise<void> {
    await this.pool.query(
      'UPDATE jobs SET status = $2, finished = now(), lease_until = NULL, error = $4 WHERE id = $1 AND worker = $3',
      [id, status, this.workerId, error],
    );
  }
}
