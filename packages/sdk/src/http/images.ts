/**
 * Image bytes in whatever form the caller has them. Streams are read into memory first: an image is at most a few
 * megabytes, its size must be known to enforce the service limits, and a buffered body can be sent again on retry.
 */

/**
 * One image: a `Blob`/`File`, bytes (`Uint8Array`, Node `Buffer`, `ArrayBuffer`, any typed array), a web
 * `ReadableStream`, or any async iterable of byte chunks (such as a Node `Readable`). For paths on disk see
 * `imageFromFile` in `@cvkit/sdk/node`.
 */
export type ImageInput = Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

function isBlob(value: unknown): value is Blob {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Blob).arrayBuffer === 'function' &&
    typeof (value as Blob).size === 'number' &&
    typeof (value as Blob).type === 'string'
  );
}

function isReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof value === 'object' && value !== null && typeof (value as ReadableStream).getReader === 'function';
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

// Blob accepts any ArrayBufferView at run time; the DOM typings only admit views over a plain ArrayBuffer.
type BlobBytes = Uint8Array<ArrayBuffer>;

/** The image as a Blob (a `File` keeps its name). */
export async function toBlob(data: ImageInput): Promise<Blob> {
  if (isBlob(data)) return data;
  if (data instanceof ArrayBuffer) return new Blob([data]);
  if (ArrayBuffer.isView(data)) {
    return new Blob([new Uint8Array(data.buffer, data.byteOffset, data.byteLength) as BlobBytes]);
  }
  if (isReadableStream(data)) return new Response(data).blob();
  if (isAsyncIterable(data)) {
    const chunks: BlobBytes[] = [];
    for await (const chunk of data) {
      chunks.push((typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk) as BlobBytes);
    }
    return new Blob(chunks);
  }
  throw new TypeError(
    'Unsupported image data: pass a Blob, File, Uint8Array, Buffer, ArrayBuffer, ReadableStream or async iterable',
  );
}

/** The file name a Blob carries (a `File`), if any. */
export function nameOf(blob: Blob): string | undefined {
  const name = (blob as Partial<File>).name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** A request body for one or several images: several go as multipart parts named `imageData`, one goes raw. */
export type ImageUpload =
  | { kind: 'octet-stream'; blob: Blob }
  | { kind: 'multipart'; parts: { blob: Blob; name: string }[] };

export async function imageUpload(images: ImageInput | readonly ImageInput[]): Promise<ImageUpload> {
  if (Array.isArray(images)) {
    const blobs = await Promise.all((images as readonly ImageInput[]).map(toBlob));
    return { kind: 'multipart', parts: blobs.map((blob, i) => ({ blob, name: nameOf(blob) ?? `image-${i + 1}` })) };
  }
  return { kind: 'octet-stream', blob: await toBlob(images as ImageInput) };
}

/** Builds a fresh body per attempt, so a retried request never reuses a consumed one. */
export function uploadBody(upload: ImageUpload): { body: BodyInit; contentType?: string } {
  if (upload.kind === 'octet-stream') return { body: upload.blob, contentType: 'application/octet-stream' };
  const form = new FormData();
  for (const part of upload.parts) form.append('imageData', part.blob, part.name);
  // No content type: fetch writes `multipart/form-data; boundary=...` itself.
  return { body: form };
}

/** Base64 of a Blob's bytes, without Node's Buffer (the default entry also runs in browsers). */
export async function toBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}
