/**
 * `trainHead` on a worker thread, so a server keeps answering while a head is fitted.
 *
 * In-process, `trainHead` yields between chunks of work, but some chunks still hold the event loop for 100–400 ms
 * on 200 images with 9316 features (the Gram matrix, the pivoted Cholesky, L-BFGS steps): every request that
 * arrives meanwhile waits that long. On a worker thread the fit blocks nothing; the cost is copying the features
 * to it (structured clone).
 *
 * One long-lived worker per process runs the fits one after another (they are CPU-bound: running two at once on
 * two cores would only slow both). It is never terminated while it runs JavaScript: on Node 20, tearing down a
 * worker whose isolate still has a background (TurboFan) compile job in flight can abort the whole process
 * (`NodePlatform::ForIsolate: Assertion (data.first) != nullptr`), which the test suite hit when every training
 * started and stopped its own worker. Aborting a fit is therefore cooperative (a message that aborts its signal),
 * and the idle worker is `unref`'d so it never keeps a process alive.
 *
 * The worker is TypeScript, like the rest of the repository. `execArgv: ['--import', 'tsx']` does not reach a
 * worker on Node 20 (it fails with "Unknown file extension .ts"), so the worker is a two-line CommonJS script that
 * registers tsx's require hook and then loads `train-head-worker.ts`. When the worker cannot start, fits run on the
 * calling thread and `onFallback` says why.
 */
import { Worker } from 'node:worker_threads';
import { type TrainDetectorOptions, type TrainDetectorResult, trainDetector } from '../detection/train-detector.ts';
import { workerBootstrap } from '../util/worker-bootstrap.ts';
import { deserializeError, type SerializedError } from './off-thread-protocol.ts';
import { type TrainHeadOptions, type TrainHeadResult, type TrainingProgress, trainHead } from './train-head.ts';

export interface OffThreadOptions {
  /** Called, with the reason, when the worker could not start and the fit ran on this thread. */
  onFallback?: (reason: string) => void;
  /** Replaces the worker's bootstrap script (tests use it to simulate a worker that cannot load). */
  bootstrap?: string;
}

type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'progress'; id: number; progress: TrainingProgress }
  | { kind: 'result'; id: number; result: TrainHeadResult | TrainDetectorResult }
  | { kind: 'error'; id: number; error: SerializedError };

/** The built package (tsup.config.ts) has the worker as CommonJS beside this code. */
function workerSource(): string {
  return workerBootstrap(import.meta.url, 'train-head-worker');
}

interface Pending {
  onProgress: ((progress: TrainingProgress) => void) | undefined;
  resolve: (result: never) => void;
  reject: (error: Error) => void;
}

/** A started worker, ready once its bootstrap has loaded; `null` readiness means it failed to load (reason given). */
interface FitWorker {
  worker: Worker;
  ready: Promise<string | null>;
  pending: Map<number, Pending>;
}

const workers = new Map<string, FitWorker>();
/** Bootstraps whose worker never loaded, with why: not retried (every fit would pay the attempt). */
const unloadable = new Map<string, string>();
let nextId = 1;
/** Fits run one at a time: each waits for the previous one to settle. */
let queue: Promise<unknown> = Promise.resolve();

function startWorker(bootstrap: string): FitWorker {
  const pending = new Map<number, Pending>();
  let markReady!: (failure: string | null) => void;
  const ready = new Promise<string | null>((resolve) => {
    markReady = resolve;
  });
  const worker = new Worker(bootstrap, { eval: true });
  worker.unref();
  const entry: FitWorker = { worker, ready, pending };
  let loaded = false;
  const fail = (error: Error) => {
    // A worker that dies after loading is dropped and the next fit starts a new one; one that never loads is not
    // tried again.
    workers.delete(bootstrap);
    if (!loaded) unloadable.set(bootstrap, error.message);
    markReady(error.message);
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on('message', (message: WorkerMessage) => {
    if (message.kind === 'ready') {
      loaded = true;
      return markReady(null);
    }
    const p = pending.get(message.id);
    if (!p) return;
    if (message.kind === 'progress') p.onProgress?.(message.progress);
    else {
      pending.delete(message.id);
      if (pending.size === 0) worker.unref();
      if (message.kind === 'result') p.resolve(message.result as never);
      else p.reject(deserializeError(message.error));
    }
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the head-fitting worker exited with code ${code}`)));
  return entry;
}

function workerFor(bootstrap: string): FitWorker {
  let entry = workers.get(bootstrap);
  if (!entry) {
    entry = startWorker(bootstrap);
    workers.set(bootstrap, entry);
  }
  return entry;
}

export function trainHeadOffThread(
  options: TrainHeadOptions,
  offThread: OffThreadOptions = {},
): Promise<TrainHeadResult> {
  const run = queue.then(() => fitOnWorker(options, offThread));
  queue = run.catch(() => undefined);
  return run;
}

/** `trainDetector` on the same worker and queue as the classification heads. */
export function trainDetectorOffThread(
  options: TrainDetectorOptions,
  offThread: OffThreadOptions = {},
): Promise<TrainDetectorResult> {
  const { onProgress, signal, ...data } = options;
  const run = queue.then(async () => {
    const entry = await readyWorker(offThread);
    if (!entry) return trainDetector(options);
    return postFit<TrainDetectorResult>(entry, 'fit-detector', data, onProgress, signal);
  });
  queue = run.catch(() => undefined);
  return run;
}

/** The started worker, or undefined (after telling `onFallback` why) when fits must run on this thread. */
async function readyWorker(offThread: OffThreadOptions): Promise<FitWorker | undefined> {
  let entry: FitWorker | undefined;
  let failure: string | null;
  try {
    const bootstrap = offThread.bootstrap ?? workerSource();
    failure = unloadable.get(bootstrap) ?? null;
    if (failure === null) {
      entry = workerFor(bootstrap);
      failure = await entry.ready;
    }
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  if (failure !== null) {
    offThread.onFallback?.(failure);
    return undefined;
  }
  return entry;
}

async function fitOnWorker(options: TrainHeadOptions, offThread: OffThreadOptions): Promise<TrainHeadResult> {
  const { onProgress, signal, backbone, ...rest } = options;
  signal?.throwIfAborted();
  const entry = await readyWorker(offThread);
  if (!entry) return trainHead(options);
  // Only what trainHead reads: a real Backbone also carries its model and methods, which cannot cross to a worker.
  const data = {
    ...rest,
    backbone: {
      id: backbone.id,
      version: backbone.version,
      cacheKey: backbone.cacheKey,
      dim: backbone.dim,
      preprocessing: backbone.preprocessing,
      ...(backbone.defaultL2 !== undefined ? { defaultL2: backbone.defaultL2 } : {}),
    },
  };
  return postFit<TrainHeadResult>(entry, 'fit', data, onProgress, signal);
}

function postFit<R>(
  entry: FitWorker,
  kind: 'fit' | 'fit-detector',
  data: unknown,
  onProgress: ((progress: TrainingProgress) => void) | undefined,
  signal: AbortSignal | undefined,
): Promise<R> {
  signal?.throwIfAborted();
  const id = nextId++;
  const { worker, pending } = entry;
  return new Promise<R>((resolve, reject) => {
    const abort = () => worker.postMessage({ kind: 'abort', id });
    signal?.addEventListener('abort', abort, { once: true });
    const settle = () => signal?.removeEventListener('abort', abort);
    pending.set(id, {
      onProgress,
      resolve: (result: R) => {
        settle();
        resolve(result);
      },
      reject: (error) => {
        settle();
        // The worker reports a cooperative abort as its own error; the caller's reason is the one to surface.
        reject(signal?.aborted ? (signal.reason ?? error) : error);
      },
    });
    // Keep the process alive while a fit is in flight (the idle worker is unref'd).
    worker.ref();
    try {
      worker.postMessage({ kind, id, options: data });
    } catch (error) {
      // Options that cannot be cloned: nothing was sent.
      pending.delete(id);
      if (pending.size === 0) worker.unref();
      settle();
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
