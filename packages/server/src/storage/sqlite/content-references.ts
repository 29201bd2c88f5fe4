import type Database from 'better-sqlite3';
import type { ContentReferenceStore, ReleasedBlobs } from '../types.ts';

type Row = Record<string, unknown>;

/** Counts, per content hash, the images and stored predictions that still refer to it (indexed by migration 4). */
export class SqliteContentReferences implements ContentReferenceStore {
  constructor(private readonly db: Database.Database) {}

  async usage(hashes: string[]) {
    const out = new Map<string, { images: number; predictions: number }>();
    const unique = [...new Set(hashes)];
    for (const h of unique) out.set(h, { images: 0, predictions: 0 });
    for (let i = 0; i < unique.length; i += 500) {
      const chunk = unique.slice(i, i + 500);
      const marks = chunk.map(() => '?').join(',');
      for (const [table, field] of [
        ['images', 'images'],
        ['predictions', 'predictions'],
      ] as const) {
        const rows = this.db
          .prepare(
            `SELECT content_hash, COUNT(*) AS n FROM ${table} WHERE content_hash IN (${marks}) GROUP BY content_hash`,
          )
          .all(...chunk) as Row[];
        for (const r of rows) out.get(r.content_hash as string)![field] = r.n as number;
      }
    }
    return out;
  }
}

/** What a project's rows refer to; read inside the transaction that deletes them. */
export function blobsOfProject(db: Database.Database, projectId: string): ReleasedBlobs {
  const hashes = db
    .prepare(
      'SELECT content_hash AS h FROM images WHERE project_id = ? UNION SELECT content_hash FROM predictions WHERE project_id = ?',
    )
    .all(projectId, projectId) as Row[];
  const keys = db
    .prepare(
      `SELECT json_extract(record, '$.modelKey') AS k FROM iterations WHERE project_id = ?
       UNION ALL SELECT json_extract(record, '$.evaluationKey') FROM iterations WHERE project_id = ?
       UNION ALL SELECT json_extract(record, '$.blobKey') FROM exports WHERE project_id = ?`,
    )
    .all(projectId, projectId, projectId) as Row[];
  return { contentHashes: present(hashes, 'h'), blobKeys: present(keys, 'k') };
}

/** What an iteration's rows (the iteration, its stored predictions and exports) refer to. */
export function blobsOfIteration(db: Database.Database, projectId: string, iterationId: string): ReleasedBlobs {
  const hashes = db
    .prepare('SELECT DISTINCT content_hash AS h FROM predictions WHERE project_id = ? AND iteration_id = ?')
    .all(projectId, iterationId) as Row[];
  const keys = db
    .prepare(
      `SELECT json_extract(record, '$.modelKey') AS k FROM iterations WHERE project_id = ? AND id = ?
       UNION ALL SELECT json_extract(record, '$.evaluationKey') FROM iterations WHERE project_id = ? AND id = ?
       UNION ALL SELECT json_extract(record, '$.blobKey') FROM exports WHERE project_id = ? AND iteration_id = ?`,
    )
    .all(projectId, iterationId, projectId, iterationId, projectId, iterationId) as Row[];
  return { contentHashes: present(hashes, 'h'), blobKeys: present(keys, 'k') };
}

/** Deletes a project's rows by id and answers the content hashes they held. */
export function deleteByIds(
  db: Database.Database,
  table: 'images' | 'predictions',
  projectId: string,
  ids: string[],
): string[] {
  const hashes: string[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = db
      .prepare(
        `DELETE FROM ${table} WHERE project_id = ? AND id IN (${chunk.map(() => '?').join(',')}) RETURNING content_hash AS h`,
      )
      .all(projectId, ...chunk) as Row[];
    hashes.push(...present(rows, 'h'));
  }
  return hashes;
}

function present(rows: Row[], field: string): string[] {
  return rows.flatMap((r) => (typeof r[field] === 'string' ? [r[field] as string] : []));
}
