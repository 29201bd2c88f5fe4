import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type DataDirLock, lockDataDir } from '../data-dir-lock.ts';
import { FsBlobStore } from '../fs-blob-store.ts';
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
import { blobsOfIteration, blobsOfProject, deleteByIds, SqliteContentReferences } from './content-references.ts';
import { migrations } from './schema.ts';

type Row = Record<string, unknown>;

/**
 * Opens (and migrates) the embedded store under `dataDir`: `cvkit.db` plus `blobs/`. The directory is locked for
 * this process until `close()` (see data-dir-lock.ts): a second server on it fails here with DataDirLockedError.
 */
export function openSqliteStorage(
  dataDir: string,
): Storage & { db: Database.Database; logDb: Database.Database; lock: DataDirLock; swept: number } {
  mkdirSync(dataDir, { recursive: true });
  const lock = lockDataDir(dataDir);
  let db: Database.Database;
  let logDb: Database.Database;
  try {
    db = reusingStatements(new Database(join(dataDir, 'cvkit.db')));
    db.pragma('journal_mode = WAL');
    // FULL: a power cut after a 200 must not lose the batch it acknowledged.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    logDb = openLogConnection(join(dataDir, 'cvkit.db'));
  } catch (e) {
    lock.release();
    throw e;
  }
  const blobs = new FsBlobStore(join(dataDir, 'blobs'));
  // Holding the lock, nothing else writes here: what a killed process left half-written can go.
  const swept = blobs.sweepTemporaryFiles();
  return {
    db,
    logDb,
    lock,
    swept,
    projects: new SqliteProjects(db),
    tags: new SqliteTags(db),
    images: new SqliteImages(db),
    iterations: new SqliteIterations(db),
    predictions: new SqlitePredictions(logDb),
    features: new SqliteFeatures(logDb),
    exports: new SqliteExports(db),
    references: new SqliteContentReferences(db),
    blobs,
    settings: {
      async get(key) {
        const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as Row | undefined;
        return row?.value as string | undefined;
      },
      async set(key, value) {
        db.prepare(
          'INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
        ).run(key, value);
      },
      async setIfAbsent(key, value) {
        db.prepare('INSERT OR IGNORE INTO settings(key, value) VALUES (?, ?)').run(key, value);
        return (db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as Row).value as string;
      },
    },
    async close() {
      logDb.close();
      db.close();
      lock.release();
    },
  };
}

/**
 * The connection with `prepare` remembering its statements by SQL text. The stores prepare their SQL where they run
 * it, and compiling it again on every call was 5 % of the event loop at 8 concurrent ClassifyImage clients
 * (--cpu-prof). Reuse is safe as long as a caller that sets a statement's mode sets it at every use (the one that
 * does, migrate-storage's `.raw()` reads, does) and no statement is run while another call iterates it (the stores
 * never iterate). The statements with generated IN lists are bounded by clearing the cache when it fills.
 */
function reusingStatements(db: Database.Database): Database.Database {
  const compile = db.prepare.bind(db);
  const statements = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      if (statements.size >= 512) statements.clear();
      statement = compile(sql);
      statements.set(sql, statement);
    }
    return statement;
  }) as typeof db.prepare;
  return db;
}

/**
 * A second connection for what can be recomputed or is a log: cached features and stored predictions. It commits
 * without a sync of its own (synchronous = NORMAL in WAL mode): a commit still reaches the operating system before
 * the caller is answered, so a killed or crashed server loses nothing, and the next sync of the main connection (or a
 * checkpoint) makes it durable; only a power cut or kernel crash can lose the last such commits, never an image,
 * tag, region, iteration or export. With a sync per commit, stored predictions at 8 concurrent ClassifyImage clients
 * held the event loop 25 % of the time (--cpu-prof: 1.85 s of 7.5 s in COMMIT), and a training's feature writes one
 * sync each (about 8 ms).
 */
function openLogConnection(file: string): Database.Database {
  const logDb = reusingStatements(new Database(file));
  try {
    logDb.pragma('synchronous = NORMAL');
    logDb.pragma('foreign_keys = ON');
    logDb.pragma('busy_timeout = 5000');
  } catch (e) {
    logDb.close();
    throw e;
  }
  return logDb;
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

class SqliteProjects implements ProjectStore {
  constructor(private readonly db: Database.Database) {}
  async list() {
    return (this.db.prepare('SELECT * FROM projects ORDER BY created, id').all() as Row[]).map(toProject);
  }
  async get(id: string) {
    const row = this.db.prepare('SELECT * FROM projects WHERE id = ?').get(id) as Row | undefined;
    return row ? toProject(row) : undefined;
  }
  async count() {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM projects').get() as Row).n as number;
  }
  async create(p: ProjectRecord) {
    this.db
      .prepare(
        'INSERT INTO projects(id, name, description, settings, created, last_modified, status, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(p.id, p.name, p.description, JSON.stringify(p.settings), +p.created, +p.lastModified, p.status, p.revision);
  }
  async update(p: ProjectRecord) {
    this.db
      .prepare(
        'UPDATE projects SET name = ?, description = ?, settings = ?, last_modified = ?, status = ?, revision = ? WHERE id = ?',
      )
      .run(p.name, p.description, JSON.stringify(p.settings), +p.lastModified, p.status, p.revision, p.id);
  }
  async delete(id: string) {
    return this.db.transaction(() => {
      const released = blobsOfProject(this.db, id);
      this.db.prepare('DELETE FROM projects WHERE id = ?').run(id);
      return released;
    })();
  }
}

class SqliteTags implements TagStore {
  constructor(private readonly db: Database.Database) {}
  async list(projectId: string) {
    return (
      this.db.prepare('SELECT * FROM tags WHERE project_id = ? ORDER BY created, id').all(projectId) as Row[]
    ).map(toTag);
  }
  async get(projectId: string, tagId: string) {
    const row = this.db.prepare('SELECT * FROM tags WHERE project_id = ? AND id = ?').get(projectId, tagId) as
      | Row
      | undefined;
    return row ? toTag(row) : undefined;
  }
  async create(t: TagRecord) {
    this.db
      .prepare('INSERT INTO tags(id, project_id, name, description, type, created) VALUES (?, ?, ?, ?, ?, ?)')
      .run(t.id, t.projectId, t.name, t.description, t.type, +t.created);
    bumpRevision(this.db, t.projectId);
  }
  async update(t: TagRecord) {
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE tags SET name = ?, description = ?, type = ? WHERE id = ? AND project_id = ?')
        .run(t.name, t.description, t.type, t.id, t.projectId);
      bumpRevision(this.db, t.projectId);
    })();
  }
  async delete(projectId: string, tagId: string) {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM tags WHERE project_id = ? AND id = ?').run(projectId, tagId);
      bumpRevision(this.db, projectId);
    })();
  }
  async imageCounts(projectId: string) {
    const rows = this.db
      .prepare(
        `SELECT t.id AS id, COUNT(l.image_id) AS n FROM tags t LEFT JOIN (${PROJECT_TAG_LINKS}) l ON l.tag_id = t.id
         WHERE t.project_id = ? GROUP BY t.id`,
      )
      .all(projectId, projectId, projectId) as Row[];
    return new Map(rows.map((r) => [r.id as string, r.n as number]));
  }
}

/**
 * An image's tags are those set on it and those of its regions: on Azure a region's tag tags its image, so counts,
 * filters, each image's `tags` and training sets (which read them) all count both. One project's links, once each.
 */
const PROJECT_TAG_LINKS = `SELECT it.image_id, it.tag_id FROM image_tags it JOIN tags a ON a.id = it.tag_id WHERE a.project_id = ?
  UNION SELECT ir.image_id, ir.tag_id FROM image_regions ir JOIN tags b ON b.id = ir.tag_id WHERE b.project_id = ?`;

function bumpRevision(db: Database.Database, projectId: string): void {
  db.prepare('UPDATE projects SET revision = revision + 1 WHERE id = ?').run(projectId);
}

class SqliteImages implements ImageStore {
  constructor(private readonly db: Database.Database) {}

  private where(projectId: string, q: Omit<ImageQuery, 'take' | 'skip' | 'orderBy'>): { sql: string; args: unknown[] } {
    const clauses = ['i.project_id = ?'];
    const args: unknown[] = [projectId];
    const status = q.taggingStatus ?? 'All';
    const tagged =
      '(EXISTS (SELECT 1 FROM image_tags it WHERE it.image_id = i.id) OR EXISTS (SELECT 1 FROM image_regions ir WHERE ir.image_id = i.id))';
    if (status === 'Tagged') clauses.push(tagged);
    if (status === 'Untagged') clauses.push(`NOT ${tagged}`);
    if (q.iterationId) {
      clauses.push('EXISTS (SELECT 1 FROM iteration_images ii WHERE ii.iteration_id = ? AND ii.image_id = i.id)');
      args.push(q.iterationId);
    }
    if (q.tagIds?.length) {
      const marks = q.tagIds.map(() => '?').join(',');
      clauses.push(
        `(EXISTS (SELECT 1 FROM image_tags it WHERE it.image_id = i.id AND it.tag_id IN (${marks})) OR EXISTS (SELECT 1 FROM image_regions ir WHERE ir.image_id = i.id AND ir.tag_id IN (${marks})))`,
      );
      args.push(...q.tagIds, ...q.tagIds);
    }
    return { sql: clauses.join(' AND '), args };
  }

  private hydrate(rows: Row[]): ImageRecord[] {
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id as string);
    const tags = new Map<string, ImageRecord['tags']>();
    const regions = new Map<string, RegionRecord[]>();
    for (const chunk of chunks(ids, 500)) {
      const marks = chunk.map(() => '?').join(',');
      for (const t of this.db
        .prepare(
          `SELECT image_id, tag_id, MIN(created) AS created FROM (SELECT image_id, tag_id, created FROM image_tags WHERE image_id IN (${marks}) UNION ALL SELECT image_id, tag_id, created FROM image_regions WHERE image_id IN (${marks})) GROUP BY image_id, tag_id ORDER BY created, tag_id`,
        )
        .all(...chunk, ...chunk) as Row[]) {
        const list = tags.get(t.image_id as string) ?? [];
        list.push({ tagId: t.tag_id as string, created: new Date(t.created as number) });
        tags.set(t.image_id as string, list);
      }
      for (const r of this.db
        .prepare(`SELECT * FROM image_regions WHERE image_id IN (${marks}) ORDER BY created, id`)
        .all(...chunk) as Row[]) {
        const list = regions.get(r.image_id as string) ?? [];
        list.push({
          id: r.id as string,
          imageId: r.image_id as string,
          tagId: r.tag_id as string,
          left: r.left as number,
          top: r.top as number,
          width: r.width as number,
          height: r.height as number,
          created: new Date(r.created as number),
        });
        regions.set(r.image_id as string, list);
      }
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
      const all = this.db.prepare(base).all(...args) as Row[];
      const matching = all.filter((r) => q.metadataFilter!(JSON.parse(r.metadata as string)));
      const skip = q.skip ?? 0;
      return this.hydrate(matching.slice(skip, q.take === undefined ? undefined : skip + q.take));
    }
    const rows = this.db.prepare(`${base} LIMIT ? OFFSET ?`).all(...args, q.take ?? -1, q.skip ?? 0) as Row[];
    return this.hydrate(rows);
  }

  async count(projectId: string, q: Omit<ImageQuery, 'take' | 'skip' | 'orderBy'>) {
    const { sql, args } = this.where(projectId, q);
    if (q.metadataFilter) {
      const rows = this.db.prepare(`SELECT i.metadata FROM images i WHERE ${sql}`).all(...args) as Row[];
      return rows.filter((r) => q.metadataFilter!(JSON.parse(r.metadata as string))).length;
    }
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM images i WHERE ${sql}`).get(...args) as Row).n as number;
  }

  async getMany(projectId: string, ids: string[]) {
    const out: Row[] = [];
    for (const chunk of chunks(ids, 500)) {
      out.push(
        ...(this.db
          .prepare(`SELECT * FROM images WHERE project_id = ? AND id IN (${chunk.map(() => '?').join(',')})`)
          .all(projectId, ...chunk) as Row[]),
      );
    }
    const byId = new Map(this.hydrate(out).map((i) => [i.id, i]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async findByHash(projectId: string, hashes: string[]) {
    const out = new Map<string, ImageRecord>();
    for (const chunk of chunks([...new Set(hashes)], 500)) {
      const rows = this.db
        .prepare(`SELECT * FROM images WHERE project_id = ? AND content_hash IN (${chunk.map(() => '?').join(',')})`)
        .all(projectId, ...chunk) as Row[];
      for (const img of this.hydrate(rows)) out.set(img.contentHash, img);
    }
    return out;
  }

  async countAll(projectId: string) {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM images WHERE project_id = ?').get(projectId) as Row).n as number;
  }

  async addBatch(projectId: string, images: NewImage[]) {
    const insImage = this.db.prepare(
      'INSERT INTO images(id, project_id, content_hash, format, width, height, created, seq, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const insTag = this.db.prepare('INSERT OR IGNORE INTO image_tags(image_id, tag_id, created) VALUES (?, ?, ?)');
    const insRegion = this.db.prepare(
      'INSERT INTO image_regions(id, image_id, tag_id, left, top, width, height, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const { record: r, tagIds, regions } of images) {
        insImage.run(
          r.id,
          projectId,
          r.contentHash,
          r.format,
          r.width,
          r.height,
          +r.created,
          r.seq,
          JSON.stringify(r.metadata),
        );
        for (const tagId of tagIds) insTag.run(r.id, tagId, +r.created);
        for (const g of regions) insRegion.run(g.id, r.id, g.tagId, g.left, g.top, g.width, g.height, +r.created);
      }
      bumpRevision(this.db, projectId);
    })();
  }

  async deleteMany(projectId: string, ids: string[]): Promise<ReleasedBlobs> {
    return this.db.transaction(() => {
      const contentHashes = deleteByIds(this.db, 'images', projectId, ids);
      bumpRevision(this.db, projectId);
      return { contentHashes, blobKeys: [] };
    })();
  }

  async deleteAll(projectId: string): Promise<ReleasedBlobs> {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare('DELETE FROM images WHERE project_id = ? RETURNING content_hash')
        .all(projectId) as Row[];
      bumpRevision(this.db, projectId);
      return { contentHashes: rows.map((r) => r.content_hash as string), blobKeys: [] };
    })();
  }

  async addTags(projectId: string, links: { imageId: string; tagId: string }[]) {
    const ins = this.db.prepare('INSERT OR IGNORE INTO image_tags(image_id, tag_id, created) VALUES (?, ?, ?)');
    const now = Date.now();
    return this.db.transaction(() => {
      const created = links.filter((l) => ins.run(l.imageId, l.tagId, now).changes > 0);
      if (created.length) bumpRevision(this.db, projectId);
      return created;
    })();
  }

  async removeTags(projectId: string, imageIds: string[], tagIds: string[]) {
    this.db.transaction(() => {
      const del = this.db.prepare(
        'DELETE FROM image_tags WHERE image_id = ? AND tag_id = ? AND image_id IN (SELECT id FROM images WHERE project_id = ?)',
      );
      for (const i of imageIds) for (const t of tagIds) del.run(i, t, projectId);
      bumpRevision(this.db, projectId);
    })();
  }

  async addRegions(projectId: string, regions: RegionRecord[]) {
    const ins = this.db.prepare(
      'INSERT INTO image_regions(id, image_id, tag_id, left, top, width, height, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const g of regions) ins.run(g.id, g.imageId, g.tagId, g.left, g.top, g.width, g.height, +g.created);
      bumpRevision(this.db, projectId);
    })();
  }

  async deleteRegions(projectId: string, regionIds: string[]) {
    return this.db.transaction(() => {
      let n = 0;
      const del = this.db.prepare(
        'DELETE FROM image_regions WHERE id = ? AND image_id IN (SELECT id FROM images WHERE project_id = ?)',
      );
      for (const id of regionIds) n += del.run(id, projectId).changes;
      bumpRevision(this.db, projectId);
      return n;
    })();
  }

  async setMetadata(projectId: string, updates: { imageId: string; metadata: Record<string, string> }[]) {
    const upd = this.db.prepare('UPDATE images SET metadata = ? WHERE project_id = ? AND id = ?');
    this.db.transaction(() => {
      for (const u of updates) upd.run(JSON.stringify(u.metadata), projectId, u.imageId);
    })();
  }
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

class SqliteIterations implements IterationStore {
  constructor(private readonly db: Database.Database) {}
  async list(projectId: string) {
    return (
      this.db.prepare('SELECT record FROM iterations WHERE project_id = ? ORDER BY created, id').all(projectId) as Row[]
    ).map(toIteration);
  }
  async get(projectId: string, iterationId: string) {
    const row = this.db
      .prepare('SELECT record FROM iterations WHERE project_id = ? AND id = ?')
      .get(projectId, iterationId) as Row | undefined;
    return row ? toIteration(row) : undefined;
  }
  async findPublished(projectId: string, publishName: string) {
    const row = this.db
      .prepare('SELECT record FROM iterations WHERE project_id = ? AND publish_name = ? COLLATE NOCASE')
      .get(projectId, publishName) as Row | undefined;
    return row ? toIteration(row) : undefined;
  }
  async create(it: IterationRecord, imageIds: string[]) {
    const ins = this.db.prepare('INSERT INTO iteration_images(iteration_id, image_id) VALUES (?, ?)');
    this.db.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO iterations(id, project_id, created, status, publish_name, record) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(it.id, it.projectId, +it.created, it.status, it.publishName, fromIteration(it));
      for (const id of imageIds) ins.run(it.id, id);
    })();
  }
  async update(it: IterationRecord) {
    this.db
      .prepare('UPDATE iterations SET status = ?, publish_name = ?, record = ? WHERE project_id = ? AND id = ?')
      .run(it.status, it.publishName, fromIteration(it), it.projectId, it.id);
  }
  async patch(projectId: string, iterationId: string, changes: Partial<IterationRecord>) {
    return this.db.transaction(() => {
      const row = this.db
        .prepare('SELECT record FROM iterations WHERE project_id = ? AND id = ?')
        .get(projectId, iterationId) as Row | undefined;
      if (!row) return undefined;
      const next = { ...toIteration(row), ...changes, id: iterationId, projectId };
      this.db
        .prepare('UPDATE iterations SET status = ?, publish_name = ?, record = ? WHERE project_id = ? AND id = ?')
        .run(next.status, next.publishName, fromIteration(next), projectId, iterationId);
      return next;
    })();
  }
  async delete(projectId: string, iterationId: string) {
    return this.db.transaction(() => {
      const released = blobsOfIteration(this.db, projectId, iterationId);
      this.db.prepare('DELETE FROM predictions WHERE project_id = ? AND iteration_id = ?').run(projectId, iterationId);
      this.db.prepare('DELETE FROM exports WHERE project_id = ? AND iteration_id = ?').run(projectId, iterationId);
      this.db.prepare('DELETE FROM iteration_images WHERE iteration_id = ?').run(iterationId);
      this.db.prepare('DELETE FROM iterations WHERE project_id = ? AND id = ?').run(projectId, iterationId);
      return released;
    })();
  }
  async listTraining() {
    return (this.db.prepare("SELECT record FROM iterations WHERE status = 'Training'").all() as Row[]).map(toIteration);
  }
}

/**
 * Stored predictions are committed in groups: every `add` made in the same turn of the event loop shares one
 * transaction, on the log connection (no sync per commit, see `openLogConnection`). Each caller resolves once its
 * row is committed.
 */
class SqlitePredictions implements PredictionStore {
  private waiting: { p: PredictionRecord; resolve: () => void; reject: (e: unknown) => void }[] = [];
  constructor(private readonly db: Database.Database) {}

  add(p: PredictionRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.waiting.push({ p, resolve, reject }) === 1) setImmediate(() => this.commitWaiting());
    });
  }

  private commitWaiting() {
    const group = this.waiting;
    this.waiting = [];
    let insert: Database.Statement;
    try {
      insert = this.db.prepare(
        'INSERT INTO predictions(id, project_id, iteration_id, created, application, content_hash, record) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
    } catch (e) {
      // The store was closed meanwhile: every caller gets the error, nothing is thrown from this timer.
      for (const g of group) g.reject(e);
      return;
    }
    const write = (p: PredictionRecord) => insert.run(...predictionColumns(p));
    try {
      this.db.transaction(() => {
        for (const { p } of group) write(p);
      })();
      for (const g of group) g.resolve();
    } catch {
      // One bad row must not fail the others: retry one by one, each with its own answer.
      for (const g of group) {
        try {
          write(g.p);
          g.resolve();
        } catch (e) {
          g.reject(e);
        }
      }
    }
  }
  async getMany(projectId: string, ids: string[]) {
    const out: PredictionRecord[] = [];
    for (const chunk of chunks(ids, 500))
      out.push(
        ...(
          this.db
            .prepare(
              `SELECT record FROM predictions WHERE project_id = ? AND id IN (${chunk.map(() => '?').join(',')})`,
            )
            .all(projectId, ...chunk) as Row[]
        ).map(toPrediction),
      );
    return out;
  }
  async query(projectId: string, q: PredictionQuery) {
    const clauses = ['project_id = ?'];
    const args: unknown[] = [projectId];
    if (q.iterationId) {
      clauses.push('iteration_id = ?');
      args.push(q.iterationId);
    }
    if (q.application) {
      clauses.push('application = ?');
      args.push(q.application);
    }
    if (q.startTime) {
      clauses.push('created >= ?');
      args.push(+q.startTime);
    }
    if (q.endTime) {
      clauses.push('created <= ?');
      args.push(+q.endTime);
    }
    const newest = q.orderBy !== 'Oldest';
    if (q.after) {
      clauses.push(newest ? '(created < ? OR (created = ? AND id < ?))' : '(created > ? OR (created = ? AND id > ?))');
      args.push(q.after.created, q.after.created, q.after.id);
    }
    const dir = newest ? 'DESC' : 'ASC';
    const rows = this.db
      .prepare(`SELECT record FROM predictions WHERE ${clauses.join(' AND ')} ORDER BY created ${dir}, id ${dir}`)
      .iterate(...args) as IterableIterator<Row>;
    const out: PredictionRecord[] = [];
    for (const row of rows) {
      const p = toPrediction(row);
      const ok = (q.tags ?? []).every((t) => {
        const prob = p.predictions.find((x) => x.tagId === t.id)?.probability ?? 0;
        return prob >= t.minThreshold && prob <= t.maxThreshold;
      });
      if (!ok) continue;
      out.push(p);
      if (out.length >= q.limit) break;
    }
    return out;
  }
  async delete(projectId: string, ids: string[]): Promise<ReleasedBlobs> {
    return this.db.transaction(() => ({
      contentHashes: deleteByIds(this.db, 'predictions', projectId, ids),
      blobKeys: [],
    }))();
  }
}

/** Views are stored as one blob: a uint32 count and length, then the float32 values. */
class SqliteFeatures implements FeatureStore {
  constructor(private readonly db: Database.Database) {}
  async getMany(backboneKey: string, hashes: string[]) {
    const out = new Map<string, Float32Array[]>();
    for (const chunk of chunks([...new Set(hashes)], 500)) {
      const rows = this.db
        .prepare(
          `SELECT content_hash, views FROM features WHERE backbone = ? AND content_hash IN (${chunk.map(() => '?').join(',')})`,
        )
        .all(backboneKey, ...chunk) as Row[];
      for (const r of rows) out.set(r.content_hash as string, decodeViews(r.views as Buffer));
    }
    return out;
  }
  async put(backboneKey: string, hash: string, views: Float32Array[]) {
    await this.putMany([{ backboneKey, hash, views }]);
  }
  async putMany(entries: readonly FeatureEntry[]) {
    const insert = this.db.prepare('INSERT OR REPLACE INTO features(backbone, content_hash, views) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const e of entries) insert.run(e.backboneKey, e.hash, encodeViews(e.views));
    })();
  }
  async deleteFor(hashes: string[]) {
    this.db.transaction(() => {
      for (const chunk of chunks([...new Set(hashes)], 500))
        this.db.prepare(`DELETE FROM features WHERE content_hash IN (${chunk.map(() => '?').join(',')})`).run(...chunk);
    })();
  }
}

class SqliteExports implements ExportStore {
  constructor(private readonly db: Database.Database) {}
  async list(projectId: string, iterationId: string) {
    return (
      this.db
        .prepare('SELECT record FROM exports WHERE project_id = ? AND iteration_id = ? ORDER BY created, id')
        .all(projectId, iterationId) as Row[]
    ).map(toExport);
  }
  async get(projectId: string, exportId: string) {
    const row = this.db
      .prepare('SELECT record FROM exports WHERE project_id = ? AND id = ?')
      .get(projectId, exportId) as Row | undefined;
    return row ? toExport(row) : undefined;
  }
  async put(e: ExportRecord) {
    this.db
      .prepare(
        'INSERT INTO exports(id, project_id, iteration_id, status, created, record) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET status = excluded.status, record = excluded.record',
      )
      .run(e.id, e.projectId, e.iterationId, e.status, +e.created, JSON.stringify({ ...e, created: +e.created }));
  }
  async listExporting() {
    return (this.db.prepare("SELECT record FROM exports WHERE status = 'Exporting'").all() as Row[]).map(toExport);
  }
}
