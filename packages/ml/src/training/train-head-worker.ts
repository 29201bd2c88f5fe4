/**
 * Worker-thread entry for `trainHeadOffThread`: a long-lived worker that runs one `trainHead` at a time on the
 * options it is sent, posting progress and the result back. Only pure head-fitting code is imported here: no TF.js,
 * no onnxruntime. Aborting is cooperative (an `abort` message aborts that fit's signal): the worker is never
 * terminated while it runs JavaScript (see train-head-off-thread.ts for why).
 */
import { parentPort } from 'node:worker_threads';
import { type TrainDetectorOptions, trainDetector } from '../detection/train-detector.ts';
import { serializeError } from './off-thread-protocol.ts';
import { type TrainHeadOptions, trainHead } from './train-head.ts';

const port = parentPort;
if (!port) throw new Error('train-head-worker.ts runs as a worker thread');

type Request =
  | { kind: 'fit'; id: number; options: Omit<TrainHeadOptions, 'onProgress' | 'signal'> }
  | { kind: 'fit-detector'; id: number; options: Omit<TrainDetectorOptions, 'onProgress' | 'signal'> }
  | { kind: 'abort'; id: number };

const running = new Map<number, AbortController>();

port.on('message', (request: Request) => {
  if (request.kind === 'abort') {
    running.get(request.id)?.abort(new Error('training aborted'));
    return;
  }
  const { id } = request;
  const controller = new AbortController();
  running.set(id, controller);
  const common = {
    signal: controller.signal,
    onProgress: (progress: { done: number; total: number }) => port.postMessage({ kind: 'progress', id, progress }),
  };
  const fit: Promise<unknown> =
    request.kind === 'fit-detector'
      ? trainDetector({ ...request.options, ...common })
      : trainHead({ ...request.options, ...common });
  fit
    .then(
      (result) => port.postMessage({ kind: 'result', id, result }),
      (error: unknown) => port.postMessage({ kind: 'error', id, error: serializeError(error) }),
    )
    .finally(() => running.delete(id));
});

// Imports resolved and listening: from here on a failure is a fit's, not the worker's.
port.postMessage({ kind: 'ready' });
