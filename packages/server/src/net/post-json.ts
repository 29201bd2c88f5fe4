import http from 'node:http';
import https from 'node:https';
import { pinnedLookup, resolveAllowed, UrlFetchError } from './fetch-image-url.ts';

export interface PostPolicy {
  allowPrivate: boolean;
  timeoutMs: number;
}

/**
 * POSTs a body to a URL chosen by the operator (webhooks) under the URL-import policy: the host is resolved once,
 * refused when private unless allowed, and the connection goes to exactly that address. Redirects are not
 * followed (a receiver that moves must be reconfigured). Answers the status and `Retry-After`.
 */
export async function postJson(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  policy: PostPolicy,
): Promise<{ status: number; retryAfter: string | undefined }> {
  const url = new URL(rawUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UrlFetchError('invalid', 'Only http and https URLs are called.');
  const pinned = await resolveAllowed(url.hostname, policy.allowPrivate);
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      lookup: pinnedLookup(pinned),
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      timeout: policy.timeoutMs,
    });
    req.on('timeout', () => req.destroy(new UrlFetchError('timeout', 'The receiver took too long to answer.')));
    req.on('error', (e) =>
      reject(
        e instanceof UrlFetchError ? e : new UrlFetchError('unreachable', `The receiver is unreachable: ${e.message}`),
      ),
    );
    req.on('response', (res) => {
      res.resume(); // the answer's body is not used
      const retryAfter = res.headers['retry-after'];
      resolve({ status: res.statusCode ?? 0, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter });
    });
    req.end(body);
  });
}
