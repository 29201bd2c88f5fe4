/**
 * `trainHead` on a worker thread, so a server keeps answering while a head is fitted.
 *
 * In-process, `trainHead` yields between chunks of work, but some chunks still hold the event loop for 100–400 ms
 * on 200 images with 9316 features (the Gram matrix, the pivoted Cholesky, L-BFGS steps): every request that
 * arrives meanwhile waits that long. On a worker thread the fit blocks nothing; the cost is copying the features
 * to it (structured clone) and starting it (≈ 0.3 s with the TypeScript loader).
 *
 * The worker is TypeScript, like the rest of the repository. `execArgv: ['--import', 'tsx']` does not reach a
 * worker on Node 20 (it fails with "Unknown file extension .ts"), so the worker is a two-line CommonJS script that
 * registers tsx's require hook and then loads `train-head-worker.ts`. When a worker cannot start, training falls
 * back to the calling thread and `onFallback` says why.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { deserializeError, type SerializedError } from './off-thread-protocol.ts';
import { type TrainHeadOptions, type TrainHeadResult, type TrainingProgress, trainHead } from './train-head.ts';

export interface OffThreadOptions {
  /** Called once, with the reason, when the worker could not start and the fit ran on this thread. */
  onFallback?: (reason: string) => void;
  /** Replaces the worker's bootstrap script (tests use it to simulate a worker that cannot load). */
  bootstrap?: string;
}

type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'progress'; progress: TrainingProgress }
  | { kind: 'result'; result: TrainHeadResult }
  | { kind: 'error'; error: SerializedError };

const requireHere = createRequire(import.meta.url);

/** The worker's bootstrap: register tsx when running from TypeScript sources, then load the entry. */
function workerSource(): string {
  const entry = fileURLToPath(
    new URL(`./train-head-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
  );
  const register = entry.endsWith('.ts')
    ? `require(${JSON.stringify(requireHere.resolve('tsx/cjs/api'))}).register();\n`
    : '';
  return `${register}require(${JSON.stringify(entry)});\n`;
}

export async function trainHeadOffThread(
  options: TrainHeadOptions,
  offThread: OffThreadOptions = {},
): Promise<TrainHeadResult> {
  const { onProgress, signal, backbone, ...rest } = options;
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
  signal?.throwIfAborted();
  let worker: Worker;
  try {
    worker = new Worker(offThread.bootstrap ?? workerSource(), { eval: true, workerData: data });
  } catch (error) {
    offThread.onFallback?.(error instanceof Error ? error.message : String(error));
    return trainHead(options);
  }
  return new Promise<TrainHeadResult>((resolve, reject) => {
    let settled = false;
    let started = false;
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', abort);
      action();
      void worker.terminate();
    };
    const abort = () => finish(() => reject(signal?.reason ?? new Error('training aborted')));
    signal?.addEventListener('abort', abort, { once: true });
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'ready') started = true;
      else if (message.kind === 'progress') onProgress?.(message.progress);
      else if (message.kind === 'result') finish(() => resolve(message.result));
      else finish(() => reject(deserializeError(message.error)));
    });
    // The worker could not load (no TypeScript loader, a module missing): fit on this thread instead.
    const fallBack = (reason: string) => {
      settled = true;
      signal?.removeEventListener('abort', abort);
      offThread.onFallback?.(reason);
      trainHead(options).then(resolve, reject);
    };
    worker.on('error', (error) => {
      if (!started && !settled) fallBack(error.message);
      else finish(() => reject(error));
    });
    worker.on('exit', (code) => {
      if (!started && !settled) fallBack(`the worker exited with code ${code} while loading`);
      else finish(() => reject(new Error(`head-fitting worker exited with code ${code} before answering`)));
    });
  });
}
