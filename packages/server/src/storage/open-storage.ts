import { join } from 'node:path';
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { ServerConfig } from '../config.ts';
import { AzureBlobStore } from './azure-blob-store.ts';
import { CachedBlobStore } from './cached-blob-store.ts';
import { FsBlobStore } from './fs-blob-store.ts';
import { openPgStorage } from './postgres/pg-storage.ts';
import { openSqliteStorage } from './sqlite/sqlite-storage.ts';
import type { BlobStore, Storage } from './types.ts';

type StorageConfig = Pick<
  ServerConfig,
  'dataDir' | 'databaseUrl' | 'blobUrl' | 'blobConnectionString' | 'blobContainer' | 'modelCacheBytes'
>;

/**
 * The storage the configuration asks for: metadata in PostgreSQL when a database URL is set (else SQLite in the
 * data directory), blobs in Azure Blob Storage when a blob URL or connection string is set (else files in the data
 * directory). The embedded default needs nothing set.
 */
export async function openStorage(config: StorageConfig): Promise<Storage> {
  const remote = await openAzureBlobs(config);
  if (config.databaseUrl)
    return openPgStorage(config.databaseUrl, remote ?? new FsBlobStore(join(config.dataDir, 'blobs')));
  const embedded = openSqliteStorage(config.dataDir);
  return remote ? Object.assign(embedded, { blobs: remote }) : embedded;
}

/** Azure Blob Storage from the configuration, behind the node-local model cache; undefined when none is set. */
export async function openAzureBlobs(config: StorageConfig): Promise<BlobStore | undefined> {
  let container: ContainerClient;
  if (config.blobConnectionString)
    container = BlobServiceClient.fromConnectionString(config.blobConnectionString).getContainerClient(
      config.blobContainer,
    );
  // A container URL, with a SAS token when the container is not public.
  else if (config.blobUrl) container = new ContainerClient(config.blobUrl);
  else return undefined;
  return new CachedBlobStore(await new AzureBlobStore(container).init(), config.modelCacheBytes);
}
