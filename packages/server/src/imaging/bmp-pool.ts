import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BmpError } from './bmp.ts';

/** What a BMP becomes: a PNG (the ML layer's input) or a JPEG rendering, optionally no larger than `maxSide`. */
export interface BmpRender {
  format: 'png' | 'jpeg';
  maxSide?: number;
  quality?: number;
}

/**
 * BMP decoding on worker threads. libvips cannot read BMP, so its pixels are walked in JavaScript: up to 10,240²
 * pixels, most of a second for a 6 MB 1-bit file. On the main thread that stalled every other request; here at most
 * `BMP_DECODERS` decode at once (one per spare core, at least one) and further decodes wait their turn, so a batch
 * of hostile BMPs costs CPU time, never the event loop or unbounded memory.
 */
export const BMP_DECODERS = Math.max(1, Math.min(2, availableParallelism() - 1));

interface Job {
  bytes: Uint8Array;
  render: BmpRender;
  resolve: (encoded: Buffer) => void;
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
  const settle = (msg: { encoded?: Uint8Array; error?: string }) => {
    const job = slot.job;
    slot.job = undefined;
    worker.unref();
    if (job) {
      if (msg.error !== undefined || !msg.encoded)
        job.reject(new BmpError(msg.error ?? 'The BMP decoder gave nothing.'));
      else job.resolve(Buffer.from(msg.encoded.buffer, msg.encoded.byteOffset, msg.encoded.byteLength));
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
    slot.worker.postMessage({ id: started, bytes: job.bytes, render: job.render });
  }
}

/**
 * Decodes a BMP and encodes it as asked, off the event loop (rejects with BmpError for a malformed one). Only the
 * encoded result crosses back: full-size pixels on the server's thread would cost it a garbage collection each.
 */
export function renderBmpOffThread(bytes: Uint8Array, render: BmpRender): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    waiting.push({ bytes, render, resolve, reject });
    next();
  });
}

/** For tests: decodes queued or running now. */
export function bmpDecodesInFlight(): number {
  return waiting.length + slots.filter((s) => s.job).length;
}
