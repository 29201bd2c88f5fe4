import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BmpError, type RawRgb } from './bmp.ts';

/**
 * BMP decoding on worker threads. libvips cannot read BMP, so its pixels are walked in JavaScript: up to 10,240²
 * pixels, most of a second for a 6 MB 1-bit file. On the main thread that stalled every other request; here at most
 * `BMP_DECODERS` decode at once (one per spare core, at least one) and further decodes wait their turn, so a batch
 * of hostile BMPs costs CPU time, never the event loop or unbounded memory.
 */
export const BMP_DECODERS = Math.max(1, Math.min(2, availableParallelism() - 1));

interface Job {
  bytes: Uint8Array;
  resolve: (image: RawRgb) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
}

const requireHere = createRequire(import.meta.url);
const waiting: Job[] = [];
const slots: Slot[] = [];
let started = 0;

/**
 * The worker's bootstrap: tsx when the server runs from its TypeScript sources (as the ML workers do). The build
 * (tsup.config.ts) puts the worker beside this code as CommonJS, since the bootstrap `require`s it.
 */
function bootstrap(): string {
  const entry = fileURLToPath(
    new URL(`./bmp-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.cjs'}`, import.meta.url),
  );
  const register = entry.endsWith('.ts')
    ? `require(${JSON.stringify(requireHere.resolve('tsx/cjs/api'))}).register();\n`
    : '';
  return `${register}require(${JSON.stringify(entry)});\n`;
}

function startSlot(): Slot {
  const worker = new Worker(bootstrap(), { eval: true });
  worker.unref();
  const slot: Slot = { worker, job: undefined };
  const settle = (msg: { pixels?: Uint8Array; width?: number; height?: number; error?: string }) => {
    const job = slot.job;
    slot.job = undefined;
    worker.unref();
    if (job) {
      if (msg.error !== undefined) job.reject(new BmpError(msg.error));
      else {
        const p = msg.pixels!;
        job.resolve({
          data: Buffer.from(p.buffer, p.byteOffset, p.byteLength),
          width: msg.width!,
          height: msg.height!,
        });
      }
    }
    next();
  };
  worker.on('message', (msg: Parameters<typeof settle>[0] & { ready?: boolean }) => {
    if (!msg.ready) settle(msg);
  });
  const fail = (e: Error) => {
    // A worker that dies (out of memory on a hostile image) fails its job only; the next decode starts a new one.
    slots.splice(slots.indexOf(slot), 1);
    const job = slot.job;
    slot.job = undefined;
    job?.reject(new Error(`BMP decoder stopped: ${e.message}`));
    next();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => {
    if (slots.includes(slot)) fail(new Error(`exit code ${code}`));
  });
  slots.push(slot);
  started++;
  return slot;
}

function next(): void {
  while (waiting.length) {
    let slot = slots.find((s) => !s.job);
    if (!slot && slots.length < BMP_DECODERS) slot = startSlot();
    if (!slot) return;
    const job = waiting.shift()!;
    slot.job = job;
    slot.worker.ref();
    slot.worker.postMessage({ id: started, bytes: job.bytes });
  }
}

/** Decodes a BMP off the event loop (rejects with BmpError for a malformed one). */
export function decodeBmpOffThread(bytes: Uint8Array): Promise<RawRgb> {
  return new Promise((resolve, reject) => {
    waiting.push({ bytes, resolve, reject });
    next();
  });
}

/** For tests: decodes queued or running now. */
export function bmpDecodesInFlight(): number {
  return waiting.length + slots.filter((s) => s.job).length;
}
