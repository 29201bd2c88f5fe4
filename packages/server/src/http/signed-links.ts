import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Links to stored files (images, thumbnails, exports) that work without a key, like Azure's SAS URLs:
 * `<base>/files/<path>?se=<unix seconds>&sig=<hmac>`. The HMAC covers path and expiry, so neither can be changed.
 */
export class LinkSigner {
  constructor(
    private readonly secret: Buffer,
    private readonly ttlSeconds: number,
  ) {}

  link(baseUrl: string, path: string, now = Date.now()): string {
    const se = Math.floor(now / 1000) + this.ttlSeconds;
    return `${baseUrl}/files/${path}?se=${se}&sig=${this.sign(path, se)}`;
  }

  /** True when `sig` is the signature of `path` with expiry `se` and the link has not expired. */
  verify(path: string, se: string | undefined, sig: string | undefined, now = Date.now()): boolean {
    if (!se || !sig || !/^\d{1,12}$/.test(se)) return false;
    if (Number(se) * 1000 < now) return false;
    const expected = Buffer.from(this.sign(path, Number(se)));
    const given = Buffer.from(sig);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private sign(path: string, se: number): string {
    return createHmac('sha256', this.secret).update(`${path}\n${se}`).digest('base64url');
  }
}
