import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configFromArgs, type ServerConfig } from '../config.ts';
import { openStorage } from './open-storage.ts';
import { pgOnlyTables } from './postgres/pg-schema.ts';
import { inTransaction, type PgStorage } from './postgres/pg-storage.ts';
import { openSqliteStorage } from './sqlite/sqlite-storage.ts';

/** Parents before children, so foreign keys hold row by row; tables added later follow in name order. */
const TABLE_ORDER = [
  'settings',
  'projects',
  'tags',
  'images',
  'image_tags',
  'image_regions',
  'iterations',
  'iteration_images',
  'predictions',
  'features',
  'exports',
];

export interface MigrationReport {
  blobs: number;
  /** Rows per table in the data directory, and how many of them the database holds afterwards. */
  tables: Record<string, { source: number; target: number }>;
}

/**
 * Copies an embedded installation (SQLite + blob files in `dataDir`) into the PostgreSQL database and blob store the
 * configuration names. Blobs go first, then every table in one transaction, so a failure leaves no record without
 * its bytes; rows already there are kept (settings are overwritten), so an interrupted run can simply be repeated.
 * The data directory is locked while it runs: stop the embedded server first.
 */
export async function migrateStorage(
  dataDir: string,
  config: Pick<
    ServerConfig,
    'dataDir' | 'databaseUrl' | 'blobUrl' | 'blobConnectionString' | 'blobContainer' | 'modelCacheBytes'
  >,
  onProgress: (message: string) => void = () => {},
): Promise<MigrationReport> {
  if (!config.databaseUrl) throw new Error('Set CVKIT_DATABASE_URL (or --database-url) to the target PostgreSQL.');
  if (!config.blobUrl && !config.blobConnectionString)
    throw new Error('Set CVKIT_BLOB_URL or CVKIT_BLOB_CONNECTION_STRING to the target Azure Blob Storage container.');
  const source = openSqliteStorage(dataDir);
  try {
    const target = (await openStorage(config)) as PgStorage;
    try {
      const report: MigrationReport = { blobs: 0, tables: {} };
      const tables = await tablesToCopy(source.db, target);

      const root = join(dataDir, 'blobs');
      for (const dir of safeReaddir(root)) {
        const keys = safeReaddir(join(root, dir)).filter((k) => !k.endsWith('.tmp'));
        for (let i = 0; i < keys.length; i += 8) {
          await Promise.all(
            keys.slice(i, i + 8).map(async (key) => target.blobs.put(key, await readFile(join(root, dir, key)))),
          );
        }
        report.blobs += keys.length;
        onProgress(`blobs: ${report.blobs}`);
      }

      await inTransaction(target.pool, async (c) => {
        for (const { table, columns } of tables) {
          const list = columns.map((col) => `"${col}"`).join(', ');
          const conflict =
            table === 'settings' ? 'ON CONFLICT (key) DO UPDATE SET value = excluded.value' : 'ON CONFLICT DO NOTHING';
          const rows = source.db.prepare(`SELECT ${list} FROM "${table}"`).raw().iterate() as IterableIterator<
            unknown[]
          >;
          let batch: unknown[][] = [];
          let copied = 0;
          const flush = async () => {
            if (!batch.length) return;
            const values = batch
              .map((_, r) => `(${columns.map((_c, k) => `$${r * columns.length + k + 1}`).join(', ')})`)
              .join(', ');
            await c.query(`INSERT INTO "${table}" (${list}) VALUES ${values} ${conflict}`, batch.flat());
            copied += batch.length;
            batch = [];
          };
          for (const row of rows) {
            batch.push(row);
            if (batch.length >= 200) await flush();
          }
          await flush();
          const { rows: n } = await c.query(`SELECT COUNT(*) AS n FROM "${table}"`);
          report.tables[table] = { source: copied, target: n[0].n as number };
          onProgress(`${table}: ${copied} rows`);
        }
      });
      return report;
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/** Every SQLite table must have a PostgreSQL twin with at least its columns, or nothing is copied. */
async function tablesToCopy(
  db: ReturnType<typeof openSqliteStorage>['db'],
  target: PgStorage,
): Promise<{ table: string; columns: string[] }[]> {
  const names = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as {
      name: string;
    }[]
  ).map((r) => r.name);
  const { rows } = await target.pool.query(
    'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()',
  );
  const pgColumns = new Map<string, Set<string>>();
  for (const r of rows) {
    if (pgOnlyTables.includes(r.table_name)) continue;
    pgColumns.set(r.table_name, (pgColumns.get(r.table_name) ?? new Set()).add(r.column_name));
  }
  const rank = (t: string) => (TABLE_ORDER.includes(t) ? TABLE_ORDER.indexOf(t) : TABLE_ORDER.length);
  const ordered = names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return ordered.map((table) => {
    const columns = (db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name);
    const twin = pgColumns.get(table);
    const missing = twin ? columns.filter((c) => !twin.has(c)) : columns;
    if (!twin || missing.length)
      throw new Error(
        `The PostgreSQL schema lacks ${twin ? `columns ${missing.join(', ')} of table ${table}` : `table ${table}`}: ` +
          'add it to storage/postgres/pg-schema.ts.',
      );
    return { table, columns };
  });
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** `cvkit-server migrate-storage --from-data-dir <dir>` with the target in the usual settings; returns the exit code. */
export async function migrateStorageCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let from: string | undefined;
  // Everything but --from-data-dir is the server's own settings (flags or environment): the target storage.
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--from-data-dir') from = argv[++i];
    else if (a.startsWith('--from-data-dir=')) from = a.slice('--from-data-dir='.length);
    else rest.push(a);
  }
  if (!from) {
    console.error(
      'usage: cvkit-server migrate-storage --from-data-dir <dir> [--database-url <url>] [--blob-url <url>]',
    );
    return 2;
  }
  try {
    const config = configFromArgs(rest, env);
    if ('help' in config) {
      console.log(config.help);
      return 0;
    }
    const report = await migrateStorage(from, config, (m) => console.error(m));
    console.log(JSON.stringify(report));
    const short = Object.entries(report.tables).filter(([, t]) => t.target < t.source);
    if (short.length) {
      console.error(`Rows missing after the copy: ${short.map(([t]) => t).join(', ')}`);
      return 1;
    }
    return 0;
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
}
