/** Runs in a worker thread (bmp-pool.ts): decodes BMPs so their pixel walk never holds the server's event loop. */
import { parentPort } from 'node:worker_threads';
import { decodeBmp } from './bmp.ts';

parentPort!.on('message', ({ id, bytes }: { id: number; bytes: Uint8Array }) => {
  try {
    const { data, width, height } = decodeBmp(bytes);
    // The pixels are moved, not copied: a 10,240² image is 300 MB of RGB.
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    parentPort!.postMessage({ id, pixels, width, height }, [pixels.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ id, error: (e as Error).message });
  }
});
parentPort!.postMessage({ ready: true });
