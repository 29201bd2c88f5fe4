/**
 * Worker-thread entry for `loadTfjsWorkerBackbone`: one TF.js engine (wasm backend, one thread) hosting the TF.js
 * backbones it is asked to load, embedding the images it is sent, one request at a time.
 */
import { parentPort } from 'node:worker_threads';
import { initEngine } from '../engine/engine.ts';
import { serializeError } from '../training/off-thread-protocol.ts';
import { type Backbone, type BackboneSpec, loadBackbone } from './backbone.ts';

const port = parentPort;
if (!port) throw new Error('tfjs-backbone-worker.ts runs as a worker thread');

type Request =
  | { kind: 'load'; id: number; spec: BackboneSpec }
  | { kind: 'embed'; id: number; specId: string; images: Float32Array[] }
  | { kind: 'dispose'; id: number; specId: string };

const backbones = new Map<string, Promise<Backbone>>();

async function handle(request: Request): Promise<unknown> {
  if (request.kind === 'load') {
    // One thread per worker: the workers themselves are the parallelism, and a single-threaded XNNPACK never waits
    // for a pool thread that another process has preempted.
    const engine = await initEngine({ backend: 'wasm', threads: 1 });
    let backbone = backbones.get(request.spec.id);
    if (!backbone) {
      backbone = loadBackbone(request.spec);
      backbones.set(request.spec.id, backbone);
      backbone.catch(() => backbones.delete(request.spec.id));
    }
    const b = await backbone;
    return { version: b.version, cacheKey: b.cacheKey, dim: b.dim, engine };
  }
  const backbone = await backbones.get(request.specId);
  if (!backbone) throw new Error(`backbone ${request.specId} is not loaded in this worker`);
  if (request.kind === 'dispose') {
    backbones.delete(request.specId);
    backbone.dispose();
    return null;
  }
  return backbone.embed(request.images);
}

// One request at a time, in order: embedding is CPU-bound on this worker's single thread.
let queue: Promise<unknown> = Promise.resolve();
port.on('message', (request: Request) => {
  queue = queue.then(() =>
    handle(request).then(
      (result) => {
        const transfer = Array.isArray(result)
          ? [...new Set((result as Float32Array[]).map((f) => f.buffer as ArrayBuffer))]
          : [];
        port.postMessage({ kind: 'result', id: request.id, result }, transfer);
      },
      (error: unknown) => port.postMessage({ kind: 'error', id: request.id, error: serializeError(error) }),
    ),
  );
});

port.postMessage({ kind: 'ready' });
