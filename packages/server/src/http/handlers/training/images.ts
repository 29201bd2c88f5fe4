import type { TrainingModels } from '@cvkit/api-types';
import { badRequest } from '../../../domain/errors.ts';
import type { ImageCandidate, ImageCreateOutcome, RegionInput } from '../../../domain/images.ts';
import type { ImageRecord } from '../../../storage/types.ts';
import type { TrainingHandlers } from '../../handler-types.ts';
import { LongJsonString } from '../../middleware/read-large-json.ts';
import { UUID } from '../../validate-params.ts';
import { imageDate } from '../../wire-format.ts';
import { type ImageLinks, tagNameMap, wireImage } from '../../wire-models.ts';
import type { TrainingDeps } from './context.ts';

export function imageHandlers(d: TrainingDeps): TrainingHandlers {
  const linksFor = (baseUrl: string): ImageLinks => ({ signer: d.signer, baseUrl });
  const names = async (projectId: string) => tagNameMap(await d.tags.list(projectId));
  const wireList = async (projectId: string, images: ImageRecord[], baseUrl: string) => {
    const tagNames = await names(projectId);
    return images.map((i) => wireImage(i, tagNames, linksFor(baseUrl)));
  };
  const summary = async (
    projectId: string,
    result: { isBatchSuccessful: boolean; images: ImageCreateOutcome[] },
    baseUrl: string,
  ) => {
    const tagNames = await names(projectId);
    const body: TrainingModels.ImageCreateSummary = {
      isBatchSuccessful: result.isBatchSuccessful,
      images: result.images.map((o) => ({
        sourceUrl: o.sourceUrl as string,
        status: o.status,
        image: o.image ? wireImage(o.image, tagNames, linksFor(baseUrl)) : null,
      })),
    };
    return { status: result.isBatchSuccessful ? (200 as const) : (207 as const), body };
  };

  return {
    CreateImagesFromData: async ({ params, files, baseUrl }) => {
      // Azure echoes multipart file names with their quotes, e.g. "\"hemlock_10.jpg\"".
      const candidates: ImageCandidate[] = files.map((f) => ({
        sourceUrl: f.name === undefined ? null : `"${f.name}"`,
        bytes: f.bytes,
        truncated: f.truncated,
      }));
      const result = await d.images.create(params.projectId, candidates, { tagIds: params.tagIds });
      return summary(params.projectId, result, baseUrl);
    },

    CreateImagesFromFiles: async ({ params, body, baseUrl }) => {
      const batch = checkBatch(body, d.config.limits.imagesPerBatch);
      const candidates = batch.images.map((e, i): ImageCandidate => {
        const entry = asObject(e, `images[${i}]`);
        const contents = entry.contents;
        // Long contents arrive already decoded (the body reader lifts them out of the document as it streams).
        if (contents instanceof LongJsonString && contents.tooLong)
          return { sourceUrl: str(entry.name), bytes: Buffer.alloc(0), truncated: true };
        if (typeof contents !== 'string' && !(contents instanceof LongJsonString))
          return { sourceUrl: str(entry.name), failure: 'ErrorSource' };
        const bytes = contents instanceof LongJsonString ? contents.bytes : decodeBase64(contents);
        return {
          sourceUrl: str(entry.name),
          ...(bytes
            ? { bytes, truncated: bytes.length > d.config.limits.trainingImageBytes }
            : { failure: 'ErrorImageFormat' as const }),
          tagIds: ids(entry.tagIds, `images[${i}].tagIds`),
          regions: regions(entry.regions),
        };
      });
      const result = await d.images.create(params.projectId, candidates, {
        tagIds: ids(batch.tagIds, 'tagIds'),
        metadata: batch.metadata,
      });
      return summary(params.projectId, result, baseUrl);
    },

    CreateImagesFromUrls: async ({ params, body, baseUrl }) => {
      const batch = checkBatch(body, d.config.limits.imagesPerBatch);
      const entries = batch.images.map((e, i) => {
        const entry = asObject(e, `images[${i}]`);
        const url = entry.url;
        if (typeof url !== 'string' || !url) throw badRequest('BadRequestImageUrl', `images[${i}].url is required.`);
        return { url, tagIds: ids(entry.tagIds, `images[${i}].tagIds`), regions: regions(entry.regions) };
      });
      const result = await d.images.createFromUrls(
        params.projectId,
        entries,
        { tagIds: ids(batch.tagIds, 'tagIds'), metadata: batch.metadata },
        { policy: d.urlPolicy },
      );
      return summary(params.projectId, result, baseUrl);
    },

    GetImages: async ({ params, baseUrl }) => {
      const images = await d.images.list(params.projectId, {
        iterationId: params.iterationId,
        tagIds: params.tagIds,
        taggingStatus: params.taggingStatus,
        filter: params.$filter,
        orderBy: params.orderBy,
        take: params.take,
        skip: params.skip,
      });
      return { status: 200, body: await wireList(params.projectId, images, baseUrl) };
    },
    GetImageCount: async ({ params }) => ({
      status: 200,
      body: await d.images.count(params.projectId, {
        iterationId: params.iterationId,
        tagIds: params.tagIds,
        taggingStatus: params.taggingStatus,
        filter: params.$filter,
      }),
    }),
    GetTaggedImages: async ({ params, baseUrl }) => {
      const images = await d.images.list(params.projectId, {
        iterationId: params.iterationId,
        tagIds: params.tagIds,
        taggingStatus: 'Tagged',
        orderBy: params.orderBy,
        take: params.take,
        skip: params.skip,
      });
      return { status: 200, body: await wireList(params.projectId, images, baseUrl) };
    },
    GetTaggedImageCount: async ({ params }) => ({
      status: 200,
      body: await d.images.count(params.projectId, {
        iterationId: params.iterationId,
        tagIds: params.tagIds,
        taggingStatus: 'Tagged',
      }),
    }),
    GetUntaggedImages: async ({ params, baseUrl }) => {
      const images = await d.images.list(params.projectId, {
        iterationId: params.iterationId,
        taggingStatus: 'Untagged',
        orderBy: params.orderBy,
        take: params.take,
        skip: params.skip,
      });
      return { status: 200, body: await wireList(params.projectId, images, baseUrl) };
    },
    GetUntaggedImageCount: async ({ params }) => ({
      status: 200,
      body: await d.images.count(params.projectId, { iterationId: params.iterationId, taggingStatus: 'Untagged' }),
    }),
    GetImagesByIds: async ({ params, baseUrl }) => {
      const images = await d.images.getByIds(params.projectId, params.imageIds);
      return { status: 200, body: await wireList(params.projectId, images, baseUrl) };
    },
    DeleteImages: async ({ params }) => {
      const outcome = await d.images.delete(params.projectId, {
        imageIds: params.imageIds,
        allImages: params.allImages,
      });
      return { status: outcome === 'accepted' ? 202 : 204 };
    },

    CreateImageTags: async ({ params, body }) => {
      const b = asObject(body, 'body');
      if (!Array.isArray(b.tags)) throw badRequest('BadRequestImageTags', 'The body needs a tags array.');
      const links = b.tags.map((t, i) => {
        const o = asObject(t, `tags[${i}]`);
        return { imageId: uuid(o.imageId, `tags[${i}].imageId`), tagId: uuid(o.tagId, `tags[${i}].tagId`) };
      });
      const r = await d.images.tag(params.projectId, links);
      // Azure answers `created: null` when nothing was created, but always lists duplicated and exceeded links,
      // empty or not: clients loop over them.
      return {
        status: 200,
        body: { created: r.created.length ? r.created : null, duplicated: r.duplicated, exceeded: r.exceeded },
      };
    },
    DeleteImageTags: async ({ params }) => {
      await d.images.untag(params.projectId, params.imageIds, params.tagIds);
      return { status: 204 };
    },
    CreateImageRegions: async ({ params, body }) => {
      const b = asObject(body, 'body');
      if (!Array.isArray(b.regions)) throw badRequest('BadRequestImageRegions', 'The body needs a regions array.');
      const input = b.regions.map((r, i) => ({
        ...region(r, `regions[${i}]`),
        imageId: uuid(asObject(r, `regions[${i}]`).imageId, `regions[${i}].imageId`),
      }));
      const r = await d.images.addRegions(params.projectId, input);
      const body2: TrainingModels.ImageRegionCreateSummary = {
        created: r.created.map((g) => ({
          imageId: g.imageId,
          regionId: g.id,
          tagName: r.tags.get(g.tagId)?.name ?? '',
          created: imageDate(g.created),
          tagId: g.tagId,
          left: g.left,
          top: g.top,
          width: g.width,
          height: g.height,
        })),
        duplicated: r.duplicated.map((g) => ({ ...g })),
        exceeded: r.exceeded.map((g) => ({ ...g })),
      };
      const ok = !r.duplicated.length && !r.exceeded.length;
      return { status: ok ? 200 : 207, body: body2 };
    },
    DeleteImageRegions: async ({ params }) => {
      await d.images.deleteRegions(params.projectId, params.regionIds);
      return { status: 204 };
    },
    UpdateImageMetadata: async ({ params, body }) => {
      const r = await d.images.updateMetadata(params.projectId, params.imageIds, body);
      return { status: r.isBatchSuccessful ? 200 : 207, body: r };
    },
  };
}

function asObject(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw badRequest('BadRequest', `${what} must be a JSON object.`);
  return v as Record<string, unknown>;
}

function checkBatch(body: unknown, max: number) {
  const b = asObject(body, 'The batch');
  if (!Array.isArray(b.images) || !b.images.length)
    throw badRequest('BadRequestImageBatch', 'The batch needs a non-empty images array.');
  if (b.images.length > max) throw badRequest('BadRequestImageBatch', `A batch can carry at most ${max} images.`);
  if (b.metadata !== undefined && b.metadata !== null) asObject(b.metadata, 'metadata');
  return {
    images: b.images as unknown[],
    tagIds: b.tagIds,
    metadata: (b.metadata ?? undefined) as Record<string, string> | undefined,
  };
}

function uuid(v: unknown, what: string): string {
  if (typeof v !== 'string' || !UUID.test(v)) throw badRequest('BadRequestInvalidIds', `${what} is not a valid id.`);
  return v.toLowerCase();
}

function ids(v: unknown, what: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw badRequest('BadRequestInvalidIds', `${what} must be an array of ids.`);
  return v.map((x, i) => uuid(x, `${what}[${i}]`));
}

function region(v: unknown, what: string): RegionInput {
  const o = asObject(v, what);
  const num = (k: string) => {
    const n = o[k];
    if (typeof n !== 'number' || !Number.isFinite(n))
      throw badRequest('BadRequestImageRegions', `${what}.${k} must be a number.`);
    return n;
  };
  return {
    tagId: uuid(o.tagId, `${what}.tagId`),
    left: num('left'),
    top: num('top'),
    width: num('width'),
    height: num('height'),
  };
}

function regions(v: unknown): RegionInput[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw badRequest('BadRequestImageRegions', 'regions must be an array.');
  return v.map((r, i) => region(r, `regions[${i}]`));
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64(s: string): Buffer | undefined {
  const clean = s.replace(/\s+/g, '');
  if (clean.length % 4 === 1 || !BASE64.test(clean)) return undefined;
  return Buffer.from(clean, 'base64');
}
