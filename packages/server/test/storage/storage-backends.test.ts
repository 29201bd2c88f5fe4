import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from '../../src/storage/open-storage.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import { postgresUnavailable, startAzurite, startPgCluster } from '../helpers/postgres-cluster.ts';
import { describeStorageContract } from './storage-contract.ts';

describeStorageContract('SQLite and files (embedded default)', async () => {
  const dirs: string[] = [];
  return {
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'cvkit-contract-'));
      dirs.push(dir);
      return openSqliteStorage(dir);
    },
    async stop() {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
});

const skip = postgresUnavailable();
if (skip) console.warn(`skipping the PostgreSQL storage contract: ${skip}`);

describeStorageContract(
  'PostgreSQL and Azure Blob Storage (Azurite)',
  async () => {
    const [cluster, azurite] = await Promise.all([startPgCluster(), startAzurite()]);
    let n = 0;
    return {
      async open() {
        // A database and a container per test: each starts empty.
        return openStorage({
          dataDir: '/nonexistent',
          databaseUrl: await cluster.createDatabase(),
          blobUrl: undefined,
          blobConnectionString: azurite.connectionString,
          blobContainer: `contract${++n}`,
          modelCacheBytes: 1024 * 1024,
        });
      },
      async stop() {
        await Promise.all([cluster.stop(), azurite.stop()]);
      },
    };
  },
  { skip },
);
