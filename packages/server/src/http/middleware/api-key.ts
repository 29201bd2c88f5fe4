import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { unauthorized } from '../../domain/errors.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The key a request presents: `header` (Training-Key or Prediction-Key), else Azure API Management's generic
 * `Ocp-Apim-Subscription-Key`, which Azure's Cognitive Services accept beside it (the API console sends it).
 */
export function presentedKey(req: Request, header: string): string | undefined {
  return req.get(header) ?? req.get('Ocp-Apim-Subscription-Key');
}

/**
 * Requires the presented key to equal `key`. Digests are compared in constant time, so response timing
 * reveals nothing about how much of a guess was right. Runs before any body is read.
 */
export function requireApiKey(header: string, key: string) {
  const expected = digest(key);
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = presentedKey(req, header);
    if (typeof given === 'string' && timingSafeEqual(digest(given), expected)) {
      next();
      return;
    }
    res.statusMessage = 'Access Denied';
    next(unauthorized());
  };
}
