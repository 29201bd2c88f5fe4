/**
 * Runs one forward pass at a time and gathers, for the next pass, every request that arrived while the previous one
 * ran. Concurrent predictions (each one image) then share a batch instead of queueing one by one: the network's cost
 * per image falls with the batch size, and at low load nothing waits, since a request that finds the runner idle
 * starts after one turn of the event loop (the collection window that lets simultaneous arrivals join).
 *
 * Requests are served in arrival order; a request larger than `maxBatch` is queued a chunk at a time, so a
 * training's big embedding job lets predictions in between its chunks.
 */
export type Forward<In, Out> = (batch: readonly In[]) => Promise<Out[]>;

interface Waiting<In, Out> {
  items: readonly In[];
  resolve: (out: Out[]) => void;
  reject: (error: unknown) => void;
}

export interface CoalescingBatcher<In, Out> {
  run(items: readonly In[]): Promise<Out[]>;
  /** Resolves once nothing is running or waiting. */
  idle(): Promise<void>;
}

export function coalescingBatcher<In, Out>(forward: Forward<In, Out>, maxBatch: number): CoalescingBatcher<In, Out> {
  const waiting: Waiting<In, Out>[] = [];
  let running: Promise<void> | null = null;

  async function drain(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    // Cleared in the same synchronous step that finds the queue empty, so no request can slip in unserved.
    for (;;) {
      if (!waiting.length) {
        running = null;
        return;
      }
      const group: Waiting<In, Out>[] = [];
      let size = 0;
      while (waiting.length && size + waiting[0]!.items.length <= maxBatch) {
        const next = waiting.shift()!;
        group.push(next);
        size += next.items.length;
      }
      await settle(group, () => forward(group.flatMap((g) => g.items)));
    }
  }

  function enqueue(items: readonly In[]): Promise<Out[]> {
    const result = new Promise<Out[]>((resolve, reject) => waiting.push({ items, resolve, reject }));
    running ??= drain();
    return result;
  }

  async function settle(group: Waiting<In, Out>[], pass: () => Promise<Out[]>): Promise<void> {
    try {
      const out = await pass();
      let offset = 0;
      for (const g of group) {
        g.resolve(out.slice(offset, offset + g.items.length));
        offset += g.items.length;
      }
    } catch (error) {
      for (const g of group) g.reject(error);
    }
  }

  return {
    async run(items) {
      // A large request queues one chunk at a time, so requests arriving meanwhile go ahead of its next chunk.
      const out: Out[] = [];
      for (let start = 0; start < items.length; start += maxBatch)
        out.push(...(await enqueue(items.slice(start, start + maxBatch))));
      return out;
    },
    async idle() {
      while (running) await running;
    },
  };
}
