/**
 * PostgreSQL schema, applied in order; `cvkit_schema.version` records how far a database got, so upgrades are
 * additive. It mirrors the SQLite schema (storage/sqlite/schema.ts) table for table and column for column, so
 * `migrate-storage` can copy an embedded database row by row: a table added there needs its twin here.
 * Dates are milliseconds since the epoch (BIGINT), ids sort bytewise (COLLATE "C") as they do in SQLite.
 */
export const pgMigrations: string[] = [
  `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE projects (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    settings TEXT NOT NULL,
    created BIGINT NOT NULL,
    last_modified BIGINT NOT NULL,
    status TEXT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 0
  );
  CREATE TABLE tags (
    id TEXT COLLATE "C" PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    type TEXT NOT NULL,
    created BIGINT NOT NULL
  );
  CREATE INDEX tags_project ON tags(project_id);
  CREATE TABLE images (
    id TEXT COLLATE "C" PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    content_hash TEXT NOT NULL,
    format TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    created BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}'
  );
  CREATE INDEX images_project_created ON images(project_id, created, seq);
  CREATE UNIQUE INDEX images_project_hash ON images(project_id, content_hash);
  CREATE TABLE image_tags (
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    tag_id TEXT COLLATE "C" NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    created BIGINT NOT NULL,
    PRIMARY KEY (image_id, tag_id)
  );
  CREATE INDEX image_tags_tag ON image_tags(tag_id);
  CREATE TABLE image_regions (
    id TEXT COLLATE "C" PRIMARY KEY,
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    tag_id TEXT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    "left" DOUBLE PRECISION NOT NULL, top DOUBLE PRECISION NOT NULL,
    width DOUBLE PRECISION NOT NULL, height DOUBLE PRECISION NOT NULL,
    created BIGINT NOT NULL
  );
  CREATE INDEX image_regions_image ON image_regions(image_id);
  CREATE TABLE iteration_images (
    iteration_id TEXT NOT NULL,
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    PRIMARY KEY (iteration_id, image_id)
  );
  CREATE INDEX iteration_images_image ON iteration_images(image_id);
  CREATE TABLE iterations (
    id TEXT COLLATE "C" PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    created BIGINT NOT NULL,
    status TEXT NOT NULL,
    publish_name TEXT,
    record TEXT NOT NULL
  );
  CREATE INDEX iterations_project ON iterations(project_id, created);
  CREATE TABLE predictions (
    id TEXT COLLATE "C" PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    iteration_id TEXT NOT NULL,
    created BIGINT NOT NULL,
    application TEXT,
    record TEXT NOT NULL
  );
  CREATE INDEX predictions_project_created ON predictions(project_id, created, id);
  CREATE TABLE features (
    backbone TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    views BYTEA NOT NULL,
    PRIMARY KEY (backbone, content_hash)
  );
  CREATE TABLE exports (
    id TEXT COLLATE "C" PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    iteration_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created BIGINT NOT NULL,
    record TEXT NOT NULL
  );
  CREATE INDEX exports_iteration ON exports(project_id, iteration_id, created);
  -- The durable job queue (jobs/pg-job-queue.ts): training and exports, taken by whichever process runs workers.
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    payload JSONB NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    worker TEXT,
    lease_until TIMESTAMPTZ,
    created TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished TIMESTAMPTZ,
    error TEXT
  );
  CREATE INDEX jobs_claimable ON jobs(status, created) WHERE status IN ('queued', 'running');
  `,
  // Content-addressed blobs are shared by images (of any project) and stored predictions: deleting one frees the
  // blob only when no row refers to it any more (SQLite's migration 4).
  `
  ALTER TABLE predictions ADD COLUMN content_hash TEXT;
  UPDATE predictions SET content_hash = (record::jsonb)->>'contentHash';
  CREATE INDEX predictions_content_hash ON predictions(content_hash);
  CREATE INDEX predictions_iteration ON predictions(project_id, iteration_id);
  CREATE INDEX images_content_hash ON images(content_hash);
  CREATE INDEX features_content_hash ON features(content_hash);
  `,
];

/** Tables the schema keeps that have no SQLite twin (so migrate-storage does not look for one). */
export const pgOnlyTables = ['jobs', 'cvkit_schema'];
