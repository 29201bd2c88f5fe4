import { BlobServiceClient, ContainerSASPermissions } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureBlobStore } from '../../src/storage/azure-blob-store.ts';
import { CachedBlobStore } from '../../src/storage/cached-blob-store.ts';
import { openAzureBlobs } from '../../src/storage/open-storage.ts';
import type { BlobStore } from '../../src/storage/types.ts';
import { type Azurite, startAzurite } from '../helpers/postgres-cluster.ts';

/** Azure Blob Storage as configured by a container URL with a SAS token, and the model cache in front of it. */
describe('Azure Blob Storage (Azurite)', { timeout: 20_000 }, () => {
  let azurite: Azurite;
  let service: BlobServiceClient;
  beforeAll(async () => {
    azurite = await startAzurite();
    service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  }, 60_000);
  afterAll(() => azurite?.stop());

  const config = {
    dataDir: '/nonexistent',
    databaseUrl: undefined,
    blobConnectionString: undefined,
    modelCacheBytes: 0,
  };

  it('works from a container URL with a SAS token that cannot create the container', async () => {
    const container = service.getContainerClient('sas');
    await container.create();
    const url = await container.generateSasUrl({
      permissions: ContainerSASPermissions.parse('racwdl'),
      expiresOn: new Date(Date.now() + 3600_000),
    });
    const blobs = (await openAzureBlobs({ ...config, blobUrl: url, blobContainer: 'ignored' }))!;
    const key = 'ef'.repeat(32);
    await blobs.put(key, Buffer.from('bytes'));
    expect(String(await blobs.get(key))).toBe('bytes');
    expect(await container.getBlobClient(key).exists()).toBe(true);

    // Read-only: the store opens (the container exists), reads work, writes say why they fail.
    const readOnly = await container.generateSasUrl({
      permissions: ContainerSASPermissions.parse('r'),
      expiresOn: new Date(Date.now() + 3600_000),
    });
    const reader = (await openAzureBlobs({ ...config, blobUrl: readOnly, blobContainer: 'ignored' }))!;
    expect(String(await reader.get(key))).toBe('bytes');
    await expect(reader.put('aa'.repeat(32), Buffer.from('x'))).rejects.toMatchObject({ statusCode: 403 });
  });

  it('stores one copy when two processes put the same content at once', async () => {
    const a = await new AzureBlobStore(service.getContainerClient('race')).init();
    const b = await new AzureBlobStore(service.getContainerClient('race')).init();
    const key = 'cd'.repeat(32);
    const bytes = Buffer.alloc(300_000, 7);
    await Promise.all([a.put(key, bytes), b.put(key, bytes), a.put(key, bytes)]);
    const keys: string[] = [];
    for await (const k of a.keys()) keys.push(k);
    expect(keys).toEqual([key]);
    expect((await b.get(key))!.equals(bytes)).toBe(true);
  });

  it('keeps models and evaluations in memory, least recently used out first, and never images', async () => {
    const inner = await new AzureBlobStore(service.getContainerClient('cache')).init();
    const reads: string[] = [];
    const counting: BlobStore = {
      put: (k, v) => inner.put(k, v),
      get: (k) => {
        reads.push(k);
        return inner.get(k);
      },
      has: (k) => inner.has(k),
      delete: (k) => inner.delete(k),
    };
    const cache = new CachedBlobStore(counting, 250);
    for (const k of ['model-a', 'model-b', 'model-c', 'ab'.repeat(32)]) await cache.put(k, Buffer.alloc(100, 1));
    for (const k of ['model-a', 'model-a', 'model-b', 'model-a', 'ab'.repeat(32), 'ab'.repeat(32)]) await cache.get(k);
    expect(reads).toEqual(['model-a', 'model-b', 'ab'.repeat(32), 'ab'.repeat(32)]);
    // 250 bytes hold two models: reading c evicts b, the least recently used.
    await cache.get('model-c');
    await cache.get('model-a');
    await cache.get('model-b');
    expect(reads.slice(4)).toEqual(['model-c', 'model-b']);
    await cache.delete('model-b');
    expect(await cache.get('model-b')).toBeUndefined();
  });
});
