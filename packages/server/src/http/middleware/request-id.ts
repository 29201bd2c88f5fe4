import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

declare global {
  namespace Express {
    interface Request {
      requestId: string;
    }
  }
}

/** Azure answers every call with the same id in `apim-request-id` and `Request-Id`; clients log and report it. */
export function requestId(req: Request, res: Response, next: NextFunction): void {
  req.requestId = randomUUID();
  res.setHeader('apim-request-id', req.requestId);
  res.setHeader('Request-Id', req.requestId);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  next();
}
