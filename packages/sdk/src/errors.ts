/**
 * One error hierarchy for everything a call can fail with. Catch `CustomVisionError` for all of them, or a subclass
 * for one kind:
 *
 * ```ts
 * try {
 *   await trainer.getProject(id);
 * } catch (err) {
 *   if (err instanceof NotFoundError) return undefined;
 *   if (err instanceof RateLimitError) console.log('throttled, retry after', err.retryAfterMs);
 *   throw err;
 * }
 * ```
 */
import type { TrainingModels } from '@cvkit/api-types';
import type { ErrorCode } from './spec-types.js';

export interface CustomVisionErrorInit {
  /** HTTP status, when the service answered. */
  status?: number | undefined;
  /** Azure error code such as `NotFoundProject`, when the body carried one. */
  code?: ErrorCode | undefined;
  /** Value of the `apim-request-id` header (or `request-id`), to quote in support requests. */
  requestId?: string | undefined;
  /** The raw response; its body has already been read into `body`. */
  response?: Response | undefined;
  /** The parsed error body (JSON when it was JSON, text otherwise). */
  body?: unknown;
  /** The operation that failed, e.g. `GetProject`. */
  operationId?: string | undefined;
  cause?: unknown;
}

/** Base class of every error the SDK throws. */
export class CustomVisionError extends Error {
  override name = 'CustomVisionError';
  readonly status: number | undefined;
  readonly code: ErrorCode | undefined;
  readonly requestId: string | undefined;
  readonly response: Response | undefined;
  readonly body: unknown;
  readonly operationId: string | undefined;

  constructor(message: string, init: CustomVisionErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.response = init.response;
    this.body = init.body;
    this.operationId = init.operationId;
  }
}

/** 400: the request was invalid; `code` says why (e.g. `BadRequestImageFormat`). Not retried. */
export class BadRequestError extends CustomVisionError {
  override name = 'BadRequestError';
}

/** 401: the key is missing, wrong, or for another resource or region. */
export class UnauthorizedError extends CustomVisionError {
  override name = 'UnauthorizedError';
}

/** 403: the key is valid but may not do this (quota, disabled resource, DR mode...). */
export class ForbiddenError extends CustomVisionError {
  override name = 'ForbiddenError';
}

/** 404: the project, iteration, tag, image or published name does not exist. */
export class NotFoundError extends CustomVisionError {
  override name = 'NotFoundError';
}

/** 409: the resource is in a state that conflicts with the request. */
export class ConflictError extends CustomVisionError {
  override name = 'ConflictError';
}

/** 429: throttled. Retried automatically; thrown once retries are exhausted or the wait asked for is too long. */
export class RateLimitError extends CustomVisionError {
  override name = 'RateLimitError';
  /** How long the service asked to wait (from `retry-after-ms` or `Retry-After`), if it said. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, init: CustomVisionErrorInit & { retryAfterMs?: number | undefined } = {}) {
    super(message, init);
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** 5xx: the service failed. 500/502/503/504 are retried (see the retry policy in the README). */
export class ServerError extends CustomVisionError {
  override name = 'ServerError';
}

/** The request never got an HTTP answer: DNS, refused or reset connection, TLS, CORS... `cause` has the details. */
export class ConnectionError extends CustomVisionError {
  override name = 'ConnectionError';
}

/** One attempt took longer than the configured `timeout`. */
export class TimeoutError extends ConnectionError {
  override name = 'TimeoutError';
}

/** `waitForTraining` saw the iteration end with status `Failed`. */
export class TrainingFailedError extends CustomVisionError {
  override name = 'TrainingFailedError';
  /** The iteration as last read, with its `status` and `trainingErrorDetails`. */
  readonly iteration: TrainingModels.Iteration;
  /** Why training failed, as the service explained it (may be empty). */
  readonly trainingErrorDetails: TrainingModels.Iteration['trainingErrorDetails'];

  constructor(message: string, iteration: TrainingModels.Iteration) {
    super(message);
    this.iteration = iteration;
    this.trainingErrorDetails = iteration.trainingErrorDetails;
  }
}

/** `waitForExport` saw the export end with status `Failed`. */
export class ExportFailedError extends CustomVisionError {
  override name = 'ExportFailedError';
  /** The export as last read. */
  readonly export: TrainingModels.Export;

  constructor(message: string, exported: TrainingModels.Export) {
    super(message);
    this.export = exported;
  }
}

/** A `waitFor...` helper ran out of its `timeoutMs` before the work finished. The work itself goes on. */
export class WaitTimeoutError extends CustomVisionError {
  override name = 'WaitTimeoutError';
  /** The resource as last read. */
  readonly last: unknown;

  constructor(message: string, last: unknown) {
    super(message);
    this.last = last;
  }
}

const classByStatus: Record<number, typeof CustomVisionError> = {
  400: BadRequestError,
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  409: ConflictError,
  429: RateLimitError,
};

/** The request id Azure (API Management) stamps on every response. */
export function requestIdOf(headers: Headers): string | undefined {
  return headers.get('apim-request-id') ?? headers.get('request-id') ?? headers.get('x-ms-request-id') ?? undefined;
}

/**
 * Azure answers `{code, message}`; its API Management gateway (bad key, throttling) answers
 * `{error: {code, message}}` or `{statusCode, message}`. All three are read; a missing code stays undefined.
 */
function codeAndMessage(body: unknown): { code?: string; message?: string } {
  if (typeof body === 'string') return body.trim() ? { message: body.trim().slice(0, 500) } : {};
  if (typeof body !== 'object' || body === null) return {};
  const record = body as Record<string, unknown>;
  const inner =
    typeof record['error'] === 'object' && record['error'] !== null
      ? (record['error'] as Record<string, unknown>)
      : record;
  const code = inner['code'];
  const message = inner['message'];
  return {
    ...(code === undefined || code === null ? {} : { code: String(code) }),
    ...(typeof message === 'string' ? { message } : {}),
  };
}

/** Reads an error response's body and builds the matching error class. */
export async function errorFromResponse(
  response: Response,
  operationId: string,
  retryAfterMs?: number,
): Promise<CustomVisionError> {
  let body: unknown;
  try {
    const text = await response.text();
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
  } catch {
    body = undefined;
  }
  const { code, message } = codeAndMessage(body);
  const status = response.status;
  const requestId = requestIdOf(response.headers);
  const summary = message ?? (response.statusText || 'request failed');
  const text = `${operationId}: ${status}${code ? ` ${code}` : ''}: ${summary}${requestId ? ` (request id ${requestId})` : ''}`;
  const init = { status, code, requestId, response, body, operationId };
  if (status === 429) return new RateLimitError(text, { ...init, retryAfterMs });
  const ErrorClass = classByStatus[status] ?? (status >= 500 ? ServerError : CustomVisionError);
  return new ErrorClass(text, init);
}
