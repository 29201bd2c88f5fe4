import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { sendError } from '../send.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Requires `header` (e.g. Training-Key) to equal `key`. Digests are compared in constant time, so response timing
 * reveals nothing about how much of a guess was right. Runs before any body is read.
 */
export function requireApiKey(header: string, key: string) {
  const expected = digest(key);
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.get(header);
    if (typeof given === 'string' && timingSafeEqual(digest(given), expected)) {
      next();
      return;
    }
    res.statusMessage = 'Access Denied';
    sendError(res, 401, 'Unauthorized', 'Access denied due to invalid subscription key or wrong API endpoint.');
  };
}
