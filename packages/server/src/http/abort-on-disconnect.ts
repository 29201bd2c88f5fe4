import type { Request } from 'express';

/**
 * Aborted when the client goes away before its answer is sent, so work done only for that answer (URL fetches)
 * stops and releases its connections instead of running to its deadline.
 */
export function abortOnDisconnect(req: Request): AbortSignal {
  const controller = new AbortController();
  req.res?.once('close', () => {
    if (!req.res?.writableFinished) controller.abort();
  });
  return controller.signal;
}
