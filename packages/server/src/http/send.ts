import type { Response } from 'express';

/** JSON exactly as Azure writes it: explicit nulls, `application/json; charset=utf-8`. */
export function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.status(status);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

export function sendError(res: Response, status: number, code: string, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, status, { code, message });
}

export function sendEmpty(res: Response, status: number): void {
  res.status(status);
  res.setHeader('Content-Length', 0);
  res.end();
}
