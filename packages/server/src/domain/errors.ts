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
    readonly code: ErrorCode | 'Unauthorized' | '429',
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

export const projectNotFound = (id: string) => notFound('NotFoundProject', `Project ${id} not found.`);
export const tagNotFound = (id: string) => notFound('NotFoundTag', `Tag ${id} not found.`);
export const iterationNotFound = (id: string) => notFound('NotFoundIteration', `Iteration ${id} not found.`);
export const imageNotFound = (id: string) => notFound('NotFoundImage', `Image ${id} not found.`);
export const domainNotFound = (id: string) => notFound('NotFoundDomain', `Domain ${id} not found.`);
