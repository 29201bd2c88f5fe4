import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateStorage } from '../../src/storage/migrate-storage.ts';
import { CLI } from '../hardening/child-server.ts';
import { jpeg } from '../helpers/images.ts';
import {
  type Azurite,
  type PgCluster,
  postgresUnavailable,
  startAzurite,
  startPgCluster,
} from '../helpers/postgres-cluster.ts';
import { json, PREDICTION_KEY, startTestServer, type TestServer } from '../helpers/test-server.ts';
import { trainableProject } from './seed.ts';

const skip = postgresUnavailable();
if (skip) console.warn(`skipping the migrate-storage test: ${skip}`);

const COMPACT = '0732100f-1a38-4e49-a514-c9b44c697ab5';
type Image = {
  id: string;
  created: string;
  width: number;
  tags?: { tagId: string }[];
  metadata?: unknown;
  originalImageUri: string;
};

describe.skipIf(Boolean(skip))('cvkit-server migrate-storage', () => {
  let cluster: PgCluster;
  let azurite: Azurite;
  const dirs: string[] = [];
  beforeAll(async () => {
    [cluster, azurite] = await Promise.all([startPgCluster(), startAzurite()]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([cluster?.stop(), azurite?.stop()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** What a client sees of a project: compared before and after the move. */
  async function snapshot(s: TestServer, projectId: string) {
    const images = await json<Image[]>(s.train(`/projects/${projectId}/images?take=256&orderBy=Oldest`));
    const iterations = await json<{ id: string; status: string; publishName: string | null }[]>(
      s.train(`/projects/${projectId}/iterations`),
    );
    return {
      project: await json<{ name: string; settings: unknown }>(s.train(`/projects/${projectId}`)),
      tags: await json<unknown[]>(s.train(`/projects/${projectId}/tags`)),
      // Links are signed per request and host: compare everything else.
      images: images.map((i) => Object.fromEntries(Object.entries(i).filter(([k]) => !k.endsWith('Uri')))),
      bytes: await Promise.all(
        images.map(async (i) => Buffer.from(await (await fetch(i.originalImageUri)).arrayBuffer()).toString('base64')),
      ),
      iterations: iterations.map(({ id, status, publishName }) => ({ id, status, publishName })),
    };
  }

  async function classify(s: TestServer, projectId: string, bytes: Buffer) {
    const res = await fetch(`${s.prediction}/${projectId}/classify/iterations/moved/image`, {
      method: 'POST',
      headers: { 'Prediction-Key': PREDICTION_KEY, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(bytes),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { predictions: { tagName: string; probability: number }[] }).predictions;
  }

  it('moves an embedded data directory into PostgreSQL and Blob Storage with one command', {
    timeout: 90_000,
  }, async () => {
    const embedded = await startTestServer();
    dirs.push(embedded.dataDir);
    const p = await trainableProject(embedded, `name=moving&domainId=${COMPACT}`);
    const it = await json<{ id: string }>(embedded.train(`/projects/${p.id}/train`, { method: 'POST' }));
    await embedded.server.idle();
    await embedded.train(`/projects/${p.id}/iterations/${it.id}/publish?publishName=moved&predictionId=local`, {
      method: 'POST',
    });
    const probe = await jpeg(12, 12, [240, 30, 10]);
    const before = await snapshot(embedded, p.id);
    const predicted = await classify(embedded, p.id, probe);
    await embedded.train(`/projects/${p.id}/iterations/${it.id}/export?platform=TensorFlow`, { method: 'POST' });
    await embedded.server.idle();
    await embedded.stop({ keepData: true });

    const databaseUrl = await cluster.createDatabase();
    const env = {
      ...process.env,
      CVKIT_DATABASE_URL: databaseUrl,
      CVKIT_BLOB_CONNECTION_STRING: azurite.connectionString,
      CVKIT_BLOB_CONTAINER: 'moved',
    };
    const run = () =>
      promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', CLI, 'migrate-storage', '--from-data-dir', embedded.dataDir],
        {
          env,
        },
      );
    const { stdout } = await run();
    const report = JSON.parse(stdout) as { blobs: number; tables: Record<string, { source: number; target: number }> };
    // 10 images, a model, an evaluation, the prediction's image and the export's zip.
    expect(report.blobs).toBe(14);
    expect(report.tables.images).toEqual({ source: 10, target: 10 });
    expect(report.tables.image_tags).toEqual({ source: 10, target: 10 });
    expect(report.tables.predictions).toEqual({ source: 1, target: 1 });
    // Run again (after an interruption, say): nothing is doubled.
    const again = JSON.parse((await run()).stdout) as typeof report;
    expect(again.tables).toEqual(report.tables);

    const moved = await startTestServer({
      databaseUrl,
      blobConnectionString: azurite.connectionString,
      blobContainer: 'moved',
    });
    dirs.push(moved.dataDir);
    try {
      expect(await snapshot(moved, p.id)).toEqual(before);
      expect(await classify(moved, p.id, probe)).toEqual(predicted);
      const [exp] = await json<{ status: string; downloadUri: string }[]>(
        moved.train(`/projects/${p.id}/iterations/${it.id}/export`),
      );
      expect(exp!.status).toBe('Done');
      expect((await fetch(exp!.downloadUri)).status).toBe(200);
      const stored = await json<{ results: { id: string }[] }>(
        moved.train(`/projects/${p.id}/predictions/query`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }),
      );
      // The one made before the move, and the one just made.
      expect(stored.results).toHaveLength(2);
    } finally {
      await moved.stop();
    }
  });

  it('refuses a data directory whose tables the PostgreSQL schema lacks, before copying anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cvkit-migrate-'));
    dirs.push(dir);
    const embedded = await startTestServer({ dataDir: dir });
    await embedded.stop({ keepData: true });
    const db = new Database(join(dir, 'cvkit.db'));
    db.exec("CREATE TABLE blob_refs (hash TEXT PRIMARY KEY); INSERT INTO settings VALUES ('k', 'v')");
    db.close();
    const databaseUrl = await cluster.createDatabase();
    const target = {
      dataDir: dir,
      databaseUrl,
      blobUrl: undefined,
      blobConnectionString: azurite.connectionString,
      blobContainer: 'refused',
      modelCacheBytes: 0,
    };
    await expect(migrateStorage(dir, target)).rejects.toThrow(/lacks table blob_refs/);
    const check = new pg.Client(databaseUrl);
    await check.connect();
    expect((await check.query('SELECT COUNT(*)::int AS n FROM settings')).rows[0].n).toBe(0);
    await check.end();
    await expect(migrateStorage(dir, { ...target, databaseUrl: undefined })).rejects.toThrow(/CVKIT_DATABASE_URL/);
  });
});
