/**
 * Where an onnxruntime session runs. onnxruntime-node's `session.run` returns a promise but computes synchronously on
 * the calling thread (it only defers the call with setImmediate), so on the main thread every forward pass stopped
 * the server's event loop: no request was parsed, no image decode started and no answer written while the network
 * ran. Measured with --cpu-prof on ClassifyImage at 8 concurrent clients: 43 % of the main thread inside
 * `session.run`. The worker runner keeps the session on a worker thread, so HTTP work and decoding overlap the
 * network; the main-thread runner remains for callers that inject their own onnxruntime module (tests).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type * as OrtModule from 'onnxruntime-node';

export type SessionOptions = OrtModule.InferenceSession.SessionOptions;

export interface SessionRunner {
  /**
   * Runs the model on one float32 input (bytes are converted to floats on the runner's thread); returns the named
   * outputs' data. `input` may be detached afterwards.
   */
  run(
    inputName: string,
    input: Float32Array | Uint8Array,
    dims: number[],
    outputs: string[],
  ): Promise<Record<string, Float32Array>>;
  release(): Promise<void>;
}

export async function mainThreadRunner(
  ort: typeof OrtModule,
  model: Uint8Array,
  options: SessionOptions,
): Promise<SessionRunner> {
  const session = await ort.InferenceSession.create(model, options);
  return {
    async run(inputName, input, dims, outputs) {
      const floats = input instanceof Float32Array ? input : Float32Array.from(input);
      const out = await session.run({ [inputName]: new ort.Tensor('float32', floats, dims) }, outputs);
      return Object.fromEntries(outputs.map((name) => [name, out[name]!.data as Float32Array]));
    },
    release: () => session.release(),
  };
}

// Plain CommonJS, evaluated in the worker: it needs onnxruntime-node only, not the TypeScript sources.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const mod = require(workerData.ortPath);
const ort = mod.InferenceSession ? mod : mod.default;
ort.InferenceSession.create(workerData.model, workerData.options).then(
  (session) => {
    parentPort.postMessage({ kind: 'ready' });
    parentPort.on('message', async (m) => {
      if (m.kind === 'release') {
        await session.release();
        return parentPort.postMessage({ kind: 'released' });
      }
      try {
        const input = m.input instanceof Float32Array ? m.input : Float32Array.from(m.input);
        const out = await session.run({ [m.inputName]: new ort.Tensor('float32', input, m.dims) }, m.outputs);
        const result = {};
        for (const name of m.outputs) result[name] = Float32Array.from(out[name].data);
        parentPort.postMessage({ kind: 'result', id: m.id, result }, Object.values(result).map((a) => a.buffer));
      } catch (e) {
        parentPort.postMessage({ kind: 'error', id: m.id, message: String((e && e.message) || e) });
      }
    });
  },
  (e) => parentPort.postMessage({ kind: 'failed', message: String((e && e.message) || e) }),
);
`;

type FromWorker =
  | { kind: 'ready' }
  | { kind: 'released' }
  | { kind: 'failed'; message: string }
  | { kind: 'result'; id: number; result: Record<string, Float32Array> }
  | { kind: 'error'; id: number; message: string };

export async function workerRunner(model: Uint8Array, options: SessionOptions): Promise<SessionRunner> {
  const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
  // The model's bytes move to the worker: one copy of the weights in memory, inside the session.
  const owned = model.byteOffset === 0 && model.byteLength === model.buffer.byteLength ? model : model.slice();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { ortPath, model: owned, options },
    transferList: [owned.buffer as ArrayBuffer],
  });
  const pending = new Map<number, { resolve: (r: Record<string, Float32Array>) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let dead: Error | null = null;
  let onReleased: (() => void) | null = null;

  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (m: FromWorker) => {
        if (m.kind === 'ready') resolve();
        else reject(new Error(m.kind === 'failed' ? m.message : `unexpected ${m.kind} from the onnxruntime worker`));
      });
    });
  } catch (e) {
    // The worker is idle once its session failed: end it, or it would keep the process alive.
    await worker.terminate();
    throw e;
  }
  const fail = (error: Error) => {
    dead = error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the onnxruntime worker exited with code ${code}`)));
  worker.on('message', (m: FromWorker) => {
    if (m.kind === 'released') return onReleased?.();
    if (m.kind !== 'result' && m.kind !== 'error') return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    // An idle worker must not keep the process alive.
    if (pending.size === 0) worker.unref();
    if (m.kind === 'result') p.resolve(m.result);
    else p.reject(new Error(m.message));
  });
  worker.unref();

  return {
    run(inputName, input, dims, outputs) {
      if (dead) return Promise.reject(dead);
      const id = nextId++;
      worker.ref();
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ kind: 'run', id, inputName, input, dims, outputs }, [input.buffer as ArrayBuffer]);
      });
    },
    async release() {
      if (dead) return;
      // The session is released inside the worker; the idle worker thread then ends with the process.
      await new Promise<void>((resolve) => {
        onReleased = resolve;
        worker.ref();
        worker.postMessage({ kind: 'release' });
      });
      worker.unref();
    },
  };
}
