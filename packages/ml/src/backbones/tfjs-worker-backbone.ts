/**
 * The TF.js backbone (the fallback when onnxruntime-node cannot load) on worker threads: each worker runs its own
 * single-threaded wasm engine (tfjs-backbone-worker.ts), and the images of one `embed` call are shared out among
 * the workers, so a prediction's two views run side by side on two cores.
 *
 * Why not one engine with a thread pool: tfjs-backend-wasm's threaded build splits every op across its pool and
 * waits for the slowest thread. On 2 cores shared with other work that wait dominated: the General domain's two
 * views took 41–209 ms (p50, from run to run at load average 3–4) with a 2-thread pool, against 59–69 ms on one
 * thread (bench/fallback-latency.ts). Independent single-threaded engines never wait for each other. The forward
 * passes also leave the event loop, as onnxruntime's do (onnx-session-runner.ts).
 *
 * Features are those of `loadBackbone` on one thread (the worker runs that code), under the same cacheKey. One pool
 * of workers per process serves every backbone loaded this way; each worker holds its own copy of each model.
 * Workers are never terminated (see train-head-off-thread.ts for why) but are `unref`'d while idle.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { EngineInfo } from '../engine/engine.ts';
import { TrainingInputError } from '../errors.ts';
import { describePreprocessing } from '../preprocess/preprocess.ts';
import { deserializeError, type SerializedError } from '../training/off-thread-protocol.ts';
import { workerBootstrap } from '../util/worker-bootstrap.ts';
import type { Backbone, BackboneSpec } from './backbone.ts';

export interface TfjsWorkerOptions {
  /** Worker threads. Defaults to env CVKIT_ML_THREADS, else the core count capped at 4. */
  workers?: number;
  /** Replaces the workers' bootstrap script (tests use it to simulate workers that cannot load). */
  bootstrap?: string;
}

export interface TfjsWorkerBackbone extends Backbone {
  readonly workers: number;
  /** The engine each worker runs. */
  readonly engine: EngineInfo;
}

type FromWorker =
  | { kind: 'ready' }
  | { kind: 'result'; id: number; result: unknown }
  | { kind: 'error'; id: number; error: SerializedError };

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  pending: Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>;
  /** Images sent and not yet answered: where the next ones go. */
  queued: number;
  dead: Error | null;
}

const pools = new Map<string, Slot[]>();
let nextId = 1;

function defaultWorkers(): number {
  const env = Number(process.env.CVKIT_ML_THREADS);
  return Math.max(1, Math.floor(env > 0 ? env : Math.min(os.availableParallelism(), 4)));
}

function startSlot(bootstrap: string): Slot {
  const worker = new Worker(bootstrap, { eval: true });
  worker.unref();
  const pending: Slot['pending'] = new Map();
  let markReady!: () => void;
  let markFailed!: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  // Nobody may be waiting yet: a failure before the first call must not become an unhandled rejection.
  ready.catch(() => undefined);
  const slot: Slot = { worker, ready, pending, queued: 0, dead: null };
  const fail = (error: Error) => {
    slot.dead ??= error;
    markFailed(error);
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on('message', (m: FromWorker) => {
    if (m.kind === 'ready') return markReady();
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if (m.kind === 'result') p.resolve(m.result);
    else p.reject(deserializeError(m.error));
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`a TF.js backbone worker exited with code ${code}`)));
  return slot;
}

function call<R>(slot: Slot, message: Record<string, unknown>): Promise<R> {
  if (slot.dead) return Promise.reject(slot.dead);
  const id = nextId++;
  slot.worker.ref();
  return new Promise<R>((resolve, reject) => {
    slot.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
    slot.worker.postMessage({ ...message, id });
  });
}

/** The process's pool for this bootstrap and size, a dead worker replaced by a new one (which loads no model yet). */
function pool(bootstrap: string, size: number): Slot[] {
  const key = `${size}\n${bootstrap}`;
  let slots = pools.get(key);
  if (!slots) {
    slots = [];
    pools.set(key, slots);
  }
  for (let i = 0; i < size; i++) if (!slots[i] || slots[i]!.dead) slots[i] = startSlot(bootstrap);
  return slots;
}

/**
 * Loads `spec` on every worker of the pool. Throws (the caller falls back to TF.js on this thread) when a worker
 * cannot start or load the model.
 */
export async function loadTfjsWorkerBackbone(
  spec: BackboneSpec,
  options: TfjsWorkerOptions = {},
): Promise<TfjsWorkerBackbone> {
  const size = Math.max(1, Math.floor(options.workers ?? defaultWorkers()));
  const bootstrap = options.bootstrap ?? workerBootstrap(import.meta.url, 'tfjs-backbone-worker');
  type Loaded = { version: string; cacheKey: string; dim: number; engine: EngineInfo };
  // Per worker, this backbone's model loaded there. A worker that died (its requests failed with the reason) is
  // replaced at the next call, and the model loaded on the new one.
  const loads = new WeakMap<Slot, Promise<Loaded>>();
  const ready = async (): Promise<{ slots: Slot[]; loaded: Loaded[] }> => {
    const slots = pool(bootstrap, size);
    try {
      const loaded = await Promise.all(
        slots.map((slot) => {
          let load = loads.get(slot);
          if (!load) {
            load = slot.ready.then(() => call<Loaded>(slot, { kind: 'load', spec }));
            loads.set(slot, load);
          }
          return load;
        }),
      );
      // A copy: another backbone may replace a dead worker in the shared pool meanwhile.
      return { slots: [...slots], loaded };
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      throw new Error(`TF.js workers could not load ${spec.id} (${message})`);
    }
  };
  const { loaded } = await ready();
  const first = loaded[0]!;
  if (loaded.some((l) => l.cacheKey !== first.cacheKey)) throw new Error('TF.js workers disagree on the cache key');

  const side = spec.inputSize;
  const pixels = side * side * 3;
  return {
    spec,
    id: spec.id,
    version: first.version,
    cacheKey: first.cacheKey,
    inputSize: side,
    dim: first.dim,
    preprocessing: describePreprocessing(side, spec.preprocessing),
    workers: size,
    engine: first.engine,
    async embed(images) {
      for (const img of images) {
        if (img.length !== pixels) {
          throw new TrainingInputError(`embed: expected ${side}x${side}x3 = ${pixels} values, got ${img.length}`);
        }
      }
      const { slots } = await ready();
      // Each image goes to the worker with the fewest images outstanding; each worker gets its share in one message.
      const shares = slots.map(() => [] as number[]);
      for (let i = 0; i < images.length; i++) {
        let best = 0;
        for (let w = 1; w < slots.length; w++) {
          if (slots[w]!.queued + shares[w]!.length < slots[best]!.queued + shares[best]!.length) best = w;
        }
        shares[best]!.push(i);
      }
      const out = new Array<Float32Array>(images.length);
      await Promise.all(
        shares.map(async (indices, w) => {
          if (indices.length === 0) return;
          const slot = slots[w]!;
          slot.queued += indices.length;
          try {
            const features = await call<Float32Array[]>(slot, {
              kind: 'embed',
              specId: spec.id,
              images: indices.map((i) => images[i]!),
            });
            indices.forEach((i, k) => {
              out[i] = features[k]!;
            });
          } finally {
            slot.queued -= indices.length;
          }
        }),
      );
      return out;
    },
    dispose() {
      for (const slot of pools.get(`${size}\n${bootstrap}`) ?? []) {
        if (loads.has(slot)) call(slot, { kind: 'dispose', specId: spec.id }).catch(() => undefined);
      }
    },
  };
}
