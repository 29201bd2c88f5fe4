import type { NextFunction, Request, Response } from 'express';

/**
 * Microsoft's clients build `{Endpoint}/customvision/...`; with the endpoint as the Azure portal shows it (ending in
 * `/`) the path starts `//customvision/`, and Azure serves it (every .NET recording). Runs of slashes in the path
 * count as one; the query string is left as sent.
 */
export function collapseSlashes(req: Request, _res: Response, next: NextFunction): void {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  if (path.includes('//')) req.url = path.replace(/\/{2,}/g, '/') + (q < 0 ? '' : req.url.slice(q));
  next();
}
