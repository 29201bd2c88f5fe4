import type { TrainingModels } from '@cvkit/api-types';

/** Every error `code` Azure Custom Vision defines (the contract's CustomVisionErrorCodes enum). */
export type ErrorCode = TrainingModels.CustomVisionError['code'];

/**
 * A failure the client should see as Azure's `{ code, message }` body with an HTTP status.
 * Domain code throws these; the HTTP layer only serialises them, so the status/code mapping lives in one place.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'Unauthorized' | 'Forbidden' | '429',
    message: string,
    /** Seconds a client should wait before sending the request again (Retry-After), for 429 answers. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (code: ErrorCode, message: string) => new ApiError(400, code, message);
export const notFound = (code: ErrorCode, message: string) => new ApiError(404, code, message);
export const conflict = (code: ErrorCode, message: string) => new ApiError(409, code, message);
/** Azure's throttling answer (429, code "429", Retry-After): the request was not processed and can be sent again. */
export const tooBusy = (why: string, retryAfter: number) =>
  new ApiError(429, '429', `${why} Try again in ${retryAfter} seconds.`, retryAfter);
export const notImplemented = (operation: string) =>
  new ApiError(501, 'BadRequestNotSupported', `${operation} is not implemented by this cvkit server yet.`);

/** 413: a body larger than the operation reads. */
export const payloadTooLarge = (code: ErrorCode, message: string) => new ApiError(413, code, message);
/** 415: Content-Encoding on a request; Azure's endpoints take no compressed bodies. */
export const compressedBody = () =>
  new ApiError(415, 'BadRequest', 'Compressed request bodies (Content-Encoding) are not accepted.');
/** 401 with Azure's wording: a missing or wrong key, or a key of the other API. */
export const unauthorized = () =>
  new ApiError(401, 'Unauthorized', 'Access denied due to invalid subscription key or wrong API endpoint.');
/** Azure's per-key rate limit (429 with Retry-After). */
export const rateLimited = (seconds: number) =>
  new ApiError(429, '429', `Rate limit is exceeded. Try again in ${seconds} seconds.`, seconds);
/** A path under an API that names no operation (of this API version). */
export const noSuchOperation = () => new ApiError(404, 'NotFound', 'No such operation.');
/** A signed file link whose signature or expiry does not hold. */
export const linkRefused = () => new ApiError(403, 'Forbidden', 'The link is invalid or has expired.');

export const projectNotFound = (id: string) => notFound('NotFoundProject', `Project ${id} not found.`);
export const tagNotFound = (id: string) => notFound('NotFoundTag', `Tag ${id} not found.`);
export const iterationNotFound = (id: string) => notFound('NotFoundIteration', `Iteration ${id} not found.`);
export const imageNotFound = (id: string) => notFound('NotFoundImage', `Image ${id} not found.`);
export const domainNotFound = (id: string) => notFound('NotFoundDomain', `Domain ${id} not found.`);
