import type { ReleasedBlobs, Storage } from '../storage/types.ts';
import { renderedVariantKeys } from './content-keys.ts';

/**
 * Frees blobs once nothing refers to them. Owned blobs (models, evaluations, export zips) go with the row that
 * owned them. Content-addressed blobs (sha256 of image bytes) are shared by images of any project and by stored
 * predictions, so they go, with their renderings, only when no row counts them; cached features (which only
 * training reads) go once no image does.
 *
 * Writers store a blob before committing the row that refers to it (storage/types.ts), so between the two a
 * collection would see no reference. Writers therefore `pin` the hashes first: a pinned hash is not collected, a
 * pin taken while its hash is being collected waits until the files are gone (then writes them anew), and
 * releasing a pin re-checks the hash, so an upload that never committed leaves nothing behind. Collections run
 * one at a time. All of this is in memory: the data directory is locked to one process (data-dir-lock.ts).
 */
export class BlobCollector {
  private readonly pins = new Map<string, number>();
  private collecting = new Set<string>();
  private current: Promise<void> = Promise.resolve();
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly storage: Storage) {}

  /** Keeps `hashes` from collection until the returned release runs (release re-checks them). */
  async pin(hashes: Iterable<string>): Promise<() => Promise<void>> {
    const held = [...new Set(hashes)];
    for (const h of held) this.pins.set(h, (this.pins.get(h) ?? 0) + 1);
    if (held.some((h) => this.collecting.has(h))) await this.current;
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      for (const h of held) {
        const n = (this.pins.get(h) ?? 1) - 1;
        if (n > 0) this.pins.set(h, n);
        else this.pins.delete(h);
      }
      await this.collect({ contentHashes: held, blobKeys: [] });
    };
  }

  /** Runs `write` with `hashes` pinned. */
  async pinned<T>(hashes: Iterable<string>, write: () => Promise<T>): Promise<T> {
    const release = await this.pin(hashes);
    try {
      return await write();
    } finally {
      await release();
    }
  }

  /** Deletes the owned blobs and every released content blob nothing refers to any more. */
  collect(released: ReleasedBlobs): Promise<void> {
    const run = this.chain.then(() => this.run(released));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private run({ contentHashes, blobKeys }: ReleasedBlobs): Promise<void> {
    // Checked and marked in one synchronous step, so a pin either is seen here or waits for `current`.
    this.collecting = new Set(contentHashes.filter((h) => !this.pins.has(h)));
    this.current = this.free([...this.collecting], blobKeys).finally(() => {
      this.collecting = new Set();
    });
    return this.current;
  }

  private async free(hashes: string[], blobKeys: string[]): Promise<void> {
    for (const key of new Set(blobKeys)) await this.storage.blobs.delete(key);
    if (!hashes.length) return;
    const usage = await this.storage.references.usage(hashes);
    const noImage = hashes.filter((h) => !usage.get(h)?.images);
    if (noImage.length) await this.storage.features.deleteFor(noImage);
    for (const h of noImage) {
      if (usage.get(h)?.predictions) continue;
      for (const key of [...renderedVariantKeys(h), h]) await this.storage.blobs.delete(key);
    }
  }
}

const collectors = new WeakMap<Storage, BlobCollector>();

/**
 * The one collector of a store. Pins only protect against collections that see them, so every service writing to
 * or deleting from the same store must share it; keying it by the store spares each service a new dependency.
 */
export function blobCollector(storage: Storage): BlobCollector {
  let c = collectors.get(storage);
  if (!c) {
    c = new BlobCollector(storage);
    collectors.set(storage, c);
  }
  return c;
}
