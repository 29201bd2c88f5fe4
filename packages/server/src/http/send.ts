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
  if (res.req && !res.req.complete) closeUnread(res);
  sendJson(res, status, { code, message });
}

/** How much of a refused request's body is still read so that a client busy sending it sees the answer. */
const LINGER_BYTES = 1024 * 1024;
const LINGER_MS = 1000;

/**
 * A request refused before its body was read (401, 429, 415, a bad parameter, a size limit): the answer says
 * `Connection: close`, and the connection is closed once a little more of the body (1 MB or 1 s) has been read and
 * discarded, rather than reading an upload no one will use to its end. Closing at once would reset a connection the
 * client is still writing to, and most clients would then report the reset instead of the answer.
 */
function closeUnread(res: Response): void {
  const req = res.req;
  const socket = req.socket;
  res.setHeader('Connection', 'close');
  // Node ends and destroys the socket the moment a `Connection: close` answer is sent: unread bytes then make the
  // kernel reset it. Only our side is ended here; the socket is destroyed after the linger below.
  (socket as unknown as { destroySoon(): void }).destroySoon = () => socket.end();
  let read = 0;
  const close = () => {
    if (res.writableFinished) socket.destroy();
    else res.once('finish', () => socket.destroy());
  };
  const timer = setTimeout(close, LINGER_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read <= LINGER_BYTES) return;
    clearTimeout(timer);
    close();
  });
  req.on('error', () => {});
  req.resume();
}

export function sendEmpty(res: Response, status: number): void {
  res.status(status);
  res.setHeader('Content-Length', 0);
  res.end();
}
