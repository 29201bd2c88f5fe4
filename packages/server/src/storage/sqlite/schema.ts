/**
 * SQLite schema, applied in order; `user_version` records how far a database got, so upgrades are additive.
 * Dates are stored as milliseconds since the epoch.
 */
export const migrations: string[] = [
  `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    settings TEXT NOT NULL,
    created INTEGER NOT NULL,
    last_modified INTEGER NOT NULL,
    status TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE tags (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    type TEXT NOT NULL,
    created INTEGER NOT NULL
  );
  CREATE INDEX tags_project ON tags(project_id);
  CREATE TABLE images (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    content_hash TEXT NOT NULL,
    format TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    created INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}'
  );
  CREATE INDEX images_project_created ON images(project_id, created, seq);
  CREATE UNIQUE INDEX images_project_hash ON images(project_id, content_hash);
  CREATE TABLE image_tags (
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    tag_id TEXT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    created INTEGER NOT NULL,
    PRIMARY KEY (image_id, tag_id)
  );
  CREATE INDEX image_tags_tag ON image_tags(tag_id);
  CREATE TABLE image_regions (
    id TEXT PRIMARY KEY,
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    tag_id TEXT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    left REAL NOT NULL, top REAL NOT NULL, width REAL NOT NULL, height REAL NOT NULL,
    created INTEGER NOT NULL
  );
  CREATE INDEX image_regions_image ON image_regions(image_id);
  -- The images an iteration was trained on (GetImages?iterationId=...).
  CREATE TABLE iteration_images (
    iteration_id TEXT NOT NULL,
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    PRIMARY KEY (iteration_id, image_id)
  );
  CREATE INDEX iteration_images_image ON iteration_images(image_id);
  `,
  `
  CREATE TABLE iterations (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    created INTEGER NOT NULL,
    status TEXT NOT NULL,
    publish_name TEXT,
    record TEXT NOT NULL
  );
  CREATE INDEX iterations_project ON iterations(project_id, created);
  CREATE TABLE predictions (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    iteration_id TEXT NOT NULL,
    created INTEGER NOT NULL,
    application TEXT,
    record TEXT NOT NULL
  );
  CREATE INDEX predictions_project_created ON predictions(project_id, created, id);
  CREATE TABLE features (
    backbone TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    views BLOB NOT NULL,
    PRIMARY KEY (backbone, content_hash)
  );
  `,
  `
  CREATE TABLE exports (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    iteration_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created INTEGER NOT NULL,
    record TEXT NOT NULL
  );
  CREATE INDEX exports_iteration ON exports(project_id, iteration_id, created);
  `,
  // Content-addressed blobs are shared by images (of any project) and stored predictions: deleting one frees the
  // blob only when no row refers to it any more, and these indexes make that count cheap.
  `
  ALTER TABLE predictions ADD COLUMN content_hash TEXT;
  UPDATE predictions SET content_hash = json_extract(record, '$.contentHash');
  CREATE INDEX predictions_content_hash ON predictions(content_hash);
  CREATE INDEX predictions_iteration ON predictions(project_id, iteration_id);
  CREATE INDEX images_content_hash ON images(content_hash);
  CREATE INDEX features_content_hash ON features(content_hash);
  `,
];
