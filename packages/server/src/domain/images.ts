import { createHash, randomUUID } from 'node:crypto';
import { inspectImage } from '../imaging/inspect-image.ts';
import { mapLimited } from '../map-limited.ts';
import { type FetchPolicy, fetchImageUrl } from '../net/fetch-image-url.ts';
import type { ImageQuery, ImageRecord, NewImage, RegionRecord, Storage, TagRecord } from '../storage/types.ts';
import { blobCollector } from './blob-collector.ts';
import { badRequest, imageNotFound, iterationNotFound } from './errors.ts';
import { imageEntryStatus, urlEntryStatus } from './library-errors.ts';
import type { Limits } from './limits.ts';
import { parseMetadataFilter } from './metadata-filter.ts';
import type { ProjectService } from './projects.ts';

export type ImageCreateStatus =
  | 'OK'
  | 'OKDuplicate'
  | 'ErrorSource'
  | 'ErrorImageFormat'
  | 'ErrorImageSize'
  | 'ErrorStorage'
  | 'ErrorLimitExceed'
  | 'ErrorTagLimitExceed'
  | 'ErrorRegionLimitExceed'
  | 'ErrorUnknown'
  | 'ErrorNegativeAndRegularTagOnSameImage';

export interface RegionInput {
  tagId: string;
  left: number;
  top: number;
  width: number;
  height: number;
}

/** One image offered for creation, however it arrived (upload, base64, URL, stored prediction). */
export interface ImageCandidate {
  sourceUrl: string | null;
  /** undefined when the source could not be read; `failure` then says why. */
  bytes?: Buffer | undefined;
  truncated?: boolean;
  failure?: ImageCreateStatus;
  tagIds?: string[] | undefined;
  regions?: RegionInput[] | undefined;
}

/** An image to read from a URL (CreateImagesFromUrls, project import). */
export interface UrlImage {
  url: string;
  tagIds?: string[] | undefined;
  regions?: RegionInput[] | undefined;
}

export interface ImageCreateOutcome {
  sourceUrl: string | null;
  status: ImageCreateStatus;
  image: ImageRecord | null;
}

export interface ImageListOptions {
  iterationId?: string | undefined;
  tagIds?: string[] | undefined;
  taggingStatus?: 'All' | 'Tagged' | 'Untagged' | undefined;
  filter?: string | undefined;
  orderBy?: 'Newest' | 'Oldest' | undefined;
  take?: number | undefined;
  skip?: number | undefined;
}

export class ImageService {
  private seq = 0;

  constructor(
    private readonly storage: Storage,
    private readonly projects: ProjectService,
    private readonly limits: Limits,
    /** Throws NotFoundIteration unless the project has the iteration (the training layer knows). */
    private readonly checkIteration: (projectId: string, iterationId: string) => Promise<void> = async (_p, id) => {
      throw iterationNotFound(id);
    },
  ) {}

  /**
   * Validates, de-duplicates and stores a batch. Per-image problems become per-image statuses (Azure's 207);
   * only problems with the batch as a whole throw. All accepted images are committed in one transaction.
   */
  /**
   * Reads each URL under `policy` (at most `concurrency` at a time) and adds what it finds as `create` does; a URL
   * that cannot be read becomes that entry's `ErrorSource` / `ErrorImageSize`, never the batch's failure.
   */
  async createFromUrls(
    projectId: string,
    entries: UrlImage[],
    batch: { tagIds?: string[] | undefined; metadata?: Record<string, string> | undefined },
    fetching: { policy: FetchPolicy; concurrency?: number; signal?: AbortSignal },
  ): Promise<{ isBatchSuccessful: boolean; images: ImageCreateOutcome[] }> {
    await this.projects.get(projectId);
    const candidates = await mapLimited(entries, fetching.concurrency ?? entries.length, async (e) => {
      const base = { sourceUrl: e.url, tagIds: e.tagIds, regions: e.regions };
      try {
        return { ...base, bytes: await fetchImageUrl(e.url, fetching.policy, fetching.signal) };
      } catch (err) {
        const failure = urlEntryStatus(err);
        if (!failure) throw err;
        return { ...base, failure };
      }
    });
    return this.create(projectId, candidates, batch);
  }

  /** Stored predictions' images added as training images (CreateImagesFromPredictions); a missing one is `ErrorSource`. */
  async createFromPredictions(
    projectId: string,
    entries: { id: string; tagIds?: string[] | undefined; regions?: RegionInput[] | undefined }[],
    batch: { tagIds?: string[] | undefined; metadata?: Record<string, string> | undefined },
  ): Promise<{ isBatchSuccessful: boolean; images: ImageCreateOutcome[] }> {
    await this.projects.get(projectId);
    const ids = entries.map((e) => e.id.toLowerCase());
    const stored = new Map((await this.storage.predictions.getMany(projectId, ids)).map((p) => [p.id, p]));
    const candidates: ImageCandidate[] = [];
    for (const [i, e] of entries.entries()) {
      const p = stored.get(ids[i]!);
      const bytes = p ? await this.storage.blobs.get(p.contentHash) : undefined;
      candidates.push({
        sourceUrl: ids[i]!,
        ...(bytes ? { bytes } : { failure: 'ErrorSource' as const }),
        tagIds: e.tagIds,
        regions: e.regions,
      });
    }
    return this.create(projectId, candidates, batch);
  }

  async create(
    projectId: string,
    candidates: ImageCandidate[],
    batch: { tagIds?: string[] | undefined; metadata?: Record<string, string> | undefined } = {},
  ): Promise<{ isBatchSuccessful: boolean; images: ImageCreateOutcome[] }> {
    await this.projects.get(projectId);
    if (!candidates.length) throw badRequest('BadRequestImageBatch', 'The batch has no images.');
    if (candidates.length > this.limits.imagesPerBatch)
      throw badRequest('BadRequestImageBatch', `A batch can carry at most ${this.limits.imagesPerBatch} images.`);
    const batchTags = batch.tagIds ?? [];
    if (batchTags.length > this.limits.tagsPerBatch)
      throw badRequest('BadRequestExceededBatchSize', `A batch can name at most ${this.limits.tagsPerBatch} tags.`);
    const metadata = this.checkMetadata(batch.metadata ?? {});
    for (const c of candidates) {
      // Callers pass what clients sent; a tag id or region of the wrong shape is the client's error, not a crash.
      if ([...batchTags, ...(c.tagIds ?? [])].some((t) => typeof t !== 'string'))
        throw badRequest('BadRequestInvalidIds', 'Tag ids must be strings.');
      if (!Array.isArray(c.regions ?? []) || (c.regions ?? []).some((r) => typeof r?.tagId !== 'string'))
        throw badRequest('BadRequestImageRegions', 'Each region needs a tagId and left, top, width and height.');
    }
    const tags = new Map((await this.storage.tags.list(projectId)).map((t) => [t.id, t]));
    const unknown = [
      ...batchTags,
      ...candidates.flatMap((c) => [...(c.tagIds ?? []), ...(c.regions ?? []).map((r) => r.tagId)]),
    ]
      .map((id) => id.toLowerCase())
      .find((id) => !tags.has(id));
    if (unknown) throw badRequest('BadRequestImageTags', `Tag ${unknown} does not exist in this project.`);
    if (candidates.some((c) => (c.regions ?? []).some((r) => tags.get(r.tagId.toLowerCase())?.type === 'Negative')))
      throw negativeRegion();

    let room = this.limits.imagesPerProject - (await this.storage.images.countAll(projectId));
    const outcomes: ImageCreateOutcome[] = [];
    const inspected: {
      index: number;
      hash: string;
      bytes: Buffer;
      format: ImageRecord['format'];
      width: number;
      height: number;
      tagIds: string[];
      regions: RegionInput[];
    }[] = [];
    for (const [index, c] of candidates.entries()) {
      const outcome: ImageCreateOutcome = { sourceUrl: c.sourceUrl, status: 'OK', image: null };
      outcomes.push(outcome);
      const tagIds = [...new Set([...batchTags, ...(c.tagIds ?? [])].map((t) => t.toLowerCase()))];
      const regions = c.regions ?? [];
      const regionTagIds = regions.map((r) => r.tagId.toLowerCase());
      const status = await this.precheck(c, tagIds, regionTagIds, regions, tags);
      if (status) {
        outcome.status = status;
        continue;
      }
      try {
        const info = await inspectImage(c.bytes!, {
          maxSide: this.limits.maxImageSide,
          maxPixels: this.limits.maxImagePixels,
        });
        inspected.push({ index, hash: sha256(c.bytes!), bytes: c.bytes!, ...info, tagIds, regions });
      } catch (e) {
        const status = imageEntryStatus(e);
        if (!status) throw e;
        outcome.status = status;
      }
    }

    // Blobs are written before their rows commit: pinned, a concurrent delete's collection cannot take them between.
    // (Only a failing database could throw before the release below, and then the pin merely defers collection.)
    const release = await blobCollector(this.storage).pin(inspected.map((i) => i.hash));
    const existing = await this.storage.images.findByHash(
      projectId,
      inspected.map((i) => i.hash),
    );
    let fresh: NewImage[] = [];
    const freshByHash = new Map<string, NewImage>();
    for (const item of inspected) {
      const outcome = outcomes[item.index]!;
      const dup = existing.get(item.hash);
      if (dup) {
        outcome.status = 'OKDuplicate';
        outcome.image = dup;
        continue;
      }
      const twin = freshByHash.get(item.hash);
      if (twin) {
        outcome.status = 'OKDuplicate';
        continue;
      }
      if (room <= 0) {
        outcome.status = 'ErrorLimitExceed';
        continue;
      }
      room--;
      const now = new Date();
      const image: NewImage = {
        record: {
          id: randomUUID(),
          projectId,
          contentHash: item.hash,
          format: item.format,
          width: item.width,
          height: item.height,
          created: now,
          seq: this.seq++,
          metadata: { ...metadata },
        },
        tagIds: item.tagIds,
        regions: item.regions.map((r) => ({ ...r, tagId: r.tagId.toLowerCase(), id: randomUUID() })),
      };
      try {
        await this.storage.blobs.put(item.hash, item.bytes);
      } catch {
        // Azure's per-image status for a write that failed (disk full, read-only volume): the rest of the batch
        // is still stored, and nothing refers to bytes that were not written.
        outcome.status = 'ErrorStorage';
        room++;
        continue;
      }
      fresh.push(image);
      freshByHash.set(item.hash, image);
    }
    try {
      if (fresh.length) {
        try {
          await this.storage.images.addBatch(projectId, fresh);
        } catch (e) {
          // Another server process stored some of the same images since findByHash (the batch is all or nothing):
          // those are duplicates now, with the other process's records; the rest is stored again.
          const raced = await this.storage.images.findByHash(
            projectId,
            fresh.map((f) => f.record.contentHash),
          );
          if (!raced.size) throw e;
          for (const item of inspected) {
            const outcome = outcomes[item.index]!;
            const won = raced.get(item.hash);
            if (won && (outcome.status === 'OK' || (outcome.status === 'OKDuplicate' && !outcome.image)))
              Object.assign(outcome, { status: 'OKDuplicate', image: won });
          }
          fresh = fresh.filter((f) => !raced.has(f.record.contentHash));
          if (fresh.length) await this.storage.images.addBatch(projectId, fresh);
        }
      }
    } finally {
      await release();
    }
    const stored = new Map(
      (
        await this.storage.images.getMany(
          projectId,
          fresh.map((f) => f.record.id),
        )
      ).map((i) => [i.contentHash, i]),
    );
    for (const item of inspected) {
      const outcome = outcomes[item.index]!;
      if (outcome.status === 'OK' || (outcome.status === 'OKDuplicate' && !outcome.image))
        outcome.image = stored.get(item.hash) ?? null;
    }
    return { isBatchSuccessful: outcomes.every((o) => o.status === 'OK'), images: outcomes };
  }

  private async precheck(
    c: ImageCandidate,
    tagIds: string[],
    regionTagIds: string[],
    regions: RegionInput[],
    tags: Map<string, TagRecord>,
  ): Promise<ImageCreateStatus | undefined> {
    if (c.failure) return c.failure;
    if (c.truncated) return 'ErrorImageSize';
    if (!c.bytes?.length) return 'ErrorSource';
    if (tagIds.length > this.limits.tagsPerImage) return 'ErrorTagLimitExceed';
    if (regions.length > this.limits.regionsPerImage) return 'ErrorRegionLimitExceed';
    const types = new Set([...tagIds, ...regionTagIds].map((id) => tags.get(id)?.type));
    if (types.has('Negative') && types.size > 1) return 'ErrorNegativeAndRegularTagOnSameImage';
    for (const r of regions) if (!validRegion(r)) return 'ErrorUnknown';
    return undefined;
  }

  async list(projectId: string, o: ImageListOptions): Promise<ImageRecord[]> {
    const q = await this.toQuery(projectId, o);
    return this.storage.images.query(projectId, {
      ...q,
      orderBy: o.orderBy ?? 'Newest',
      take: o.take ?? 50,
      skip: o.skip ?? 0,
    });
  }

  async count(projectId: string, o: ImageListOptions): Promise<number> {
    return this.storage.images.count(projectId, await this.toQuery(projectId, o));
  }

  private async toQuery(projectId: string, o: ImageListOptions): Promise<ImageQuery> {
    await this.projects.get(projectId);
    const q: ImageQuery = { taggingStatus: o.taggingStatus ?? 'All' };
    if (o.tagIds?.length) q.tagIds = o.tagIds;
    const filters: ((m: Record<string, string>) => boolean)[] = [];
    if (o.filter) filters.push(parseMetadataFilter(o.filter));
    if (o.iterationId) {
      await this.checkIteration(projectId, o.iterationId);
      q.iterationId = o.iterationId;
    }
    if (filters.length) q.metadataFilter = (m) => filters.every((f) => f(m));
    return q;
  }

  async getByIds(projectId: string, ids: string[] | undefined): Promise<ImageRecord[]> {
    await this.projects.get(projectId);
    if (!ids?.length) return [];
    return this.storage.images.getMany(projectId, ids);
  }

  async delete(
    projectId: string,
    o: { imageIds?: string[] | undefined; allImages?: boolean | undefined },
  ): Promise<'deleted' | 'accepted'> {
    await this.projects.get(projectId);
    if (o.allImages) {
      await blobCollector(this.storage).collect(await this.storage.images.deleteAll(projectId));
      return 'accepted';
    }
    if (!o.imageIds?.length) throw badRequest('BadRequestInvalidIds', 'Name the images to delete, or set allImages.');
    await blobCollector(this.storage).collect(await this.storage.images.deleteMany(projectId, o.imageIds));
    return 'deleted';
  }

  async tag(projectId: string, links: { imageId: string; tagId: string }[]) {
    await this.projects.get(projectId);
    if (!links.length) throw badRequest('BadRequestImageTags', 'The batch has no tags.');
    if (links.length > this.limits.imageTagsPerBatch)
      throw badRequest(
        'BadRequestExceededBatchSize',
        `A batch can carry at most ${this.limits.imageTagsPerBatch} tags.`,
      );
    const norm = links.map((l) => ({ imageId: String(l.imageId).toLowerCase(), tagId: String(l.tagId).toLowerCase() }));
    const tags = new Map((await this.storage.tags.list(projectId)).map((t) => [t.id, t]));
    const images = new Map(
      (await this.storage.images.getMany(projectId, [...new Set(norm.map((l) => l.imageId))])).map((i) => [i.id, i]),
    );
    for (const l of norm) {
      if (!tags.has(l.tagId)) throw badRequest('BadRequestImageTags', `Tag ${l.tagId} does not exist in this project.`);
      if (!images.has(l.imageId)) throw imageNotFound(l.imageId);
    }
    const accepted: { imageId: string; tagId: string }[] = [];
    const exceeded: { imageId: string; tagId: string }[] = [];
    const perImage = new Map<string, Set<string>>();
    for (const img of images.values()) perImage.set(img.id, new Set(img.tags.map((t) => t.tagId)));
    for (const l of norm) {
      const current = perImage.get(l.imageId)!;
      if (current.has(l.tagId)) {
        accepted.push(l);
        continue;
      }
      const types = new Set([...current, l.tagId].map((id) => tags.get(id)?.type));
      if (types.has('Negative') && types.size > 1)
        throw badRequest(
          'BadRequestNegativeAndRegularTagOnSameImage',
          'An image cannot carry the Negative tag and a regular tag.',
        );
      if (current.size >= this.limits.tagsPerImage) {
        exceeded.push(l);
        continue;
      }
      current.add(l.tagId);
      accepted.push(l);
    }
    const created = await this.storage.images.addTags(projectId, accepted);
    const createdKeys = new Set(created.map((c) => `${c.imageId}/${c.tagId}`));
    return {
      created,
      duplicated: accepted.filter((l) => !createdKeys.has(`${l.imageId}/${l.tagId}`)),
      exceeded,
    };
  }

  async untag(projectId: string, imageIds: string[], tagIds: string[]): Promise<void> {
    await this.projects.get(projectId);
    await this.storage.images.removeTags(projectId, imageIds, tagIds);
  }

  async addRegions(projectId: string, regions: (RegionInput & { imageId: string })[]) {
    await this.projects.get(projectId);
    if (!regions.length) throw badRequest('BadRequestImageRegions', 'The batch has no regions.');
    if (regions.length > this.limits.regionsPerBatch)
      throw badRequest(
        'BadRequestExceededBatchSize',
        `A batch can carry at most ${this.limits.regionsPerBatch} regions.`,
      );
    const tags = new Map((await this.storage.tags.list(projectId)).map((t) => [t.id, t]));
    const ids = [...new Set(regions.map((r) => String(r.imageId).toLowerCase()))];
    const images = new Map((await this.storage.images.getMany(projectId, ids)).map((i) => [i.id, i]));
    const created: RegionRecord[] = [];
    const duplicated: (RegionInput & { imageId: string })[] = [];
    const exceeded: (RegionInput & { imageId: string })[] = [];
    for (const r of regions) {
      const imageId = String(r.imageId).toLowerCase();
      const tagId = String(r.tagId).toLowerCase();
      const image = images.get(imageId);
      if (!image) throw imageNotFound(imageId);
      if (!tags.has(tagId)) throw badRequest('BadRequestImageRegions', `Tag ${tagId} does not exist in this project.`);
      if (tags.get(tagId)!.type === 'Negative') throw negativeRegion();
      if (!validRegion(r)) throw badRequest('BadRequestImageRegions', 'Region coordinates must lie within 0 and 1.');
      const all = [...image.regions, ...created.filter((c) => c.imageId === imageId)];
      if (
        all.some(
          (g) =>
            g.tagId === tagId && g.left === r.left && g.top === r.top && g.width === r.width && g.height === r.height,
        )
      ) {
        duplicated.push({ ...r, imageId, tagId });
        continue;
      }
      if (all.length >= this.limits.regionsPerImage) {
        exceeded.push({ ...r, imageId, tagId });
        continue;
      }
      created.push({
        id: randomUUID(),
        imageId,
        tagId,
        left: r.left,
        top: r.top,
        width: r.width,
        height: r.height,
        created: new Date(),
      });
    }
    if (created.length) await this.storage.images.addRegions(projectId, created);
    return { created, duplicated, exceeded, tags };
  }

  async deleteRegions(projectId: string, regionIds: string[]): Promise<void> {
    await this.projects.get(projectId);
    await this.storage.images.deleteRegions(projectId, regionIds);
  }

  async updateMetadata(projectId: string, imageIds: string[], metadata: Record<string, string>) {
    await this.projects.get(projectId);
    if (!imageIds.length) throw badRequest('BadRequestInvalidIds', 'Name the images to update.');
    const checked = this.checkMetadata(metadata);
    const images = new Map((await this.storage.images.getMany(projectId, imageIds)).map((i) => [i.id, i]));
    const results: {
      imageId: string;
      status: 'OK' | 'ErrorImageNotFound' | 'ErrorLimitExceed';
      metadata: Record<string, string> | null;
    }[] = [];
    const updates: { imageId: string; metadata: Record<string, string> }[] = [];
    for (const id of imageIds) {
      const image = images.get(id);
      if (!image) {
        results.push({ imageId: id, status: 'ErrorImageNotFound', metadata: null });
        continue;
      }
      const merged = { ...image.metadata, ...checked };
      if (Object.keys(merged).length > this.limits.metadataPerImage) {
        results.push({ imageId: id, status: 'ErrorLimitExceed', metadata: image.metadata });
        continue;
      }
      updates.push({ imageId: id, metadata: merged });
      results.push({ imageId: id, status: 'OK', metadata: merged });
    }
    if (updates.length) await this.storage.images.setMetadata(projectId, updates);
    return { isBatchSuccessful: results.every((r) => r.status === 'OK'), images: results };
  }

  private checkMetadata(metadata: unknown): Record<string, string> {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
      throw badRequest('BadRequest', 'Metadata must be an object of string keys and values.');
    const entries = Object.entries(metadata as Record<string, unknown>);
    if (entries.length > this.limits.metadataPerImage)
      throw badRequest(
        'BadRequestImageMetadataKey',
        `At most ${this.limits.metadataPerImage} metadata entries per image.`,
      );
    for (const [k, v] of entries) {
      if (!k || k.length > this.limits.metadataKeyLength)
        throw badRequest(
          'BadRequestImageMetadataKey',
          `Metadata keys need 1 to ${this.limits.metadataKeyLength} characters.`,
        );
      if (typeof v !== 'string' || v.length > this.limits.metadataValueLength)
        throw badRequest(
          'BadRequestImageMetadataValue',
          `Metadata values are strings of at most ${this.limits.metadataValueLength} characters.`,
        );
    }
    return Object.fromEntries(entries) as Record<string, string>;
  }
}

/** A region marks an object; the Negative tag says an image has none, so it never labels a region. */
function negativeRegion() {
  return badRequest('BadRequestImageRegions', 'A region cannot carry the Negative tag.');
}

function validRegion(r: RegionInput): boolean {
  const nums = [r.left, r.top, r.width, r.height];
  return (
    nums.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= 1) &&
    r.width > 0 &&
    r.height > 0 &&
    r.left + r.width <= 1 + 1e-6 &&
    r.top + r.height <= 1 + 1e-6
  );
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
