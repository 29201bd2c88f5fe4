/**
 * What the server keeps, independent of where. The embedded default is SQLite + files on disk
 * (storage/sqlite, storage/fs-blob-store.ts); a scale-out backend implements the same interfaces.
 *
 * Methods are coarse and atomic: each call that writes is one transaction, so a failure leaves nothing half-written.
 * Domain code prepares everything first (decoding, hashing, blob writes) and then commits with one call.
 */

export type TagType = 'Regular' | 'Negative' | 'GeneralProduct';
export type ClassificationType = 'Multiclass' | 'Multilabel';

export interface ProjectSettingsRecord {
  domainId: string;
  classificationType: ClassificationType | null;
  targetExportPlatforms: string[];
  useNegativeSet: boolean;
  detectionParameters: string | null;
  augmentationMethods: Record<string, boolean>;
}

export interface ProjectRecord {
  id: string;
  name: string;
  description: string;
  settings: ProjectSettingsRecord;
  created: Date;
  lastModified: Date;
  status: 'Succeeded' | 'Importing' | 'Failed';
  /** Bumped by every change to images, tags or regions: training compares it with an iteration's snapshot. */
  revision: number;
}

export interface TagRecord {
  id: string;
  projectId: string;
  name: string;
  description: string | null;
  type: TagType;
  created: Date;
}

export interface RegionRecord {
  id: string;
  imageId: string;
  tagId: string;
  left: number;
  top: number;
  width: number;
  height: number;
  created: Date;
}

export interface ImageRecord {
  id: string;
  projectId: string;
  /** sha256 of the uploaded bytes: the blob's address and the duplicate detector. */
  contentHash: string;
  format: 'jpeg' | 'png' | 'bmp' | 'gif';
  /** Size after EXIF orientation is applied, as Azure reports it. */
  width: number;
  height: number;
  created: Date;
  /** Orders images created in the same millisecond. */
  seq: number;
  metadata: Record<string, string>;
  tags: { tagId: string; created: Date }[];
  regions: RegionRecord[];
}

export interface ImageQuery {
  taggingStatus?: 'All' | 'Tagged' | 'Untagged';
  /** Images carrying any of these tags. */
  tagIds?: string[];
  /** Restrict to the images an iteration was trained on. */
  iterationId?: string;
  orderBy?: 'Newest' | 'Oldest';
  take?: number;
  skip?: number;
  /** Applied in the domain layer after loading; stores may ignore it. */
  metadataFilter?: (metadata: Record<string, string>) => boolean;
}

export interface NewImage {
  record: Omit<ImageRecord, 'tags' | 'regions'>;
  tagIds: string[];
  regions: Omit<RegionRecord, 'imageId' | 'created'>[];
}

export interface ProjectStore {
  list(): Promise<ProjectRecord[]>;
  get(id: string): Promise<ProjectRecord | undefined>;
  count(): Promise<number>;
  create(p: ProjectRecord): Promise<void>;
  update(p: ProjectRecord): Promise<void>;
  /** Removes the project and everything it owns; answers which blobs its rows referred to. */
  delete(id: string): Promise<ReleasedBlobs>;
}

export interface TagStore {
  list(projectId: string): Promise<TagRecord[]>;
  get(projectId: string, tagId: string): Promise<TagRecord | undefined>;
  create(t: TagRecord): Promise<void>;
  update(t: TagRecord): Promise<void>;
  /** Removes the tag from every image too. */
  delete(projectId: string, tagId: string): Promise<void>;
  /** Number of images per tag id (workspace). */
  imageCounts(projectId: string): Promise<Map<string, number>>;
}

export interface ImageStore {
  query(projectId: string, q: ImageQuery): Promise<ImageRecord[]>;
  count(projectId: string, q: Omit<ImageQuery, 'take' | 'skip' | 'orderBy'>): Promise<number>;
  getMany(projectId: string, ids: string[]): Promise<ImageRecord[]>;
  findByHash(projectId: string, hashes: string[]): Promise<Map<string, ImageRecord>>;
  countAll(projectId: string): Promise<number>;
  /** Inserts images with their tags and regions in one transaction. */
  addBatch(projectId: string, images: NewImage[]): Promise<void>;
  deleteMany(projectId: string, ids: string[]): Promise<ReleasedBlobs>;
  deleteAll(projectId: string): Promise<ReleasedBlobs>;
  /** Adds tag links; returns the links that were new. */
  addTags(
    projectId: string,
    links: { imageId: string; tagId: string }[],
  ): Promise<{ imageId: string; tagId: string }[]>;
  removeTags(projectId: string, imageIds: string[], tagIds: string[]): Promise<void>;
  addRegions(projectId: string, regions: RegionRecord[]): Promise<void>;
  deleteRegions(projectId: string, regionIds: string[]): Promise<number>;
  setMetadata(projectId: string, updates: { imageId: string; metadata: Record<string, string> }[]): Promise<void>;
}

export type IterationStatus = 'Training' | 'Completed' | 'Failed';

export interface IterationRecord {
  id: string;
  projectId: string;
  name: string;
  status: IterationStatus;
  created: Date;
  lastModified: Date;
  trainedAt: Date | null;
  trainingType: 'Regular' | 'Advanced';
  reservedBudgetInHours: number;
  trainingTimeInMinutes: number;
  publishName: string | null;
  originalPublishResourceId: string | null;
  /** Settings frozen at training time (null while training, as Azure reports them). */
  domainId: string | null;
  classificationType: ClassificationType | null;
  exportable: boolean;
  exportableTo: string[] | null;
  trainingErrorDetails: string | null;
  /** The project revision the iteration was trained from: TrainProject compares it to decide "nothing changed". */
  projectRevision: number;
  /** Tags the iteration was trained on, with their names and types at training time. */
  tags: { id: string; name: string; type: TagType }[];
  /** Blob key of the trained model and of its evaluation; null until Completed. */
  modelKey: string | null;
  evaluationKey: string | null;
  /** 0..1 while training. */
  progress: number;
}

export interface IterationStore {
  list(projectId: string): Promise<IterationRecord[]>;
  get(projectId: string, iterationId: string): Promise<IterationRecord | undefined>;
  findPublished(projectId: string, publishName: string): Promise<IterationRecord | undefined>;
  /** Creates the iteration and records which images it trains on, in one transaction. */
  create(it: IterationRecord, imageIds: string[]): Promise<void>;
  /** Replaces the whole record: a write based on an older read undoes other writers' changes; prefer `patch`. */
  update(it: IterationRecord): Promise<void>;
  /**
   * Changes only the given fields, reading and writing in one transaction, so writers of different fields (a
   * rename, training progress) never undo each other. Answers the iteration as stored, or undefined when it is gone.
   */
  patch(
    projectId: string,
    iterationId: string,
    changes: Partial<Omit<IterationRecord, 'id' | 'projectId'>>,
  ): Promise<IterationRecord | undefined>;
  /** Removes the iteration with its stored predictions and exports; answers which blobs they referred to. */
  delete(projectId: string, iterationId: string): Promise<ReleasedBlobs>;
  /** Every iteration left in Training by a previous process (they cannot still be running). */
  listTraining(): Promise<IterationRecord[]>;
}

export interface PredictionRecord {
  id: string;
  projectId: string;
  iterationId: string;
  created: Date;
  contentHash: string;
  width: number;
  height: number;
  application: string | null;
  /** Sorted by probability, highest first. Detection's carry their box (normalised to the image). */
  predictions: {
    tagId: string;
    tagName: string;
    tagType: TagType;
    probability: number;
    boundingBox?: { left: number; top: number; width: number; height: number };
  }[];
}

export interface PredictionQuery {
  iterationId?: string | undefined;
  application?: string | undefined;
  startTime?: Date | undefined;
  endTime?: Date | undefined;
  orderBy: 'Newest' | 'Oldest';
  /** Tag filters: a prediction matches when, for every filter, its probability for the tag is within bounds. */
  tags?: { id: string; minThreshold: number; maxThreshold: number }[] | undefined;
  /** Position after which to continue (opaque to clients). */
  after?: { created: number; id: string } | undefined;
  limit: number;
}

export interface PredictionStore {
  add(p: PredictionRecord): Promise<void>;
  getMany(projectId: string, ids: string[]): Promise<PredictionRecord[]>;
  query(projectId: string, q: PredictionQuery): Promise<PredictionRecord[]>;
  delete(projectId: string, ids: string[]): Promise<ReleasedBlobs>;
}

export interface ExportRecord {
  id: string;
  projectId: string;
  iterationId: string;
  platform: string;
  flavor: string | null;
  status: 'Exporting' | 'Done' | 'Failed';
  created: Date;
  /** Blob key of the zip once Done. */
  blobKey: string | null;
  error: string | null;
}

export interface ExportStore {
  list(projectId: string, iterationId: string): Promise<ExportRecord[]>;
  get(projectId: string, exportId: string): Promise<ExportRecord | undefined>;
  put(e: ExportRecord): Promise<void>;
  /** Exports a previous process left in Exporting. */
  listExporting(): Promise<ExportRecord[]>;
}

/** Image embeddings, computed once per (image bytes, backbone) and reused by every retraining. */
export interface FeatureEntry {
  backboneKey: string;
  hash: string;
  views: Float32Array[];
}

export interface FeatureStore {
  getMany(backboneKey: string, hashes: string[]): Promise<Map<string, Float32Array[]>>;
  put(backboneKey: string, hash: string, views: Float32Array[]): Promise<void>;
  /**
   * Several puts in one commit: a training caches each image's views together, since a commit per view (a WAL sync
   * each with SQLite's synchronous=FULL) took about 4 s of a 200-image Advanced training.
   */
  putMany(entries: readonly FeatureEntry[]): Promise<void>;
  /** Forgets the features of these contents under every backbone. */
  deleteFor(hashes: string[]): Promise<void>;
}

/**
 * Blobs that rows referred to until a delete removed them: `contentHashes` are content-addressed and may still be
 * shared with other rows (see ContentReferenceStore); `blobKeys` were owned by the removed rows alone.
 */
export interface ReleasedBlobs {
  contentHashes: string[];
  blobKeys: string[];
}

/** Who still refers to content-addressed blobs: images (of any project) and stored predictions. */
export interface ContentReferenceStore {
  /** Row counts per hash; hashes nothing refers to are answered with zeros. */
  usage(hashes: string[]): Promise<Map<string, { images: number; predictions: number }>>;
}

/** Bytes addressed by content (sha256 hex) plus a variant suffix, e.g. thumbnails. */
export interface BlobStore {
  put(key: string, bytes: Uint8Array): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  has(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
}

export interface Storage {
  projects: ProjectStore;
  tags: TagStore;
  images: ImageStore;
  iterations: IterationStore;
  predictions: PredictionStore;
  features: FeatureStore;
  exports: ExportStore;
  references: ContentReferenceStore;
  blobs: BlobStore;
  /** Key/value settings the server keeps (e.g. its URL-signing secret). */
  settings: {
    get(key: string): Promise<string | undefined>;
    set(key: string, value: string): Promise<void>;
    /** Stores `value` unless the key has one already; returns what is stored (processes starting together agree). */
    setIfAbsent(key: string, value: string): Promise<string>;
  };
  close(): Promise<void>;
}
