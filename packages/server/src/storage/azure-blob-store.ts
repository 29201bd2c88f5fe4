import { type ContainerClient, RestError } from '@azure/storage-blob';
import { BLOB_KEY } from './fs-blob-store.ts';
import type { BlobStore } from './types.ts';

/**
 * Blobs in one Azure Blob Storage container, with the same keys the file store uses. Keys are content addresses
 * (or an iteration's model, which never changes once written), so a put that finds the blob there already is done:
 * `If-None-Match: *` makes two processes uploading the same image at once both succeed with one copy.
 */
export class AzureBlobStore implements BlobStore {
  constructor(private readonly container: ContainerClient) {}

  /** Creates the container when it is missing (a fresh account, or Azurite in tests). */
  async init(): Promise<this> {
    try {
      await this.container.createIfNotExists();
    } catch (e) {
      // A SAS scoped to one container may not create it: then it exists, or the first put says why not.
      if (!(e instanceof RestError && e.statusCode === 403)) throw e;
    }
    return this;
  }

  private blob(key: string) {
    if (!BLOB_KEY.test(key)) throw new Error(`Invalid blob key: ${key}`);
    return this.container.getBlockBlobClient(key);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    try {
      await this.blob(key).uploadData(bytes, { conditions: { ifNoneMatch: '*' } });
    } catch (e) {
      // 409 BlobAlreadyExists (or 412 on some service versions): same key, same bytes.
      if (e instanceof RestError && (e.statusCode === 409 || e.statusCode === 412)) return;
      throw e;
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await this.blob(key).downloadToBuffer();
    } catch (e) {
      if (e instanceof RestError && e.statusCode === 404) return undefined;
      throw e;
    }
  }

  async has(key: string): Promise<boolean> {
    return this.blob(key).exists();
  }

  async delete(key: string): Promise<void> {
    await this.blob(key).deleteIfExists();
  }

  /** Every key in the container (migrate-storage checks what it copied). */
  async *keys(): AsyncGenerator<string> {
    for await (const b of this.container.listBlobsFlat()) yield b.name;
  }
}
