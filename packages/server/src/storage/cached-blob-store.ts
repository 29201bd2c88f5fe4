import type { BlobStore } from './types.ts';

/**
 * A node-local memory cache in front of a remote blob store, for the blobs every prediction reads: trained models
 * and evaluations. Their keys name one iteration and are written once (training stores them, deleting the
 * iteration removes them), so a cached copy can never be stale; images are not cached (they are read once per
 * training). Least recently used entries go first once `maxBytes` is reached.
 */
export class CachedBlobStore implements BlobStore {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(
    private readonly inner: BlobStore,
    private readonly maxBytes = 256 * 1024 * 1024,
    private readonly cacheable: (key: string) => boolean = (key) => /^(model|evaluation)-/.test(key),
  ) {}

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.inner.put(key, bytes);
  }

  async get(key: string): Promise<Buffer | undefined> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const bytes = await this.inner.get(key);
    if (bytes && this.cacheable(key) && bytes.length <= this.maxBytes) {
      this.entries.set(key, bytes);
      this.bytes += bytes.length;
      for (const [k, v] of this.entries) {
        if (this.bytes <= this.maxBytes) break;
        this.entries.delete(k);
        this.bytes -= v.length;
      }
    }
    return bytes;
  }

  async has(key: string): Promise<boolean> {
    return this.entries.has(key) || this.inner.has(key);
  }

  async delete(key: string): Promise<void> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.bytes -= hit.length;
    }
    await this.inner.delete(key);
  }
}
