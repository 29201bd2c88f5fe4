import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isPublicAddress } from './address-policy.ts';

export interface FetchPolicy {
  allowPrivate: boolean;
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
}

export class UrlFetchError extends Error {
  constructor(
    readonly reason: 'invalid' | 'forbidden' | 'unreachable' | 'status' | 'timeout' | 'too-large',
    message: string,
  ) {
    super(message);
    this.name = 'UrlFetchError';
  }
}

/**
 * Downloads an image for CreateImagesFromUrls / QuickTestImageUrl / ClassifyImageUrl.
 * Every hop's host is resolved once and the connection goes to exactly the checked address, so a DNS answer that
 * changes between check and connect (rebinding) cannot reach a private address. Size and time are bounded.
 */
export async function fetchImageUrl(rawUrl: string, policy: FetchPolicy): Promise<Buffer> {
  const deadline = Date.now() + policy.timeoutMs;
  let url = parse(rawUrl);
  for (let hop = 0; hop <= policy.maxRedirects; hop++) {
    const address = await resolveAllowed(url.hostname, policy.allowPrivate);
    const result = await get(url, address, policy, deadline);
    if ('redirect' in result) {
      url = parse(new URL(result.redirect, url).toString());
      continue;
    }
    return result.bytes;
  }
  throw new UrlFetchError('unreachable', `Too many redirects for ${rawUrl}.`);
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
    throw new UrlFetchError('unreachable', `The host ${host} could not be resolved.`);
  }
  if (!addresses.length) throw new UrlFetchError('unreachable', `The host ${host} has no address.`);
  // All answers must pass: otherwise a host could list one public and one private address.
  if (!allowPrivate && addresses.some((a) => !isPublicAddress(a.address)))
    throw new UrlFetchError('forbidden', `The host ${host} resolves to a private or reserved address.`);
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
): Promise<{ bytes: Buffer } | { redirect: string }> {
  return new Promise((resolve, reject) => {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return reject(new UrlFetchError('timeout', 'Fetching the URL took too long.'));
    const client = url.protocol === 'https:' ? https : http;
    const req = client.get(url, {
      lookup: pinnedLookup(pinned),
      headers: { 'user-agent': 'cvkit-server', accept: 'image/*' },
    });
    const timer = setTimeout(
      () => req.destroy(new UrlFetchError('timeout', 'Fetching the URL took too long.')),
      remaining,
    );
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        clearTimeout(timer);
        res.resume();
        return resolve({ redirect: res.headers.location });
      }
      if (status !== 200) {
        clearTimeout(timer);
        res.resume();
        return reject(new UrlFetchError('status', `The URL answered HTTP ${status}.`));
      }
      const declared = Number(res.headers['content-length'] ?? 0);
      if (declared > policy.maxBytes) {
        clearTimeout(timer);
        req.destroy();
        return reject(new UrlFetchError('too-large', 'The image at the URL is too large.'));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > policy.maxBytes) {
          clearTimeout(timer);
          req.destroy();
          reject(new UrlFetchError('too-large', 'The image at the URL is too large.'));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ bytes: Buffer.concat(chunks) });
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(e instanceof UrlFetchError ? e : new UrlFetchError('unreachable', e.message));
      });
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(
        e instanceof UrlFetchError ? e : new UrlFetchError('unreachable', `The URL could not be fetched: ${e.message}`),
      );
    });
  });
}
