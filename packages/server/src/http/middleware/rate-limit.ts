import type { NextFunction, Request, Response } from 'express';
import { rateLimited } from '../../domain/errors.ts';
import { presentedKey } from './api-key.ts';

export interface RateLimitOptions {
  /** Sustained requests per second allowed for one key. */
  tps: number;
  /** Requests that may arrive at once after a quiet spell (the bucket's size); default: one second's worth. */
  burst?: number;
  /** Which header carries the key the bucket belongs to (the API's key header). */
  keyHeader: string;
  /** Clock in ms, for tests. */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Azure-style throttling for one API (a route class): a token bucket per API key, refilled at `tps` per second and
 * holding at most `burst` tokens. A request that finds the bucket empty is answered 429 with `Retry-After` (whole
 * seconds until a token is back) and Azure's body, `{"code":"429","message":"Rate limit is exceeded. ..."}`; it is
 * not processed at all, so clients (and the SDK's retry policy) can simply send it again.
 *
 * Runs after the key check (an unauthenticated client cannot spend a legitimate key's budget, and the number of
 * buckets is bounded by the number of valid keys) and before any body is read.
 */
export function rateLimit(opts: RateLimitOptions) {
  if (!(opts.tps > 0) || !Number.isFinite(opts.tps)) throw new Error(`Invalid rate limit: ${opts.tps}`);
  const burst = Math.max(1, opts.burst ?? Math.ceil(opts.tps));
  const now = opts.now ?? Date.now;
  const buckets = new Map<string, Bucket>();
  return (req: Request, _res: Response, next: NextFunction): void => {
    const key = presentedKey(req, opts.keyHeader) ?? '';
    const t = now();
    const b = buckets.get(key) ?? { tokens: burst, at: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * opts.tps);
    b.at = t;
    buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      next();
      return;
    }
    const seconds = Math.max(1, Math.ceil((1 - b.tokens) / opts.tps));
    next(rateLimited(seconds));
  };
}
