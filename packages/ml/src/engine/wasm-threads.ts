/**
 * Multi-threaded tfjs-backend-wasm under Node.
 *
 * tfjs-backend-wasm 4.22 ships a threaded SIMD build but switches it off under Node
 * (`WASM_HAS_MULTITHREAD_SUPPORT` is false when `IS_NODE`, tensorflow/tfjs#3830) because its pthread workers are
 * created from a blob: URL, which `worker_threads` refuses (ERR_WORKER_PATH). Measured on 2 cores the threaded
 * build takes the MobileNetV2 mid backbone from 31 to 19 ms per image, so we turn it on with three fixes:
 *
 * 1. The worker script is written to a real file and handed out instead of the blob: URL, and it loads the
 *    Emscripten glue from the package's own `wasm-out/` file instead of a second blob.
 * 2. The C++ side caps the pool at `os.cpus().length / 2` (it assumes hyper-threading); on a 2-core box that is 1,
 *    i.e. no threading at all. `os.cpus()` is doubled only while the module instantiates.
 * 3. Emscripten `ref()`s the worker running each pool thread, which would keep the process (and a test runner)
 *    alive forever; the pool threads are `unref()`ed once the backend is up.
 *
 * Every patch is checked (the expected source text must be present) and undone right after initialisation; if
 * anything does not match, the caller falls back to the single-threaded build.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireFromMl } from './modules.ts';

/** The branch of the worker script that loads the glue from a blob URL; replaced by a plain file load. */
const BLOB_LOAD =
  'var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)';

export interface PreparedWorker {
  workerFile: string;
}

/**
 * Write the patched pthread worker script. Returns undefined (and the reason) when the installed package does not
 * look like the one this patch was written for.
 */
export function prepareThreadedWorker(): PreparedWorker | { error: string } {
  let wasmDir: string;
  try {
    wasmDir = path.dirname(requireFromMl.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  } catch {
    // The package's exports map may hide package.json; the main entry lives in dist/.
    wasmDir = path.resolve(path.dirname(requireFromMl.resolve('@tensorflow/tfjs-backend-wasm')), '..');
  }
  const glueFile = path.join(wasmDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  let contents: string;
  try {
    const mod = requireFromMl(path.join(wasmDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
      wasmWorkerContents?: unknown;
    };
    if (typeof mod.wasmWorkerContents !== 'string') return { error: 'worker script not found in tfjs-backend-wasm' };
    contents = mod.wasmWorkerContents;
  } catch (error) {
    return { error: `worker script not loadable: ${String(error)}` };
  }
  if (!contents.includes(BLOB_LOAD)) return { error: 'unexpected tfjs-backend-wasm worker script (patch not applied)' };
  // The template literal turned "\n" escapes into real newlines inside string literals; tfjs re-escapes them too.
  const script = contents.replace(/\n/g, '\\n').replace(BLOB_LOAD, `importScripts(${JSON.stringify(glueFile)})`);
  // One file per process and content: concurrent processes never read a half-written file.
  const dir = path.join(os.tmpdir(), 'cvkit-ml');
  const workerFile = path.join(dir, `tfjs-wasm-pthread-${process.pid}.cjs`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(workerFile, script);
    process.once('exit', () => rmSync(workerFile, { force: true }));
  } catch (error) {
    return { error: `cannot write the pthread worker script: ${String(error)}` };
  }
  return { workerFile };
}

/**
 * Run `init` (which must create the wasm backend) with the blob-URL and CPU-count patches in place, then undo them
 * and drop the process-wide exception handlers Emscripten installs (they rethrow every unhandled rejection, which
 * would override the host application's own handlers).
 */
export async function withThreadedWasmPatches<T>(
  worker: PreparedWorker,
  threads: number,
  init: () => Promise<T>,
): Promise<T> {
  const originalCreateObjectURL = URL.createObjectURL;
  const originalCpus = os.cpus;
  const listenersBefore = {
    uncaughtException: process.listeners('uncaughtException'),
    unhandledRejection: process.listeners('unhandledRejection'),
  };
  URL.createObjectURL = (obj: Blob) =>
    obj instanceof Blob && obj.type === 'application/javascript'
      ? worker.workerFile
      : originalCreateObjectURL.call(URL, obj);
  os.cpus = () => {
    const cpus = originalCpus.call(os);
    // The C++ side takes half of this number as its thread cap.
    return Array.from({ length: Math.max(cpus.length, threads) * 2 }, (_, i) => cpus[i % cpus.length]!);
  };
  try {
    return await init();
  } finally {
    URL.createObjectURL = originalCreateObjectURL;
    os.cpus = originalCpus;
    // Spelled out per event: TypeScript cannot pair a union of event names with their listener types.
    for (const listener of process.listeners('uncaughtException'))
      if (!listenersBefore.uncaughtException.includes(listener)) process.removeListener('uncaughtException', listener);
    for (const listener of process.listeners('unhandledRejection'))
      if (!listenersBefore.unhandledRejection.includes(listener))
        process.removeListener('unhandledRejection', listener);
  }
}

interface EmscriptenWorker {
  unref?: () => void;
}
interface EmscriptenPThread {
  runningWorkers?: EmscriptenWorker[];
  unusedWorkers?: EmscriptenWorker[];
}

/** Let the process exit although XNNPACK's pool threads wait forever on their workers. */
export function unrefPoolWorkers(backend: unknown): number {
  const pthread = (backend as { wasm?: { PThread?: EmscriptenPThread } }).wasm?.PThread;
  if (!pthread) return 0;
  const workers = [...(pthread.runningWorkers ?? []), ...(pthread.unusedWorkers ?? [])];
  for (const worker of workers) worker.unref?.();
  return pthread.runningWorkers?.length ?? 0;
}
