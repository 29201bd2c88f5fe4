/**
 * One compute engine per process: tfjs-node when its native binding loads, else tfjs with the wasm backend
 * (multi-threaded when possible), else tfjs's pure-JS cpu backend as a last resort (about 30x slower).
 *
 * Overrides for operators and tests: CVKIT_ML_BACKEND = tensorflow | wasm | cpu, CVKIT_ML_THREADS = n (wasm).
 */
import os from 'node:os';
import { EngineError } from '../errors.ts';
import { loadTfjs, loadTfjsWasm, type TfModule, tryLoadTfjsNode } from './modules.ts';
import { prepareThreadedWorker, unrefPoolWorkers, withThreadedWasmPatches } from './wasm-threads.ts';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface EngineInfo {
  backend: BackendName;
  /** Threads doing tensor work: the XNNPACK pool size for wasm; reported as the core count for tfjs-node. */
  threads: number;
  simd: boolean;
  tfjsVersion: string;
  /** Why a faster engine was not used, one entry per engine tried; empty when the first choice started. */
  fallbacks: string[];
  /** Wall time spent in `initEngine()`. */
  initMs: number;
}

export interface EngineOptions {
  /** Force a backend instead of trying tensorflow → wasm → cpu. Defaults to env CVKIT_ML_BACKEND. */
  backend?: BackendName;
  /** wasm thread-pool size. Defaults to env CVKIT_ML_THREADS, else the core count capped at 4. */
  threads?: number;
}

let started: Promise<EngineInfo> | undefined;
let info: EngineInfo | undefined;
let tfReady: TfModule | undefined;

/** Start the engine once; later calls return the same result whatever their options. */
export function initEngine(options: EngineOptions = {}): Promise<EngineInfo> {
  started ??= start(options).then(
    (result) => {
      info = result;
      return result;
    },
    (error: unknown) => {
      started = undefined;
      throw error instanceof EngineError ? error : new EngineError(`engine failed to start: ${String(error)}`);
    },
  );
  return started;
}

/** What `initEngine()` chose. Throws when it has not finished. */
export function engineInfo(): EngineInfo {
  if (!info) throw new EngineError('engine not initialised: await initEngine() first');
  return { ...info, fallbacks: [...info.fallbacks] };
}

/** The tfjs namespace bound to the running backend. */
export function getTf(): TfModule {
  if (!tfReady) throw new EngineError('engine not initialised: await initEngine() first');
  return tfReady;
}

function parseBackend(value: string | undefined): BackendName | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'tensorflow' || value === 'wasm' || value === 'cpu') return value;
  throw new EngineError(`CVKIT_ML_BACKEND must be tensorflow, wasm or cpu (got ${JSON.stringify(value)})`);
}

async function start(options: EngineOptions): Promise<EngineInfo> {
  const t0 = performance.now();
  const forced = options.backend ?? parseBackend(process.env.CVKIT_ML_BACKEND);
  const envThreads = Number(process.env.CVKIT_ML_THREADS);
  const threads = Math.max(
    1,
    Math.floor(options.threads ?? (envThreads > 0 ? envThreads : Math.min(os.availableParallelism(), 4))),
  );
  const fallbacks: string[] = [];
  const order: BackendName[] = forced ? [forced] : ['tensorflow', 'wasm', 'cpu'];
  for (const backend of order) {
    try {
      const result = await startBackend(backend, threads, fallbacks);
      if (result) return { ...result, fallbacks, initMs: performance.now() - t0 };
    } catch (error) {
      fallbacks.push(`${backend}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new EngineError(`no TensorFlow.js backend could start: ${fallbacks.join('; ')}`);
}

async function startBackend(
  backend: BackendName,
  threads: number,
  fallbacks: string[],
): Promise<Omit<EngineInfo, 'fallbacks' | 'initMs'> | undefined> {
  if (backend === 'tensorflow') {
    const loaded = tryLoadTfjsNode();
    if ('error' in loaded) {
      fallbacks.push(`tensorflow: @tensorflow/tfjs-node not loadable (${loaded.error})`);
      return undefined;
    }
    const tf = loaded.tf;
    tf.enableProdMode();
    if (!(await tf.setBackend('tensorflow'))) throw new Error('setBackend("tensorflow") returned false');
    await tf.ready();
    tfReady = tf;
    return { backend, threads: os.availableParallelism(), simd: true, tfjsVersion: tf.version.tfjs };
  }

  const tf = loadTfjs();
  tf.enableProdMode();
  if (backend === 'cpu') {
    if (!(await tf.setBackend('cpu'))) throw new Error('setBackend("cpu") returned false');
    await tf.ready();
    tfReady = tf;
    return { backend, threads: 1, simd: false, tfjsVersion: tf.version.tfjs };
  }

  const wasm = loadTfjsWasm();
  let threaded = false;
  if (threads > 1) {
    const worker = prepareThreadedWorker();
    if ('error' in worker) {
      fallbacks.push(`wasm threads: ${worker.error}`);
    } else {
      threaded = true;
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      wasm.setThreadsCount(threads);
      await withThreadedWasmPatches(worker, threads, async () => {
        if (!(await tf.setBackend('wasm'))) throw new Error('setBackend("wasm") returned false');
        await tf.ready();
      });
    }
  }
  if (!threaded) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm'))) throw new Error('setBackend("wasm") returned false');
    await tf.ready();
  }
  unrefPoolWorkers(tf.backend());
  tfReady = tf;
  return {
    backend,
    threads: wasm.getThreadsCount(),
    simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    tfjsVersion: tf.version.tfjs,
  };
}
