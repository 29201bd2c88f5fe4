import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import { type ApiError, badRequest, compressedBody, payloadTooLarge } from '../../domain/errors.ts';
import type { UploadedFile } from '../handler-types.ts';

/** The slice of busboy's API used here (the package ships no types). */
type Busboy = (cfg: {
  headers: Request['headers'];
  defCharset?: string;
  limits: Record<string, number>;
}) => NodeJS.WritableStream & {
  on(event: 'file', cb: (field: string, stream: Readable, info: { filename: string | undefined }) => void): void;
  on(event: 'field', cb: (field: string, value: string, info: { valueTruncated: boolean }) => void): void;
  on(event: 'filesLimit' | 'partsLimit' | 'close', cb: () => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
};
const busboy = createRequire(import.meta.url)('busboy') as Busboy;

declare global {
  namespace Express {
    interface Request {
      uploads?: UploadedFile[];
    }
  }
}

/**
 * Reads an upload body: multipart files in the `imageData` field, or the raw body as one image.
 * Each file keeps at most `maxBytes` + 1 bytes and is flagged `truncated` past that, so the handler can report
 * ErrorImageSize for that image while the rest of the batch is stored.
 * Multipart is read with busboy directly because a part without a file name is still an image here: Microsoft's
 * JS SDK sends a Buffer as `Content-Disposition: form-data; name="imageData"` with no filename (multer drops those),
 * and Microsoft's Python SDK (msrest) sends bytes with neither a filename nor a Content-Type, which busboy hands over
 * as a text field: decoded as latin1, one character per byte, it gives the bytes back unchanged.
 */
export function readUploads(opts: { maxBytes: number; maxFiles: number }) {
  // The whole request: every file at its limit, plus room for multipart framing and form fields.
  const maxTotal = opts.maxFiles * opts.maxBytes + FRAMING_BYTES;
  return (req: Request, res: Response, next: NextFunction): void => {
    const tooLarge = () => {
      // Answer at once and drop the connection after the answer: what is left of the body is never read.
      res.setHeader('Connection', 'close');
      return payloadTooLarge('BadRequestImageSizeBytes', `The request body is larger than ${maxTotal} bytes.`);
    };
    if (Number(req.get('content-length') ?? 0) > maxTotal) {
      next(tooLarge());
      return;
    }
    let total = 0;
    const overLimit = new Promise<never>((_resolve, reject) => {
      const count = (chunk: Buffer) => {
        total += chunk.length;
        if (total <= maxTotal) return;
        req.off('data', count);
        reject(tooLarge());
      };
      req.on('data', count);
    });
    overLimit.catch(() => {});
    const read = req.is('multipart/form-data')
      ? readMultipart(req, opts).then((files) => {
          if (!files.length) throw badRequest('BadRequestImageBatch', 'No image was sent in the imageData field.');
          return files;
        })
      : readRaw(req, opts.maxBytes).then((file) => {
          if (!file.bytes.length && !file.truncated)
            throw badRequest('BadRequestImageStream', 'The request has no image data.');
          return [file];
        });
    Promise.race([read, overLimit]).then((files) => {
      req.uploads = files;
      next();
    }, next);
  };
}

export const FRAMING_BYTES = 1024 * 1024;

function readMultipart(req: Request, opts: { maxBytes: number; maxFiles: number }): Promise<UploadedFile[]> {
  return new Promise((resolve, reject) => {
    let parser: ReturnType<Busboy>;
    try {
      parser = busboy({
        headers: req.headers,
        defCharset: 'latin1',
        // A field may be an image (above); the whole body stays capped by readUploads.
        limits: {
          files: opts.maxFiles,
          fields: 16,
          fieldSize: opts.maxBytes + 1,
          parts: opts.maxFiles + 16,
          headerPairs: 200,
        },
      });
    } catch (e) {
      reject(badRequest('BadRequestImageStream', `The multipart body could not be read: ${(e as Error).message}`));
      return;
    }
    const files: Promise<UploadedFile>[] = [];
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      // Stop parsing but keep reading (and discarding) the body, so the error response reaches the client.
      req.unpipe(parser);
      req.resume();
      reject(e);
    };
    const tooMany = () =>
      fail(badRequest('BadRequestImageBatch', `A request can carry at most ${opts.maxFiles} images.`));
    parser.on('file', (field, stream, info) => {
      // Parts may come without a name; and a part cut short errors its stream: neither may throw out of here.
      if (field?.toLowerCase() !== 'imagedata') {
        stream.on('error', () => {});
        stream.resume();
        return;
      }
      const file = readRaw(stream, opts.maxBytes).then((f) => ({ ...f, name: info.filename }));
      // A body that ends inside a file fails that file's stream too; the parser's error answers the request, and an
      // unobserved rejection here would take the whole process down.
      file.catch(() => {});
      files.push(file);
    });
    parser.on('field', (field, value, info) => {
      if (field?.toLowerCase() !== 'imagedata') return;
      if (files.length >= opts.maxFiles) return tooMany();
      const bytes = Buffer.from(value, 'latin1');
      const truncated = info.valueTruncated || bytes.length > opts.maxBytes;
      files.push(Promise.resolve({ name: undefined, bytes: truncated ? Buffer.alloc(0) : bytes, truncated }));
    });
    parser.on('filesLimit', tooMany);
    parser.on('partsLimit', tooMany);
    parser.on('error', (e) =>
      fail(badRequest('BadRequestImageStream', `The multipart body could not be read: ${e.message}`)),
    );
    parser.on('close', () => {
      if (!failed) Promise.all(files).then(resolve, fail);
    });
    req.pipe(parser);
  });
}

function readRaw(req: Readable, maxBytes: number): Promise<UploadedFile> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    req.on('data', (chunk: Buffer) => {
      if (truncated) return;
      size += chunk.length;
      if (size > maxBytes) {
        truncated = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve({ name: undefined, bytes: Buffer.concat(chunks), truncated }));
    req.on('error', reject);
  });
}

/** JSON bodies; a malformed document is Azure's 400 BadRequest, not a 500. */
export function readJson(limit: string | number) {
  // Never inflated: a compressed body is refused before it is read (refuseContentEncoding), and inflating one is how
  // half a megabyte became a gigabyte of heap.
  const parse = express.json({ limit, strict: false, type: () => true, inflate: false });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!hasBody(req)) {
      next();
      return;
    }
    parse(req, res, (err?: unknown) => {
      if (!err) return next(checkDepth(req.body));
      const e = err as { type?: string; status?: number; message?: string };
      if (e.type === 'entity.too.large') return next(payloadTooLarge('BadRequest', 'The request body is too large.'));
      next(badRequest('BadRequest', `The request body is not valid JSON: ${e.message ?? 'parse error'}`));
    });
  };
}

/** A request without a content type, length or chunked body carries no JSON (Azure's clients send such POSTs). */
export function hasBody(req: Request): boolean {
  const length = req.get('content-length');
  return Boolean(req.get('content-type') || (length !== undefined && length !== '0') || req.get('transfer-encoding'));
}

/**
 * Handlers walk bodies recursively (String(), JSON.stringify): a deeply nested document would overflow the stack
 * there. The contract's bodies nest four levels at most.
 */
export function checkDepth(body: unknown): ApiError | undefined {
  return nestedDeeperThan(body, MAX_JSON_DEPTH)
    ? badRequest('BadRequest', `The request body is nested more than ${MAX_JSON_DEPTH} levels deep.`)
    : undefined;
}

/**
 * Azure accepts no compressed request bodies; refusing them before anything is read means no body is ever
 * inflated (a gzip bomb of half a megabyte expands past V8's longest string).
 */
export function refuseContentEncoding(req: Request, res: Response, next: NextFunction): void {
  const encoding = req.get('content-encoding')?.trim().toLowerCase();
  if (!encoding || encoding === 'identity') {
    next();
    return;
  }
  res.setHeader('Connection', 'close');
  next(compressedBody());
}

const MAX_JSON_DEPTH = 32;

/** Iterative, so that measuring a hostile document cannot overflow the stack either. */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    // Decoded image bytes (LongJsonString) are leaves: walking a Buffer would list every byte.
    for (const child of Object.values(v))
      if (child !== null && typeof child === 'object' && !ArrayBuffer.isView(child)) stack.push([child, depth + 1]);
  }
  return false;
}
