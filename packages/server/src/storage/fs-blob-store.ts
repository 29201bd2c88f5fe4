import { randomUUID } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from './types.ts';

/** What a blob key may be, in every blob store: no request data can name a path or a URL outside the store. */
export const BLOB_KEY = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/**
 * Blobs as files under `root`, fanned out by the first two characters of the key.
 * Keys are validated against a strict pattern, so no request data can name a path outside `root`.
 * Writes go to a temporary file and are renamed into place: a crash never leaves a truncated blob under its key.
 */
export class FsBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  private path(key: string): string {
    if (!BLOB_KEY.test(key)) throw new Error(`Invalid blob key: ${key}`);
    return join(this.root, key.slice(0, 2), key);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.path(key);
    if (await this.has(key)) return; // content-addressed: same key, same bytes
    const dir = join(this.root, key.slice(0, 2));
    const created = await mkdir(dir, { recursive: true });
    const tmp = `${path}.${randomUUID()}${TMP_SUFFIX}`;
    await writeFile(tmp, bytes, { flush: true });
    await rename(tmp, path);
    // The rename is durable only once its directory is: without this, a power cut after the caller commits the
    // record could lose the file while keeping the record.
    await syncDir(dir);
    if (created) await syncDir(this.root);
  }

  /**
   * Removes temporary files a killed process left between writing and renaming; returns how many. Only safe while
   * no other process writes here: call it at start, with the data directory locked, before serving.
   */
  sweepTemporaryFiles(): number {
    let removed = 0;
    for (const d of safeReaddir(this.root)) {
      for (const name of safeReaddir(join(this.root, d))) {
        if (!name.endsWith(TMP_SUFFIX)) continue;
        rmSync(join(this.root, d, name), { force: true });
        removed++;
      }
    }
    return removed;
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      await stat(this.path(key));
      return true;
    } catch {
      return false;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}

const TMP_SUFFIX = '.tmp';

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
