import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import { type ApiError, badRequest, payloadTooLarge } from '../../domain/errors.ts';
import { checkDepth, hasBody } from './read-body.ts';

/**
 * A JSON string value too long to keep as a JavaScript string (an image's base64 in CreateImagesFromFiles). It is
 * decoded from base64 as it ends, so the body never exists as one string and each image only as its bytes.
 */
export class LongJsonString {
  constructor(
    /** The base64 payload decoded; undefined when the text was not base64 (or was cut short, see `tooLong`). */
    readonly bytes: Buffer | undefined,
    /** Longer than the reader keeps: its bytes were dropped as they arrived. */
    readonly tooLong: boolean,
  ) {}
}

export interface LargeJsonLimits {
  /** The whole body, as sent. */
  maxBytes: number;
  /** Strings longer than this (in JSON text) are lifted out of the document as LongJsonString. */
  liftOver: number;
  /** A lifted string's JSON text is kept up to this length; past it only its length is counted. */
  maxStringBytes: number;
  /** What stays of the document once long strings are lifted out (structure, names, tags, regions). */
  maxDocumentBytes: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Reads a JSON body whose long strings are lifted out while it streams in: the document that is left (with a short
 * placeholder for each long string) goes to JSON.parse, and each long string becomes a LongJsonString holding its
 * decoded bytes. Peak memory is the decoded images plus one string's text and a bounded document, instead of the
 * raw body, one string as long as the body (past V8's longest string for Azure's 64 × 6 MB batch) and every image
 * twice. The scan is a few indexOf calls per chunk, so a large body never holds the event loop for long.
 */
export function readLargeJson(stream: Readable, limits: LargeJsonLimits): Promise<unknown> {
  return new Promise((resolve, reject) => {
    // Placeholders carry a random tag, so no string a client sends can be mistaken for one.
    const tag = `\u0000cvkit-long-${randomBytes(8).toString('hex')}:`;
    const lifted: LongJsonString[] = [];
    const document: Buffer[] = [];
    let documentBytes = 0;
    let total = 0;
    let inString = false;
    let escaped = false;
    let pieces: Buffer[] = [];
    let stringBytes = 0;
    let failed = false;

    const fail = (e: ApiError) => {
      if (failed) return;
      failed = true;
      stream.off('data', onData);
      reject(e);
    };
    const tooLarge = () => payloadTooLarge('BadRequest', 'The request body is too large.');
    const emit = (b: Buffer) => {
      documentBytes += b.length;
      if (documentBytes > limits.maxDocumentBytes) return fail(tooLarge());
      document.push(b);
    };
    const endString = () => {
      if (stringBytes <= limits.liftOver) {
        emit(Buffer.concat([Buffer.from('"'), ...pieces, Buffer.from('"')]));
      } else {
        lifted.push(liftedValue(pieces, stringBytes > limits.maxStringBytes));
        emit(Buffer.from(JSON.stringify(`${tag}${lifted.length - 1}`)));
      }
      pieces = [];
      stringBytes = 0;
    };
    const keep = (chunk: Buffer, from: number, to: number) => {
      if (to <= from) return;
      stringBytes += to - from;
      // Past the cap the text is only counted; a copy detaches it from the socket's chunk.
      if (stringBytes <= limits.maxStringBytes) pieces.push(Buffer.from(chunk.subarray(from, to)));
      else pieces = [];
    };

    const onData = (chunk: Buffer) => {
      if (failed) return;
      total += chunk.length;
      if (total > limits.maxBytes) return fail(tooLarge());
      let pos = 0;
      while (pos < chunk.length && !failed) {
        if (!inString) {
          const q = chunk.indexOf(QUOTE, pos);
          if (q < 0) {
            emit(Buffer.from(chunk.subarray(pos)));
            break;
          }
          emit(Buffer.from(chunk.subarray(pos, q)));
          inString = true;
          pos = q + 1;
          continue;
        }
        if (escaped) {
          // The character after a backslash (for \uXXXX, the hex digits follow as ordinary text).
          keep(chunk, pos, pos + 1);
          escaped = false;
          pos += 1;
          continue;
        }
        const q = chunk.indexOf(QUOTE, pos);
        const b = chunk.indexOf(BACKSLASH, pos);
        if (b >= 0 && (q < 0 || b < q)) {
          keep(chunk, pos, b + 1);
          escaped = true;
          pos = b + 1;
          continue;
        }
        if (q < 0) {
          keep(chunk, pos, chunk.length);
          break;
        }
        keep(chunk, pos, q);
        inString = false;
        pos = q + 1;
        endString();
      }
    };
    stream.on('data', onData);
    stream.on('error', (e) => fail(badRequest('BadRequest', `The request body could not be read: ${e.message}`)));
    stream.on('end', () => {
      if (failed) return;
      if (inString) {
        // Unterminated: hand the text as it is to JSON.parse, which reports it.
        emit(Buffer.concat([Buffer.from('"'), ...pieces]));
      }
      if (failed) return;
      const text = Buffer.concat(document).toString('utf8');
      if (!text.trim()) return resolve(undefined);
      try {
        resolve(
          JSON.parse(text, (_key, value) =>
            typeof value === 'string' && value.startsWith(tag) ? lifted[Number(value.slice(tag.length))] : value,
          ),
        );
      } catch (e) {
        reject(badRequest('BadRequest', `The request body is not valid JSON: ${(e as Error).message}`));
      }
    });
  });
}

/** Decodes one lifted string: its JSON escapes (a few encoders write `\/` or `\u002B`), then base64. */
function liftedValue(pieces: Buffer[], tooLong: boolean): LongJsonString {
  if (tooLong) return new LongJsonString(undefined, true);
  const raw = Buffer.concat(pieces);
  let text: string;
  try {
    text = raw.includes(BACKSLASH) ? (JSON.parse(`"${raw.toString('utf8')}"`) as string) : raw.toString('latin1');
  } catch {
    return new LongJsonString(undefined, false);
  }
  const clean = /\s/.test(text) ? text.replace(/\s+/g, '') : text;
  if (clean.length % 4 === 1 || !BASE64.test(clean)) return new LongJsonString(undefined, false);
  return new LongJsonString(Buffer.from(clean, 'base64'), false);
}

/** readLargeJson as a body reader, answering like readJson: 413 past the limits, 400 for malformed JSON. */
export function largeJsonBody(limits: LargeJsonLimits) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!hasBody(req)) {
      next();
      return;
    }
    readLargeJson(req, limits).then((body) => {
      req.body = body;
      next(checkDepth(body));
    }, next);
  };
}

/**
 * CreateImagesFromFiles: a batch of `imagesPerBatch` images at the training limit, in base64 (4/3 larger, with room
 * for line breaks every 76 characters), and 128 kB an image (1 MB at least) for the rest of the document: names,
 * tags and up to 300 regions an image (8 MB for Azure's 64).
 */
export function imageBatchJsonLimits(limits: { imagesPerBatch: number; trainingImageBytes: number }): LargeJsonLimits {
  const maxStringBytes = Math.ceil(((limits.trainingImageBytes * 4) / 3) * 1.03) + 1024;
  const maxDocumentBytes = Math.max(1024 * 1024, limits.imagesPerBatch * 128 * 1024);
  return {
    maxBytes: limits.imagesPerBatch * maxStringBytes + maxDocumentBytes,
    liftOver: 64 * 1024,
    maxStringBytes,
    maxDocumentBytes,
  };
}
