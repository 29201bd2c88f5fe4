/**
 * Background work (training, exports) as jobs described by data, so a queue may keep them beyond the process that
 * submitted them: the embedded queue runs them in this process; the PostgreSQL queue (pg-job-queue.ts) lets any
 * worker process take them. Jobs with the same key run one at a time, in order; `concurrency` bounds jobs across
 * keys (training saturates the machine's cores, so the default is 1).
 */
export interface Job {
  /** The record the job completes (an iteration, an export): recovery tells live work from orphans by it. */
  id: string;
  kind: string;
  key: string;
  payload: unknown;
}

export interface JobHandler {
  run(payload: unknown): Promise<void>;
  /** The job will not run again (a durable queue gave up after its attempts): leave its record final. */
  abandon(payload: unknown, reason: string): Promise<void>;
}

export interface JobQueue {
  /** True when queued jobs outlive this process (another process may be running them now). */
  readonly durable: boolean;
  /** Every process registers the same handlers, before `start()`. */
  handle(kind: string, handler: JobHandler): void;
  /** Resolves once the job is queued (durably, for a durable queue). */
  submit(job: Job): Promise<void>;
  /** Ids of the jobs of a kind that are queued or running anywhere. */
  active(kind: string): Promise<Set<string>>;
  /** Begins taking jobs (a no-op for a process that only submits). */
  start(): void;
  /** Resolves when the jobs this process has taken so far have finished. */
  drain(): Promise<void>;
  /** Stops taking jobs and waits for the running ones. */
  close(): Promise<void>;
}

export class InProcessJobQueue implements JobQueue {
  readonly durable = false;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly waiting: Job[] = [];
  private readonly running = new Map<string, Job>();
  private idle: (() => void)[] = [];

  constructor(
    private readonly concurrency = 1,
    private readonly onError: (key: string, error: unknown) => void = () => {},
  ) {}

  handle(kind: string, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  async submit(job: Job): Promise<void> {
    if (!this.handlers.has(job.kind)) throw new Error(`No handler for ${job.kind} jobs.`);
    this.waiting.push(job);
    this.pump();
  }

  async active(kind: string): Promise<Set<string>> {
    return new Set([...this.waiting, ...this.running.values()].filter((j) => j.kind === kind).map((j) => j.id));
  }

  start(): void {}

  drain(): Promise<void> {
    if (!this.waiting.length && !this.running.size) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  close(): Promise<void> {
    return this.drain();
  }

  private pump(): void {
    while (this.running.size < this.concurrency) {
      const keys = new Set([...this.running.values()].map((j) => j.key));
      const i = this.waiting.findIndex((j) => !keys.has(j.key));
      if (i < 0) break;
      const [job] = this.waiting.splice(i, 1);
      this.running.set(job!.id, job!);
      // Start on a later tick: the caller answers its HTTP request before any training work begins.
      setImmediate(() => {
        this.handlers
          .get(job!.kind)!
          .run(job!.payload)
          .catch((e) => this.onError(job!.key, e))
          .finally(() => {
            this.running.delete(job!.id);
            this.pump();
            if (!this.waiting.length && !this.running.size) for (const r of this.idle.splice(0)) r();
          });
      });
    }
  }
}
