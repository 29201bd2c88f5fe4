/**
 * Background work (training, exports) behind an interface, so a multi-process deployment can put a real queue
 * behind it. Jobs with the same key run one at a time, in order; `concurrency` bounds jobs across keys
 * (training saturates the machine's cores, so the embedded default is 1).
 */
export interface JobQueue {
  enqueue(key: string, run: () => Promise<void>): void;
  /** Jobs queued or running for a key. */
  pending(key: string): number;
  /** Resolves when every job queued so far has finished. */
  drain(): Promise<void>;
}

export class InProcessJobQueue implements JobQueue {
  private readonly waiting: { key: string; run: () => Promise<void> }[] = [];
  private readonly running = new Set<string>();
  private readonly counts = new Map<string, number>();
  private idle: (() => void)[] = [];

  constructor(
    private readonly concurrency = 1,
    private readonly onError: (key: string, error: unknown) => void = () => {},
  ) {}

  enqueue(key: string, run: () => Promise<void>): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.waiting.push({ key, run });
    this.pump();
  }

  pending(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  drain(): Promise<void> {
    if (!this.waiting.length && !this.running.size) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.running.size < this.concurrency) {
      const i = this.waiting.findIndex((j) => !this.running.has(j.key));
      if (i < 0) break;
      const [job] = this.waiting.splice(i, 1);
      this.running.add(job!.key);
      // Start on a later tick: the caller answers its HTTP request before any training work begins.
      setImmediate(() => {
        job!
          .run()
          .catch((e) => this.onError(job!.key, e))
          .finally(() => {
            this.running.delete(job!.key);
            const left = (this.counts.get(job!.key) ?? 1) - 1;
            if (left) this.counts.set(job!.key, left);
            else this.counts.delete(job!.key);
            this.pump();
            if (!this.waiting.length && !this.running.size) for (const r of this.idle.splice(0)) r();
          });
      });
    }
  }
}
