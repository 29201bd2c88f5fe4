import sharp from 'sharp';

/** Small real images made on the fly, so unit and integration tests need no fixtures. */
export async function jpeg(width = 64, height = 48, rgb: [number, number, number] = [200, 30, 30]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .jpeg()
    .toBuffer();
}

export async function png(width = 64, height = 48, rgb: [number, number, number] = [30, 200, 30]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toBuffer();
}

/** Distinct images: each seed gives different bytes (so none is a duplicate of another). */
export async function distinctJpegs(n: number, size = 32): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) => jpeg(size, size, [(i * 37) % 256, (i * 91) % 256, (i * 13 + 50) % 256])),
  );
}

/** A 24-bit BMP, written by hand (sharp cannot write BMP). */
export function bmp(width: number, height: number): Buffer {
  const row = Math.ceil((width * 3) / 4) * 4;
  const size = 54 + row * height;
  const b = Buffer.alloc(size);
  b.write('BM', 0);
  b.writeUInt32LE(size, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(row * height, 34);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) b.writeUInt8(255, 54 + y * row + x * 3);
  return b;
}

export function multipart(files: { name: string; bytes: Buffer; field?: string }[]): FormData {
  const form = new FormData();
  for (const f of files)
    form.append(f.field ?? 'imageData', new Blob([new Uint8Array(f.bytes)], { type: 'image/jpeg' }), f.name);
  return form;
}
