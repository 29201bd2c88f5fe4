/**
 * Worker-thread entry for `trainHeadOffThread`: runs `trainHead` on the options it is sent, posts progress and the
 * result back. Only pure head-fitting code is imported here: no TF.js, no onnxruntime.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from './off-thread-protocol.ts';
import { type TrainHeadOptions, trainHead } from './train-head.ts';

const port = parentPort;
if (!port) throw new Error('train-head-worker.ts runs as a worker thread');

// Imports resolved: from here on a failure is the fit's, not the worker's.
port.postMessage({ kind: 'ready' });
const options = workerData as Omit<TrainHeadOptions, 'onProgress' | 'signal'>;
trainHead({ ...options, onProgress: (progress) => port.postMessage({ kind: 'progress', progress }) }).then(
  (result) => port.postMessage({ kind: 'result', result }),
  (error: unknown) => port.postMessage({ kind: 'error', error: serializeError(error) }),
);
