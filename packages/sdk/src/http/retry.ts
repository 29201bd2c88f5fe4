/**
 * When and how long to wait before trying a request again.
 *
 * Azure throttles per resource (about 10 calls per second, 2 for training on the free tier), so 429 is a normal
 * answer during bulk uploads, not an exceptional one. The policy:
 *
 * - 408, 429 and 503 are retried for every operation: the service says it did not process the request.
 * - Other 5xx (except 501 and 505, which will not change) and network errors or timeouts are retried only for
 *   operations that are safe to repeat: reads, deletes, updates, and the POSTs the service deduplicates (image and
 *   tag creation) or that only read (queries, suggestions, `.../nostore` predictions). A POST that creates something
 *   new each time (CreateProject, ImportProject, TrainProject, PublishIteration, ExportIteration, CreateTag,
 *   QuickTest and stored predictions) may already have taken effect when the connection drops, so it is not repeated
 *   unless `retryNonIdempotent` is set.
 * - The service's own wait wins: `retry-after-ms`, `x-ms-retry-after-ms`, then `Retry-After` (seconds or an HTTP
 *   date). If it asks for longer than `maxRetryAfterMs`, the error is thrown at once with `retryAfterMs` set.
 * - Otherwise: exponential backoff from `initialDelayMs`, doubled per retry, capped at `maxDelayMs`, with "equal
 *   jitter" (a random point in the upper half of the window) so many clients do not retry in lockstep.
 */

export interface RetryOptions {
  /** Retries after the first attempt (default 3; 0 disables retrying). */
  maxRetries?: number;
  /** Backoff before the first retry, in ms (default 500). */
  initialDelayMs?: number;
  /** Upper bound of the computed backoff, in ms (default 8000). */
  maxDelayMs?: number;
  /** Longest server-requested wait honoured, in ms (default 60000); beyond it the error is thrown instead. */
  maxRetryAfterMs?: number;
  /** Also retry non-idempotent POSTs after 5xx and network errors (default false; see above). */
  retryNonIdempotent?: boolean;
}

export type ResolvedRetryOptions = Required<RetryOptions>;

export const defaultRetryOptions: ResolvedRetryOptions = {
  maxRetries: 3,
  initialDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
  retryNonIdempotent: false,
};

/** `retry` accepts options, a retry count, or `false` to disable. */
export type RetrySetting = RetryOptions | number | false;

export function resolveRetryOptions(
  setting: RetrySetting | undefined,
  base: ResolvedRetryOptions = defaultRetryOptions,
): ResolvedRetryOptions {
  if (setting === undefined) return base;
  if (setting === false) return { ...base, maxRetries: 0 };
  if (typeof setting === 'number') return { ...base, maxRetries: Math.max(0, Math.floor(setting)) };
  const merged = { ...base };
  for (const [key, value] of Object.entries(setting)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

/** Statuses that mean "not processed, try later", whatever the operation. */
const refusedStatuses = new Set([408, 429, 503]);
/** 5xx statuses that will not go away by asking again. */
const permanentServerStatuses = new Set([501, 505]);

export function isRetriableStatus(status: number, idempotent: boolean, options: ResolvedRetryOptions): boolean {
  if (refusedStatuses.has(status)) return true;
  if (status >= 500 && !permanentServerStatuses.has(status)) return idempotent || options.retryNonIdempotent;
  return false;
}

export function isRetriableNetworkError(idempotent: boolean, options: ResolvedRetryOptions): boolean {
  return idempotent || options.retryNonIdempotent;
}

/** The wait the server asked for, in ms, or undefined when it did not say (or said something unreadable). */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = headers.get(name);
    if (value !== null && value.trim() !== '') {
      const ms = Number(value);
      if (Number.isFinite(ms) && ms >= 0) return ms;
    }
  }
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Backoff before retry number `retry` (0 for the first retry). */
export function backoffMs(retry: number, options: ResolvedRetryOptions, random: () => number = Math.random): number {
  const window = Math.min(options.initialDelayMs * 2 ** retry, options.maxDelayMs);
  return window / 2 + random() * (window / 2);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
