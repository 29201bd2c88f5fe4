import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { ServerLibraryError } from '../errors.ts';
import { Semaphore } from '../jobs/semaphore.ts';
import { isPublicAddress } from './address-policy.ts';

export interface FetchPolicy {
  allowPrivate: boolean;
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
}

export class UrlFetchError extends ServerLibraryError {
  constructor(
    readonly reason: 'invalid' | 'forbidden' | 'unreachable' | 'status' | 'timeout' | 'too-large',
    message: string,
  ) {
    super(message);
    this.name = 'UrlFetchError';
  }
}

/**
 * What a client is told about any URL that cannot be used: a host that does not resolve, one that resolves to a
 * private or reserved address, and one that refuses the connection all read alike, so answers reveal nothing about
 * the server's network or DNS.
 */
export const UNUSABLE_URL_MESSAGE = 'The URL could not be fetched: its host is unknown, not public, or unreachable.';

/**
 * Downloads an image for CreateImagesFromUrls / QuickTestImageUrl / ClassifyImageUrl.
 * Every hop's host is resolved once and the connection goes to exactly the checked address, so a DNS answer that
 * changes between check and connect (rebinding) cannot reach a private address. Size and time are bounded: the
 * deadline covers DNS lookups, redirects and the body, and every connection is destroyed when its hop ends, whatever
 * the outcome (no keep-alive pool, nothing left draining a slow origin).
 */
export async function fetchImageUrl(rawUrl: string, policy: FetchPolicy, signal?: AbortSignal): Promise<Buffer> {
  // The slot is taken before the deadline starts: a fetch waiting its turn has not started to cost anything.
  const release = await fetchSlots.acquire();
  try {
    return await fetchWithin(rawUrl, policy, signal);
  } finally {
    release();
  }
}

/**
 * URL fetches in flight across the server (each holds a connection and up to the image limit in memory); the rest
 * queue. 64 × 64-image URL batches would otherwise open 4,096 connections.
 */
export const MAX_PARALLEL_FETCHES = 16;
const fetchSlots = new Semaphore(MAX_PARALLEL_FETCHES);

async function fetchWithin(rawUrl: string, policy: FetchPolicy, signal?: AbortSignal): Promise<Buffer> {
  const deadline = Date.now() + policy.timeoutMs;
  let url = parse(rawUrl);
  for (let hop = 0; hop <= policy.maxRedirects; hop++) {
    const address = await beforeDeadline(resolveAllowed(url.hostname, policy.allowPrivate), deadline, signal);
    const result = await get(url, address, policy, deadline, signal);
    if ('redirect' in result) {
      url = parse(new URL(result.redirect, url).toString());
      continue;
    }
    return result.bytes;
  }
  throw new UrlFetchError('unreachable', 'The URL redirects too many times.');
}

const timeoutError = () => new UrlFetchError('timeout', 'Fetching the URL took too long.');
const abortedError = () => new UrlFetchError('timeout', 'The URL fetch was cancelled.');

/** A DNS lookup cannot be cancelled, but the import stops waiting for it at the deadline. */
function beforeDeadline<T>(work: Promise<T>, deadline: number, signal?: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError());
    const onAbort = () => done(() => reject(abortedError()));
    const timer = setTimeout(() => done(() => reject(timeoutError())), Math.max(0, deadline - Date.now()));
    const done = (settle: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => done(() => resolve(v)),
      (e) => done(() => reject(e)),
    );
  });
}

function parse(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlFetchError('invalid', 'The URL is not valid.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UrlFetchError('invalid', 'Only http and https URLs can be fetched.');
  if (url.username || url.password) throw new UrlFetchError('invalid', 'URLs with credentials are not fetched.');
  return url;
}

/** The address to connect to for `hostname`, refused when any of its addresses is private and that is not allowed. */
export async function resolveAllowed(
  hostname: string,
  allowPrivate: boolean,
): Promise<{ address: string; family: number }> {
  const host = hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch {
    throw new UrlFetchError('unreachable', UNUSABLE_URL_MESSAGE);
  }
  if (!addresses.length) throw new UrlFetchError('unreachable', UNUSABLE_URL_MESSAGE);
  // All answers must pass: otherwise a host could list one public and one private address.
  if (!allowPrivate && addresses.some((a) => !isPublicAddress(a.address)))
    throw new UrlFetchError('forbidden', UNUSABLE_URL_MESSAGE);
  return addresses[0]!;
}

/** A DNS lookup that answers the address already checked, so the connection cannot go anywhere else. */
export function pinnedLookup(pinned: { address: string; family: number }): LookupFunction {
  return (_host, options, cb) => {
    if ((options as { all?: boolean }).all) (cb as unknown as (e: null, a: unknown[]) => void)(null, [pinned]);
    else cb(null, pinned.address, pinned.family);
  };
}

function get(
  url: URL,
  pinned: { address: string; family: number },
  policy: FetchPolicy,
  deadline: number,
  signal?: AbortSignal,
): Promise<{ bytes: Buffer } | { redirect: string }> {
  return new Promise((resolve, reject) => {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return reject(timeoutError());
    if (signal?.aborted) return reject(abortedError());
    const client = url.protocol === 'https:' ? https : http;
    // agent: false gives this hop its own connection, which `finish` destroys; a pooled one could outlive the call.
    const req = client.get(url, {
      agent: false,
      lookup: pinnedLookup(pinned),
      headers: { 'user-agent': 'cvkit-server', accept: 'image/*', connection: 'close' },
    });
    let settled = false;
    /** Every way out goes through here: the timer stops, the socket is destroyed, the promise settles once. */
    const finish = (outcome: { bytes: Buffer } | { redirect: string } | UrlFetchError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      req.destroy();
      req.socket?.destroy();
      if (outcome instanceof UrlFetchError) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(() => finish(timeoutError()), remaining);
    const onAbort = () => finish(abortedError());
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('response', (res) => {
      res.on('error', () => finish(new UrlFetchError('unreachable', UNUSABLE_URL_MESSAGE)));
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) return finish({ redirect: res.headers.location });
      if (status !== 200) return finish(new UrlFetchError('status', `The URL answered HTTP ${status}.`));
      const declared = Number(res.headers['content-length'] ?? 0);
      if (declared > policy.maxBytes)
        return finish(new UrlFetchError('too-large', 'The image at the URL is too large.'));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > policy.maxBytes) return finish(new UrlFetchError('too-large', 'The image at the URL is too large.'));
        chunks.push(c);
      });
      res.on('end', () => finish({ bytes: Buffer.concat(chunks) }));
      // The origin closing mid-body without an error still ends the hop.
      res.on('close', () => finish(new UrlFetchError('unreachable', UNUSABLE_URL_MESSAGE)));
    });
    req.on('error', () => finish(new UrlFetchError('unreachable', UNUSABLE_URL_MESSAGE)));
  });
}
