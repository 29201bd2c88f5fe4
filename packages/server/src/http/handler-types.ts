import type { Prediction, Training } from '@cvkit/api-types';
import type { Request } from 'express';

type Defined<T> = [NonNullable<T>] extends [never] ? Record<never, never> : NonNullable<T>;

type ParamsOf<Op> = Op extends { parameters: infer P }
  ? Defined<P extends { path?: infer X } ? X : never> & Defined<P extends { query?: infer Q } ? Q : never>
  : Record<never, never>;

type JsonBodyOf<Op> = Op extends { requestBody?: { content: { 'application/json': infer B } } } ? B : undefined;

type SuccessOf<Op> = Op extends { responses: infer R }
  ? {
      [S in keyof R & (200 | 207)]: R[S] extends { content: { 'application/json': infer B } }
        ? { status: S; body: B }
        : R[S] extends { content: { 'application/octet-stream': unknown } }
          ? { status: S; bytes: Buffer; contentType: string }
          : never;
    }[keyof R & (200 | 207)]
  : never;

type NoContentOf<Op> = Op extends { responses: infer R } ? { status: keyof R & (202 | 204) } : never;

/** An uploaded image, from multipart (`imageData`) or from a raw octet-stream body. */
export interface UploadedFile {
  /** The file name sent in multipart, else undefined. */
  name: string | undefined;
  bytes: Buffer;
  /** True when the part was larger than the upload limit; `bytes` then holds only a prefix. */
  truncated: boolean;
}

export interface HandlerContext<Op> {
  params: ParamsOf<Op>;
  body: JsonBodyOf<Op>;
  files: UploadedFile[];
  /** Scheme + host the client used, for absolute links in responses. */
  baseUrl: string;
  requestId: string;
  req: Request;
}

export type HandlerResult<Op> = SuccessOf<Op> | NoContentOf<Op>;

export type Handler<Op> = (ctx: HandlerContext<Op>) => Promise<HandlerResult<Op>>;

export type TrainingHandlers = { [K in keyof Training.operations]?: Handler<Training.operations[K]> };
export type PredictionHandlers = { [K in keyof Prediction.operations]?: Handler<Prediction.operations[K]> };
