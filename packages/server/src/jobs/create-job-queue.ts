import type { ServerConfig } from '../config.ts';
import type { Logger } from '../logging.ts';
import type { Storage } from '../storage/types.ts';
import { InProcessJobQueue, type JobQueue } from './job-queue.ts';
import { PgJobQueue } from './pg-job-queue.ts';

/** The durable PostgreSQL queue when metadata is in PostgreSQL, else the embedded in-process queue. */
export function createJobQueue(
  storage: Storage,
  config: Pick<ServerConfig, 'role' | 'jobLeaseSeconds'>,
  logger: Logger,
): JobQueue {
  if ('pool' in storage)
    return new PgJobQueue((storage as { pool: ConstructorParameters<typeof PgJobQueue>[0] }).pool, {
      work: config.role !== 'api',
      leaseMs: config.jobLeaseSeconds * 1000,
      pollMs: Math.min(1000, (config.jobLeaseSeconds * 1000) / 3),
      logger,
    });
  return new InProcessJobQueue(1, (key, e) => logger.error('background job failed', { key, error: String(e) }));
}
