import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import multer from 'multer';
import { ApiError, badRequest } from '../../domain/errors.ts';
import type { UploadedFile } from '../handler-types.ts';

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
 */
export function readUploads(opts: { maxBytes: number; maxFiles: number }) {
  const storage: multer.StorageEngine = {
    _handleFile(_req, file, cb) {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      file.stream.on('data', (chunk: Buffer) => {
        if (truncated) return;
        size += chunk.length;
        if (size > opts.maxBytes) {
          truncated = true;
          chunks.length = 0;
          return;
        }
        chunks.push(chunk);
      });
      file.stream.on('error', (e) => cb(e));
      file.stream.on('end', () => cb(null, { buffer: Buffer.concat(chunks), size, truncated } as never));
    },
    _removeFile(_req, _file, cb) {
      cb(null);
    },
  };
  const multipart = multer({
    storage,
    limits: { files: opts.maxFiles, fields: 16, fieldSize: 64 * 1024, parts: opts.maxFiles + 16, headerPairs: 200 },
  }).any();

  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.is('multipart/form-data')) {
      multipart(req, res, (err?: unknown) => {
        if (err) return next(multerError(err, opts.maxFiles));
        const files = ((req.files as (Express.Multer.File & { truncated?: boolean })[] | undefined) ?? []).filter(
          (f) => f.fieldname.toLowerCase() === 'imagedata',
        );
        req.uploads = files.map((f) => ({ name: f.originalname, bytes: f.buffer, truncated: Boolean(f.truncated) }));
        if (!req.uploads.length)
          return next(badRequest('BadRequestImageBatch', 'No image was sent in the imageData field.'));
        next();
      });
      return;
    }
    readRaw(req, opts.maxBytes)
      .then((file) => {
        if (!file.bytes.length && !file.truncated)
          throw badRequest('BadRequestImageStream', 'The request has no image data.');
        req.uploads = [file];
        next();
      })
      .catch(next);
  };
}

function multerError(err: unknown, maxFiles: number): ApiError {
  const code = (err as { code?: string }).code;
  if (code === 'LIMIT_FILE_COUNT' || code === 'LIMIT_PART_COUNT')
    return badRequest('BadRequestImageBatch', `A request can carry at most ${maxFiles} images.`);
  return badRequest('BadRequestImageStream', `The multipart body could not be read: ${(err as Error).message}`);
}

function readRaw(req: Request, maxBytes: number): Promise<UploadedFile> {
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
  const parse = express.json({ limit, strict: false, type: () => true });
  return (req: Request, res: Response, next: NextFunction): void => {
    const length = req.get('content-length');
    if (!req.get('content-type') && (length === undefined || length === '0') && !req.get('transfer-encoding')) {
      next();
      return;
    }
    parse(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as { type?: string; status?: number; message?: string };
      if (e.type === 'entity.too.large') return next(new ApiError(413, 'BadRequest', 'The request body is too large.'));
      next(badRequest('BadRequest', `The request body is not valid JSON: ${e.message ?? 'parse error'}`));
    });
  };
}
