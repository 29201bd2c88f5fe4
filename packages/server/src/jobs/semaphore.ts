/** At most `max` holders at once; further `acquire` calls wait their turn, first come first served. */
export class Semaphore {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  /** Resolves with the release function once a slot is free. */
  async acquire(): Promise<() => void> {
    if (this.held >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.held++;
    return this.releaser();
  }

  /** A slot now, or undefined when all are held (for callers that answer "busy" rather than wait). */
  tryAcquire(): (() => void) | undefined {
    if (this.held >= this.max) return undefined;
    this.held++;
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `held` only drops when no one waits.
      if (next) next();
      else this.held--;
    };
  }

  get inUse(): number {
    return this.held;
  }
}

/** Bytes of request bodies the server holds at once: reservations that do not fit are refused, not queued. */
export class ByteBudget {
  private used = 0;

  constructor(readonly total: number) {}

  tryReserve(bytes: number): (() => void) | undefined {
    if (this.used + bytes > this.total) return undefined;
    this.used += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
    };
  }

  get inUse(): number {
    return this.used;
  }
}
