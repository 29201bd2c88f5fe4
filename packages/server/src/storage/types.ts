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
  /** Removes the project and everything it owns. */
  delete(id: string): Promise<void>;
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
  deleteMany(projectId: string, ids: string[]): Promise<void>;
  deleteAll(projectId: string): Promise<void>;
  /** Adds tag links; returns the links that were new. */
  addTags(
    projectId: string,
    links: { imageId: string; tagId: string }[],
  ): Promise<{ imageId: string; tagId: string }[]>;
  removeTags(projectId: string, imageIds: string[], tagIds: string[]): Promise<void>;
  addRegions(projectId: string, regions: RegionRecord[]): Promise<void>;
  deleteRegions(projectId: string, regionIds: string[]): Promise<number>;
  setMetadata(projectId: string, updates: { imageId: string; metadata: Record<string, string> }[]): Promise<void>;
  /** Every content hash still referenced by any image: lets the blob store collect garbage. */
  referencedHashes(): Promise<Set<string>>;
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
  blobs: BlobStore;
  /** Key/value settings the server keeps (e.g. its URL-signing secret). */
  settings: { get(key: string): Promise<string | undefined>; set(key: string, value: string): Promise<void> };
  close(): Promise<void>;
}
