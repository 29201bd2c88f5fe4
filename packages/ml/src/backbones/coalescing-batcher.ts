/**
 * Runs forward passes on a few lanes (one per onnxruntime session, each on its own thread), one pass per lane at a
 * time, and gathers for a lane's next pass every request that arrived while it ran. Concurrent predictions then
 * share passes instead of queueing one by one, and at low load nothing waits: a request that finds a lane idle
 * starts after one turn of the event loop (the collection window that lets simultaneous arrivals join).
 *
 * Requests are served in arrival order; a request larger than `maxBatch` is queued a chunk at a time (as many chunks
 * in flight as there are lanes), so a training's big embedding job keeps every lane busy and still lets predictions
 * in between its chunks.
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

export function coalescingBatcher<In, Out>(
  forwards: Forward<In, Out> | readonly Forward<In, Out>[],
  maxBatch: number,
): CoalescingBatcher<In, Out> {
  const lanes = typeof forwards === 'function' ? [forwards] : forwards;
  if (lanes.length === 0) throw new Error('coalescingBatcher needs at least one lane');
  const waiting: Waiting<In, Out>[] = [];
  const running: (Promise<void> | null)[] = lanes.map(() => null);
  const inPass: boolean[] = lanes.map(() => false);

  async function drain(lane: number): Promise<void> {
    await new Promise((r) => setImmediate(r));
    const forward = lanes[lane]!;
    // Cleared in the same synchronous step that finds the queue empty, so no request can slip in unserved.
    for (;;) {
      if (!waiting.length) {
        running[lane] = null;
        return;
      }
      // Lanes about to start a pass share what waits; a lane alone takes up to a full batch.
      const starting = running.filter((r, i) => r !== null && !inPass[i]).length;
      const queued = waiting.reduce((n, w) => n + w.items.length, 0);
      const limit = Math.min(maxBatch, Math.ceil(queued / Math.max(1, starting)));
      const group: Waiting<In, Out>[] = [];
      let size = 0;
      while (waiting.length && (group.length === 0 || size + waiting[0]!.items.length <= limit)) {
        const next = waiting.shift()!;
        group.push(next);
        size += next.items.length;
      }
      inPass[lane] = true;
      try {
        await settle(group, () => forward(group.flatMap((g) => g.items)));
      } finally {
        inPass[lane] = false;
      }
    }
  }

  function enqueue(items: readonly In[]): Promise<Out[]> {
    const result = new Promise<Out[]>((resolve, reject) => waiting.push({ items, resolve, reject }));
    const idle = running.indexOf(null);
    if (idle >= 0) running[idle] = drain(idle);
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
      // A request is split over the lanes (a prediction's two views run side by side on an idle machine), and a large
      // one queues a chunk per lane at a time, so requests arriving meanwhile go ahead of its next chunks.
      const size = Math.max(1, Math.min(maxBatch, Math.ceil(items.length / lanes.length)));
      const chunks: (readonly In[])[] = [];
      for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
      const out: Out[][] = new Array(chunks.length);
      let next = 0;
      const feed = async () => {
        while (next < chunks.length) {
          const i = next++;
          out[i] = await enqueue(chunks[i]!);
        }
      };
      await Promise.all(Array.from({ length: Math.min(lanes.length, chunks.length) }, feed));
      return out.flat();
    },
    async idle() {
      while (running.some((r) => r !== null)) await Promise.all(running);
    },
  };
}
