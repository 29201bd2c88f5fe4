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
  // Refused before its body was read (401, 429, a bad parameter, a size limit): close the connection after the answer
  // rather than reading the rest of an upload no one will use.
  if (res.req && !res.req.complete) res.setHeader('Connection', 'close');
  sendJson(res, status, { code, message });
}

export function sendEmpty(res: Response, status: number): void {
  res.status(status);
  res.setHeader('Content-Length', 0);
  res.end();
}
