import { describe, expect, it } from 'vitest';
import { configFromArgs, type ServerConfig } from '../../src/config.ts';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => configFromArgs(argv, env) as ServerConfig;

describe('scale-out settings', () => {
  it('default to the embedded server: SQLite, files, one process doing everything', () => {
    expect(parse([])).toMatchObject({
      databaseUrl: undefined,
      blobUrl: undefined,
      blobConnectionString: undefined,
      blobContainer: 'cvkit',
      role: 'all',
      jobLeaseSeconds: 60,
      modelCacheBytes: 256 * 1024 * 1024,
    });
  });

  it('come from the environment, flags winning', () => {
    const env = {
      CVKIT_DATABASE_URL: 'postgres://db/a',
      CVKIT_BLOB_URL: 'https://acct.blob.core.windows.net/c?sig=x',
      CVKIT_BLOB_CONNECTION_STRING: 'AccountName=a;AccountKey=b',
      CVKIT_BLOB_CONTAINER: 'images',
      CVKIT_ROLE: 'worker',
      CVKIT_JOB_LEASE_SECONDS: '30',
      CVKIT_MODEL_CACHE_MB: '64',
    };
    expect(parse([], env)).toMatchObject({
      databaseUrl: 'postgres://db/a',
      blobUrl: 'https://acct.blob.core.windows.net/c?sig=x',
      blobConnectionString: 'AccountName=a;AccountKey=b',
      blobContainer: 'images',
      role: 'worker',
      jobLeaseSeconds: 30,
      modelCacheBytes: 64 * 1024 * 1024,
    });
    expect(
      parse(['--role', 'api', '--database-url', 'postgresql://db/b', '--job-lease-seconds', '5'], env),
    ).toMatchObject({ role: 'api', databaseUrl: 'postgresql://db/b', jobLeaseSeconds: 5 });
  });

  it('refuse what cannot work', () => {
    expect(() => parse(['--role', 'api'])).toThrow('CVKIT_ROLE=api needs CVKIT_DATABASE_URL (PostgreSQL).');
    expect(() => parse([], { CVKIT_ROLE: 'worker' })).toThrow(/needs CVKIT_DATABASE_URL/);
    expect(() => parse(['--role', 'trainer', '--database-url', 'postgres://db/a'])).toThrow(/Invalid role: trainer/);
    expect(() => parse(['--database-url', 'mysql://db/a'])).toThrow(/must be a postgres:\/\/ URL/);
    expect(() => parse(['--job-lease-seconds', '0'])).toThrow(/Invalid job lease/);
    expect(() => parse([], { CVKIT_MODEL_CACHE_MB: '-1' })).toThrow(/Invalid model cache size/);
  });
});
