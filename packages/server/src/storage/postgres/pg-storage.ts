import pg from 'pg';
import {
  decodeViews,
  encodeViews,
  fromIteration,
  predictionColumns,
  toExport,
  toIteration,
  toPrediction,
  toProject,
  toTag,
} from '../record-codec.ts';
import type {
  BlobStore,
  ContentReferenceStore,
  ExportRecord,
  ExportStore,
  FeatureEntry,
  FeatureStore,
  ImageQuery,
  ImageRecord,
  ImageStore,
  IterationRecord,
  IterationStore,
  NewImage,
  PredictionQuery,
  PredictionRecord,
  PredictionStore,
  ProjectRecord,
  ProjectStore,
  RegionRecord,
  ReleasedBlobs,
  Storage,
  TagRecord,
  TagStore,
} from '../types.ts';
import { pgMigrations } from './pg-schema.ts';

type Row = Record<string, unknown>;
type Queryable = pg.Pool | pg.PoolClient;

const INT8 = 20;
/** BIGINT columns hold milliseconds and counters, all far below 2^53: numbers, not the driver's strings. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 && format !== 'binary' ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as never,
};

export type PgStorage = Storage & { pool: pg.Pool };

/**
 * Metadata in PostgreSQL behind the same interfaces as the embedded SQLite store; blobs wherever `blobs` keeps them.
 * Every method that writes more than one row runs in one transaction, as its SQLite twin does, so several API and
 * worker processes can share the database.
 */
export async function openPgStorage(
  url: string,
  blobs: BlobStore & { close?(): Promise<void> },
  opts: { poolSize?: number } = {},
): Promise<PgStorage> {
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10, types });
  // An idle client losing its connection (database restart) must not crash the process: the pool replaces it.
  pool.on('error', () => {});
  try {
    await migratePg(pool);
  } catch (e) {
    await pool.end();
    throw e;
  }
  return {
    pool,
    projects: new PgProjects(pool),
    tags: new PgTags(pool),
    images: new PgImages(pool),
    iterations: new PgIterations(pool),
    predictions: new PgPredictions(pool),
    features: new PgFeatures(pool),
    exports: new PgExports(pool),
    references: new PgContentReferences(pool),
    blobs,
    settings: {
      async get(key) {
        const { rows } = await pool.query('SELECT value FROM settings WHERE key = $1', [key]);
        return rows[0]?.value as string | undefined;
      },
      async set(key, value) {
        await pool.query(
          'INSERT INTO settings(key, value) VALUES ($1, $2) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
          [key, value],
        );
      },
      async setIfAbsent(key, value) {
        await pool.query('INSERT INTO settings(key, value) VALUES ($1, $2) ON CONFLICT(key) DO NOTHING', [key, value]);
        return (await pool.query('SELECT value FROM settings WHERE key = $1', [key])).rows[0].value as string;
      },
    },
    async close() {
      await pool.end();
      await blobs.close?.();
    },
  };
}

/** Several processes may start at once: an advisory lock lets one migrate while the others wait. */
async function migratePg(pool: pg.Pool): Promise<void> {
  await inTransaction(pool, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock(727100)');
    await c.query('CREATE TABLE IF NOT EXISTS cvkit_schema (version INTEGER NOT NULL)');
    const { rows } = await c.query('SELECT version FROM cvkit_schema');
    if (!rows.length) await c.query('INSERT INTO cvkit_schema(version) VALUES (0)');
    const version = (rows[0]?.version as number | undefined) ?? 0;
    if (version > pgMigrations.length)
      throw new Error(`The database schema (version ${version}) is newer than this server knows; upgrade the server.`);
    for (let v = version; v < pgMigrations.length; v++) await c.query(pgMigrations[v]!);
    await c.query('UPDATE cvkit_schema SET version = $1', [pgMigrations.length]);
  });
}

export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

class PgProjects implements ProjectStore {
  constructor(private readonly db: pg.Pool) {}
  async list() {
    return (await this.db.query('SELECT * FROM projects ORDER BY created, id')).rows.map(toProject);
  }
  async get(id: string) {
    const { rows } = await this.db.query('SELECT * FROM projects WHERE id = $1', [id]);
    return rows[0] ? toProject(rows[0]) : undefined;
  }
  async count() {
    return (await this.db.query('SELECT COUNT(*) AS n FROM projects')).rows[0].n as number;
  }
  async create(p: ProjectRecord) {
    await this.db.query(
      'INSERT INTO projects(id, name, description, settings, created, last_modified, status, revision) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [p.id, p.name, p.description, JSON.stringify(p.settings), +p.created, +p.lastModified, p.status, p.revision],
    );
  }
  async update(p: ProjectRecord) {
    await this.db.query(
      'UPDATE projects SET name = $1, description = $2, settings = $3, last_modified = $4, status = $5, revision = $6 WHERE id = $7',
      [p.name, p.description, JSON.stringify(p.settings), +p.lastModified, p.status, p.revision, p.id],
    );
  }
  async delete(id: string): Promise<ReleasedBlobs> {
    return inTransaction(this.db, async (c) => {
      const released = await blobsReferenced(
        c,
        `SELECT content_hash AS h FROM images WHERE project_id = $1
         UNION SELECT content_hash FROM predictions WHERE project_id = $1`,
        `SELECT (record::jsonb)->>'modelKey' AS k FROM iterations WHERE project_id = $1
         UNION ALL SELECT (record::jsonb)->>'evaluationKey' FROM iterations WHERE project_id = $1
         UNION ALL SELECT (record::jsonb)->>'blobKey' FROM exports WHERE project_id = $1`,
        [id],
      );
      await c.query('DELETE FROM projects WHERE id = $1', [id]);
      return released;
    });
  }
}

/** What rows refer to (content hashes in column h, blob keys in column k); read inside the deleting transaction. */
async function blobsReferenced(
  db: Queryable,
  hashSql: string,
  keySql: string,
  args: unknown[],
): Promise<ReleasedBlobs> {
  const hashes = (await db.query(hashSql, args)).rows.map((r) => r.h);
  const keys = (await db.query(keySql, args)).rows.map((r) => r.k);
  const present = (xs: unknown[]) => xs.filter((x): x is string => typeof x === 'string');
  return { contentHashes: present(hashes), blobKeys: present(keys) };
}

/** Counts, per content hash, the images and stored predictions that still refer to it. */
class PgContentReferences implements ContentReferenceStore {
  constructor(private readonly db: pg.Pool) {}
  async usage(hashes: string[]) {
    const unique = [...new Set(hashes)];
    const out = new Map(unique.map((h) => [h, { images: 0, predictions: 0 }]));
    for (const table of ['images', 'predictions'] as const) {
      const { rows } = await this.db.query(
        `SELECT content_hash, COUNT(*)::int AS n FROM ${table} WHERE content_hash = ANY($1::text[]) GROUP BY content_hash`,
        [unique],
      );
      for (const r of rows) out.get(r.content_hash as string)![table] = r.n as number;
    }
    return out;
  }
}

async function bumpRevision(db: Queryable, projectId: string): Promise<void> {
  await db.query('UPDATE projects SET revision = revision + 1 WHERE id = $1', [projectId]);
}

/**
 * An image's tags are those set on it and those of its regions (on Azure a region's tag tags its image): counts,
 * filters, each image's `tags` and training sets count both. One project's links ($1), once each.
 */
const PROJECT_TAG_LINKS = `SELECT it.image_id, it.tag_id FROM image_tags it JOIN tags a ON a.id = it.tag_id WHERE a.project_id = $1
  UNION SELECT ir.image_id, ir.tag_id FROM image_regions ir JOIN tags b ON b.id = ir.tag_id WHERE b.project_id = $1`;

class PgTags implements TagStore {
  constructor(private readonly db: pg.Pool) {}
  async list(projectId: string) {
    return (await this.db.query('SELECT * FROM tags WHERE project_id = $1 ORDER BY created, id', [projectId])).rows.map(
      toTag,
    );
  }
  async get(projectId: string, tagId: string) {
    const { rows } = await this.db.query('SELECT * FROM tags WHERE project_id = $1 AND id = $2', [projectId, tagId]);
    return rows[0] ? toTag(rows[0]) : undefined;
  }
  async create(t: TagRecord) {
    await inTransaction(this.db, async (c) => {
      await c.query(
        'INSERT INTO tags(id, project_id, name, description, type, created) VALUES ($1, $2, $3, $4, $5, $6)',
        [t.id, t.projectId, t.name, t.description, t.type, +t.created],
      );
      await bumpRevision(c, t.projectId);
    });
  }
  async update(t: TagRecord) {
    await inTransaction(this.db, async (c) => {
      await c.query('UPDATE tags SET name = $1, description = $2, type = $3 WHERE id = $4 AND project_id = $5', [
        t.name,
        t.description,
        t.type,
        t.id,
        t.projectId,
      ]);
      await bumpRevision(c, t.projectId);
    });
  }
  async delete(projectId: string, tagId: string) {
    await inTransaction(this.db, async (c) => {
      await c.query('DELETE FROM tags WHERE project_id = $1 AND id = $2', [projectId, tagId]);
      await bumpRevision(c, projectId);
    });
  }
  async imageCounts(projectId: string) {
    const { rows } = await this.db.query(
      `SELECT t.id AS id, COUNT(l.image_id) AS n FROM tags t LEFT JOIN (${PROJECT_TAG_LINKS}) l ON l.tag_id = t.id
        WHERE t.project_id = $1 GROUP BY t.id`,
      [projectId],
    );
    return new Map(rows.map((r) => [r.id as string, r.n as number]));
  }
}

class PgImages implements ImageStore {
  constructor(private readonly db: pg.Pool) {}

  private where(projectId: string, q: Omit<ImageQuery, 'take' | 'skip' | 'orderBy'>): { sql: string; args: unknown[] } {
    const args: unknown[] = [projectId];
    const clauses = ['i.project_id = $1'];
    const status = q.taggingStatus ?? 'All';
    const tagged =
      '(EXISTS (SELECT 1 FROM image_tags it WHERE it.image_id = i.id) OR EXISTS (SELECT 1 FROM image_regions ir WHERE ir.image_id = i.id))';
    if (status === 'Tagged') clauses.push(tagged);
    if (status === 'Untagged') clauses.push(`NOT ${tagged}`);
    if (q.iterationId) {
      args.push(q.iterationId);
      clauses.push(
        `EXISTS (SELECT 1 FROM iteration_images ii WHERE ii.iteration_id = $${args.length} AND ii.image_id = i.id)`,
      );
    }
    if (q.tagIds?.length) {
      args.push(q.tagIds);
      const n = `$${args.length}::text[]`;
      clauses.push(
        `(EXISTS (SELECT 1 FROM image_tags it WHERE it.image_id = i.id AND it.tag_id = ANY(${n})) OR EXISTS (SELECT 1 FROM image_regions ir WHERE ir.image_id = i.id AND ir.tag_id = ANY(${n})))`,
      );
    }
    return { sql: clauses.join(' AND '), args };
  }

  private async hydrate(rows: Row[]): Promise<ImageRecord[]> {
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id as string);
    const tags = new Map<string, ImageRecord['tags']>();
    const regions = new Map<string, RegionRecord[]>();
    const links = await this.db.query(
      `SELECT image_id, tag_id, MIN(created) AS created FROM (
         SELECT image_id, tag_id, created FROM image_tags WHERE image_id = ANY($1::text[])
         UNION ALL SELECT image_id, tag_id, created FROM image_regions WHERE image_id = ANY($1::text[])
       ) l GROUP BY image_id, tag_id ORDER BY created, tag_id`,
      [ids],
    );
    for (const t of links.rows) {
      const list = tags.get(t.image_id) ?? [];
      list.push({ tagId: t.tag_id, created: new Date(t.created) });
      tags.set(t.image_id, list);
    }
    const boxes = await this.db.query(
      'SELECT * FROM image_regions WHERE image_id = ANY($1::text[]) ORDER BY created, id',
      [ids],
    );
    for (const r of boxes.rows) {
      const list = regions.get(r.image_id) ?? [];
      list.push({
        id: r.id,
        imageId: r.image_id,
        tagId: r.tag_id,
        left: r.left,
        top: r.top,
        width: r.width,
        height: r.height,
        created: new Date(r.created),
      });
      regions.set(r.image_id, list);
    }
    return rows.map((r) => ({
      id: r.id as string,
      projectId: r.project_id as string,
      contentHash: r.content_hash as string,
      format: r.format as ImageRecord['format'],
      width: r.width as number,
      height: r.height as number,
      created: new Date(r.created as number),
      seq: r.seq as number,
      metadata: JSON.parse(r.metadata as string),
      tags: tags.get(r.id as string) ?? [],
      regions: regions.get(r.id as string) ?? [],
    }));
  }

  async query(projectId: string, q: ImageQuery) {
    const { sql, args } = this.where(projectId, q);
    const order = q.orderBy === 'Oldest' ? 'ASC' : 'DESC';
    const base = `SELECT i.* FROM images i WHERE ${sql} ORDER BY i.created ${order}, i.seq ${order}`;
    if (q.metadataFilter) {
      // The filter is an expression over JSON metadata, evaluated here rather than translated to SQL.
      const all = (await this.db.query(base, args)).rows;
      const matching = all.filter((r) => q.metadataFilter!(JSON.parse(r.metadata as string)));
      const skip = q.skip ?? 0;
      return this.hydrate(matching.slice(skip, q.take === undefined ? undefined : skip + q.take));
    }
    const n = args.length;
    const { rows } = await this.db.query(`${base} LIMIT $${n + 1} OFFSET $${n + 2}`, [
      ...args,
      q.take ?? null,
      q.skip ?? 0,
    ]);
    return this.hydrate(rows);
  }

  async count(projectId: string, q: Omit<ImageQuery, 'take' | 'skip' | 'orderBy'>) {
    const { sql, args } = this.where(projectId, q);
    if (q.metadataFilter) {
      const { rows } = await this.db.query(`SELECT i.metadata FROM images i WHERE ${sql}`, args);
      return rows.filter((r) => q.metadataFilter!(JSON.parse(r.metadata as string))).length;
    }
    return (await this.db.query(`SELECT COUNT(*) AS n FROM images i WHERE ${sql}`, args)).rows[0].n as number;
  }

  async getMany(projectId: string, ids: string[]) {
    const { rows } = await this.db.query('SELECT * FROM images WHERE project_id = $1 AND id = ANY($2::text[])', [
      projectId,
      ids,
    ]);
    const byId = new Map((await this.hydrate(rows)).map((i) => [i.id, i]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async findByHash(projectId: string, hashes: string[]) {
    const { rows } = await this.db.query(
      'SELECT * FROM images WHERE project_id = $1 AND content_hash = ANY($2::text[])',
      [projectId, [...new Set(hashes)]],
    );
    return new Map((await this.hydrate(rows)).map((img) => [img.contentHash, img]));
  }

  async countAll(projectId: string) {
    return (await this.db.query('SELECT COUNT(*) AS n FROM images WHERE project_id = $1', [projectId])).rows[0]
      .n as number;
  }

  async addBatch(projectId: string, images: NewImage[]) {
    await inTransaction(this.db, async (c) => {
      for (const { record: r, tagIds, regions } of images) {
        await c.query(
          'INSERT INTO images(id, project_id, content_hash, format, width, height, created, seq, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
          [r.id, projectId, r.contentHash, r.format, r.width, r.height, +r.created, r.seq, JSON.stringify(r.metadata)],
        );
        for (const tagId of tagIds)
          await c.query(
            'INSERT INTO image_tags(image_id, tag_id, created) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
            [r.id, tagId, +r.created],
          );
        for (const g of regions)
          await c.query(
            'INSERT INTO image_regions(id, image_id, tag_id, "left", top, width, height, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
            [g.id, r.id, g.tagId, g.left, g.top, g.width, g.height, +r.created],
          );
      }
      await bumpRevision(c, projectId);
    });
  }

  async deleteMany(projectId: string, ids: string[]): Promise<ReleasedBlobs> {
    return inTransaction(this.db, async (c) => {
      const { rows } = await c.query(
        'DELETE FROM images WHERE project_id = $1 AND id = ANY($2::text[]) RETURNING content_hash',
        [projectId, ids],
      );
      await bumpRevision(c, projectId);
      return { contentHashes: rows.map((r) => r.content_hash as string), blobKeys: [] };
    });
  }

  async deleteAll(projectId: string): Promise<ReleasedBlobs> {
    return inTransaction(this.db, async (c) => {
      const { rows } = await c.query('DELETE FROM images WHERE project_id = $1 RETURNING content_hash', [projectId]);
      await bumpRevision(c, projectId);
      return { contentHashes: rows.map((r) => r.content_hash as string), blobKeys: [] };
    });
  }

  async addTags(projectId: string, links: { imageId: string; tagId: string }[]) {
    const now = Date.now();
    return inTransaction(this.db, async (c) => {
      const created: { imageId: string; tagId: string }[] = [];
      for (const l of links) {
        const res = await c.query(
          'INSERT INTO image_tags(image_id, tag_id, created) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
          [l.imageId, l.tagId, now],
        );
        if (res.rowCount) created.push(l);
      }
      if (created.length) await bumpRevision(c, projectId);
      return created;
    });
  }

  async removeTags(projectId: string, imageIds: string[], tagIds: string[]) {
    await inTransaction(this.db, async (c) => {
      await c.query(
        'DELETE FROM image_tags WHERE image_id = ANY($1::text[]) AND tag_id = ANY($2::text[]) AND image_id IN (SELECT id FROM images WHERE project_id = $3)',
        [imageIds, tagIds, projectId],
      );
      await bumpRevision(c, projectId);
    });
  }

  async addRegions(projectId: string, regions: RegionRecord[]) {
    await inTransaction(this.db, async (c) => {
      for (const g of regions)
        await c.query(
          'INSERT INTO image_regions(id, image_id, tag_id, "left", top, width, height, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
          [g.id, g.imageId, g.tagId, g.left, g.top, g.width, g.height, +g.created],
        );
      await bumpRevision(c, projectId);
    });
  }

  async deleteRegions(projectId: string, regionIds: string[]) {
    return inTransaction(this.db, async (c) => {
      const res = await c.query(
        'DELETE FROM image_regions WHERE id = ANY($1::text[]) AND image_id IN (SELECT id FROM images WHERE project_id = $2)',
        [regionIds, projectId],
      );
      await bumpRevision(c, projectId);
      return res.rowCount ?? 0;
    });
  }

  async setMetadata(projectId: string, updates: { imageId: string; metadata: Record<string, string> }[]) {
    await inTransaction(this.db, async (c) => {
      for (const u of updates)
        await c.query('UPDATE images SET metadata = $1 WHERE project_id = $2 AND id = $3', [
          JSON.stringify(u.metadata),
          projectId,
          u.imageId,
        ]);
    });
  }
}

class PgIterations implements IterationStore {
  constructor(private readonly db: pg.Pool) {}
  async list(projectId: string) {
    const { rows } = await this.db.query('SELECT record FROM iterations WHERE project_id = $1 ORDER BY created, id', [
      projectId,
    ]);
    return rows.map(toIteration);
  }
  async get(projectId: string, iterationId: string) {
    const { rows } = await this.db.query('SELECT record FROM iterations WHERE project_id = $1 AND id = $2', [
      projectId,
      iterationId,
    ]);
    return rows[0] ? toIteration(rows[0]) : undefined;
  }
  async findPublished(projectId: string, publishName: string) {
    // SQLite compares with COLLATE NOCASE, which folds ASCII letters only.
    const { rows } = await this.db.query(
      `SELECT record FROM iterations WHERE project_id = $1
         AND translate(publish_name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
           = translate($2, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
         LIMIT 1`,
      [projectId, publishName],
    );
    return rows[0] ? toIteration(rows[0]) : undefined;
  }
  async create(it: IterationRecord, imageIds: string[]) {
    await inTransaction(this.db, async (c) => {
      await c.query(
        'INSERT INTO iterations(id, project_id, created, status, publish_name, record) VALUES ($1, $2, $3, $4, $5, $6)',
        [it.id, it.projectId, +it.created, it.status, it.publishName, fromIteration(it)],
      );
      if (imageIds.length)
        await c.query(
          'INSERT INTO iteration_images(iteration_id, image_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING',
          [it.id, imageIds],
        );
    });
  }
  async update(it: IterationRecord) {
    await this.db.query(
      'UPDATE iterations SET status = $1, publish_name = $2, record = $3 WHERE project_id = $4 AND id = $5',
      [it.status, it.publishName, fromIteration(it), it.projectId, it.id],
    );
  }
  async patch(projectId: string, iterationId: string, changes: Partial<IterationRecord>) {
    return inTransaction(this.db, async (c) => {
      const { rows } = await c.query('SELECT record FROM iterations WHERE project_id = $1 AND id = $2 FOR UPDATE', [
        projectId,
        iterationId,
      ]);
      if (!rows[0]) return undefined;
      const next: IterationRecord = { ...toIteration(rows[0]), ...changes, id: iterationId, projectId };
      await c.query(
        'UPDATE iterations SET status = $1, publish_name = $2, record = $3 WHERE project_id = $4 AND id = $5',
        [next.status, next.publishName, fromIteration(next), projectId, iterationId],
      );
      return next;
    });
  }
  async delete(projectId: string, iterationId: string): Promise<ReleasedBlobs> {
    return inTransaction(this.db, async (c) => {
      const released = await blobsReferenced(
        c,
        'SELECT DISTINCT content_hash AS h FROM predictions WHERE project_id = $1 AND iteration_id = $2',
        `SELECT (record::jsonb)->>'modelKey' AS k FROM iterations WHERE project_id = $1 AND id = $2
         UNION ALL SELECT (record::jsonb)->>'evaluationKey' FROM iterations WHERE project_id = $1 AND id = $2
         UNION ALL SELECT (record::jsonb)->>'blobKey' FROM exports WHERE project_id = $1 AND iteration_id = $2`,
        [projectId, iterationId],
      );
      await c.query('DELETE FROM predictions WHERE project_id = $1 AND iteration_id = $2', [projectId, iterationId]);
      await c.query('DELETE FROM exports WHERE project_id = $1 AND iteration_id = $2', [projectId, iterationId]);
      await c.query('DELETE FROM iteration_images WHERE iteration_id = $1', [iterationId]);
      await c.query('DELETE FROM iterations WHERE project_id = $1 AND id = $2', [projectId, iterationId]);
      return released;
    });
  }
  async listTraining() {
    return (await this.db.query("SELECT record FROM iterations WHERE status = 'Training'")).rows.map(toIteration);
  }
}

class PgPredictions implements PredictionStore {
  constructor(private readonly db: pg.Pool) {}
  async add(p: PredictionRecord) {
    await this.db.query(
      'INSERT INTO predictions(id, project_id, iteration_id, created, application, content_hash, record) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      predictionColumns(p),
    );
  }
  async getMany(projectId: string, ids: string[]) {
    const { rows } = await this.db.query(
      'SELECT record FROM predictions WHERE project_id = $1 AND id = ANY($2::text[])',
      [projectId, ids],
    );
    return rows.map(toPrediction);
  }
  async query(projectId: string, q: PredictionQuery) {
    const newest = q.orderBy !== 'Oldest';
    const dir = newest ? 'DESC' : 'ASC';
    const out: PredictionRecord[] = [];
    let after = q.after;
    // Tag filters apply to the decoded records, so read pages in order until enough match.
    const page = Math.max(100, q.limit);
    for (;;) {
      const args: unknown[] = [projectId];
      const clauses = ['project_id = $1'];
      const add = (sql: (n: string) => string, value: unknown) => {
        args.push(value);
        clauses.push(sql(`$${args.length}`));
      };
      if (q.iterationId) add((n) => `iteration_id = ${n}`, q.iterationId);
      if (q.application) add((n) => `application = ${n}`, q.application);
      if (q.startTime) add((n) => `created >= ${n}`, +q.startTime);
      if (q.endTime) add((n) => `created <= ${n}`, +q.endTime);
      if (after) {
        args.push(after.created, after.id);
        const [c, i] = [`$${args.length - 1}`, `$${args.length}`];
        clauses.push(newest ? `(created, id) < (${c}, ${i})` : `(created, id) > (${c}, ${i})`);
      }
      args.push(page);
      const { rows } = await this.db.query(
        `SELECT created, id, record FROM predictions WHERE ${clauses.join(' AND ')} ORDER BY created ${dir}, id ${dir} LIMIT $${args.length}`,
        args,
      );
      for (const row of rows) {
        const p = toPrediction(row);
        const ok = (q.tags ?? []).every((t) => {
          const prob = p.predictions.find((x) => x.tagId === t.id)?.probability ?? 0;
          return prob >= t.minThreshold && prob <= t.maxThreshold;
        });
        if (ok) out.push(p);
        if (out.length >= q.limit) return out;
      }
      if (rows.length < page) return out;
      const last = rows.at(-1)!;
      after = { created: last.created as number, id: last.id as string };
    }
  }
  async delete(projectId: string, ids: string[]): Promise<ReleasedBlobs> {
    const { rows } = await this.db.query(
      'DELETE FROM predictions WHERE project_id = $1 AND id = ANY($2::text[]) RETURNING content_hash',
      [projectId, ids],
    );
    return { contentHashes: rows.flatMap((r) => (r.content_hash ? [r.content_hash as string] : [])), blobKeys: [] };
  }
}

/**
 * Image embeddings live in the shared database, not on each node: a retraining taken by another worker reuses
 * what the first one embedded instead of running the backbone over every image again.
 */
class PgFeatures implements FeatureStore {
  constructor(private readonly db: pg.Pool) {}
  async deleteFor(hashes: string[]) {
    await this.db.query('DELETE FROM features WHERE content_hash = ANY($1::text[])', [[...new Set(hashes)]]);
  }
  async getMany(backboneKey: string, hashes: string[]) {
    const { rows } = await this.db.query(
      'SELECT content_hash, views FROM features WHERE backbone = $1 AND content_hash = ANY($2::text[])',
      [backboneKey, [...new Set(hashes)]],
    );
    return new Map(rows.map((r) => [r.content_hash as string, decodeViews(r.views as Buffer)]));
  }
  async put(backboneKey: string, hash: string, views: Float32Array[]) {
    await this.putMany([{ backboneKey, hash, views }]);
  }
  async putMany(entries: readonly FeatureEntry[]) {
    await inTransaction(this.db, async (c) => {
      for (const e of entries) {
        await c.query(
          'INSERT INTO features(backbone, content_hash, views) VALUES ($1, $2, $3) ON CONFLICT (backbone, content_hash) DO UPDATE SET views = excluded.views',
          [e.backboneKey, e.hash, encodeViews(e.views)],
        );
      }
    });
  }
}

class PgExports implements ExportStore {
  constructor(private readonly db: pg.Pool) {}
  async list(projectId: string, iterationId: string) {
    const { rows } = await this.db.query(
      'SELECT record FROM exports WHERE project_id = $1 AND iteration_id = $2 ORDER BY created, id',
      [projectId, iterationId],
    );
    return rows.map(toExport);
  }
  async get(projectId: string, exportId: string) {
    const { rows } = await this.db.query('SELECT record FROM exports WHERE project_id = $1 AND id = $2', [
      projectId,
      exportId,
    ]);
    return rows[0] ? toExport(rows[0]) : undefined;
  }
  async put(e: ExportRecord) {
    await this.db.query(
      'INSERT INTO exports(id, project_id, iteration_id, status, created, record) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT(id) DO UPDATE SET status = excluded.status, record = excluded.record',
      [e.id, e.projectId, e.iterationId, e.status, +e.created, JSON.stringify({ ...e, created: +e.created })],
    );
  }
  async listExporting() {
    return (await this.db.query("SELECT record FROM exports WHERE status = 'Exporting'")).rows.map(toExport);
  }
}
