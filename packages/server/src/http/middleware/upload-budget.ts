import type { NextFunction, Request, Response } from 'express';
import { tooBusy } from '../../domain/errors.ts';
import type { ByteBudget } from '../../jobs/semaphore.ts';

/**
 * Admits a request that carries images only while the server's memory for request bodies has room for it: its
 * declared length (the operation's maximum when it declares none), or `fixed` bytes for requests whose images are
 * fetched rather than sent (CreateImagesFromUrls). The reservation lasts until the answer is sent. A request that
 * does not fit is answered 429 with Retry-After before any of its body is read, as Azure throttles, so clients
 * (the SDKs honour Retry-After) send it again.
 */
export function admitUpload(budget: ByteBudget, opts: { maxBytes: number; fixed?: number }) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const declared = Number(req.get('content-length'));
    const bytes =
      opts.fixed ?? (req.get('content-length') && declared >= 0 ? Math.min(declared, opts.maxBytes) : opts.maxBytes);
    const release = budget.tryReserve(bytes);
    if (!release) {
      next(tooBusy('The server is receiving as many images as it holds at once.', 1));
      return;
    }
    res.on('close', release);
    next();
  };
}
