/**
 * Runs in a worker thread (bmp-pool.ts): decodes a BMP and encodes what the caller needs (a PNG for the ML layer, a
 * JPEG rendering), so neither the pixel walk nor the full-size pixels (up to 300 MB) ever reach the server's thread.
 */
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { decodeBmp } from './bmp.ts';
import type { BmpRender } from './bmp-pool.ts';

parentPort!.on('message', async ({ id, bytes, render }: { id: number; bytes: Uint8Array; render: BmpRender }) => {
  try {
    const { data, width, height } = decodeBmp(bytes);
    let image = sharp(data, { raw: { width, height, channels: 3 }, limitInputPixels: false });
    if (render.maxSide)
      image = image.resize(render.maxSide, render.maxSide, { fit: 'inside', withoutEnlargement: true });
    const out = await (render.format === 'png'
      ? image.png({ compressionLevel: 1 })
      : image.jpeg({ quality: render.quality ?? 85 })
    ).toBuffer();
    const encoded = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    parentPort!.postMessage({ id, encoded }, [encoded.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ id, error: (e as Error).message });
  }
});
parentPort!.postMessage({ ready: true });
