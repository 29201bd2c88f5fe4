import type { TrainingModels } from '@cvkit/api-types';
import { findDomain } from '../../../domain/domain-catalog.ts';
import { badRequest } from '../../../domain/errors.ts';
import type { RegionInput } from '../../../domain/images.ts';
import { urlRequestError } from '../../../domain/library-errors.ts';
import { fetchImageUrl } from '../../../net/fetch-image-url.ts';
import type { HandlerContext, TrainingHandlers } from '../../handler-types.ts';
import {
  tagNameMap,
  wireImage,
  wireImagePrediction,
  wirePredictions,
  wireStoredPrediction,
} from '../../wire-models.ts';
import type { TrainingDeps } from './context.ts';

/** Reads the one image of an upload operation (multipart or raw body). */
export function singleUpload(ctx: Pick<HandlerContext<unknown>, 'files'>, maxBytes: number): Buffer {
  const [file] = ctx.files;
  if (!file) throw badRequest('BadRequestImageStream', 'The request has no image data.');
  if (ctx.files.length > 1) throw badRequest('BadRequestImageBatch', 'Send one image.');
  if (file.truncated || file.bytes.length > maxBytes)
    throw badRequest('BadRequestImageSizeBytes', `Images are limited to ${maxBytes} bytes here.`);
  return file.bytes;
}

/** Fetches the image of a `{ url }` body under the server's URL policy. */
export async function imageFromUrlBody(
  d: Pick<TrainingDeps, 'urlPolicy'>,
  body: { url?: string } | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const url = body?.url;
  if (typeof url !== 'string' || !url) throw badRequest('BadRequestImageUrl', 'The body needs a url.');
  try {
    return await fetchImageUrl(url, { ...d.urlPolicy, maxBytes });
  } catch (e) {
    throw urlRequestError(e) ?? e;
  }
}

export function predictionHandlers(d: TrainingDeps): TrainingHandlers {
  const maxBytes = d.config.limits.predictionImageBytes;
  return {
    QuickTestImage: async (ctx) => {
      const bytes = singleUpload(ctx, maxBytes);
      const it = await d.iterations.completed(ctx.params.projectId, ctx.params.iterationId);
      const p = await d.predictions.predict(it, bytes, { id: ctx.requestId, store: ctx.params.store ?? true });
      return { status: 200, body: wireImagePrediction(p) };
    },
    QuickTestImageUrl: async ({ params, body, requestId }) => {
      const it = await d.iterations.completed(params.projectId, params.iterationId);
      const bytes = await imageFromUrlBody(d, body, maxBytes);
      const p = await d.predictions.predict(it, bytes, { id: requestId, store: params.store ?? true });
      return { status: 200, body: wireImagePrediction(p) };
    },
    GetImageRegionProposals: async ({ params }) => {
      const proposals = await d.smartLabeler.regionProposals(params.projectId, params.imageId);
      return {
        status: 200,
        body: {
          projectId: params.projectId,
          imageId: params.imageId,
          proposals: proposals.map((p) => ({ confidence: p.confidence, boundingBox: { ...p.boundingBox } })),
        },
      };
    },
    QueryPredictions: async ({ params, body, baseUrl }) => {
      const token = body ?? {};
      const project = await d.projects.get(params.projectId);
      const { results, continuation } = await d.predictions.query(params.projectId, token);
      const domainId = project.settings.domainId;
      const links = { signer: d.signer, baseUrl };
      return {
        status: 200,
        body: {
          token: {
            session: token.session ?? `1:${results.length}`,
            continuation,
            maxCount: token.maxCount ?? 0,
            orderBy: token.orderBy ?? 'Newest',
            tags: token.tags ?? null,
            iterationId: token.iterationId ?? null,
            startTime: token.startTime ?? null,
            endTime: token.endTime ?? null,
            application: token.application ?? null,
          },
          results: results.map((r) => wireStoredPrediction(r, domainId, links)),
        },
      };
    },
    DeletePrediction: async ({ params }) => {
      await d.predictions.delete(params.projectId, params.ids);
      return { status: 204 };
    },
    CreateImagesFromPredictions: async ({ params, body, baseUrl }) => {
      const b = body ?? {};
      if (!b.images?.length) throw badRequest('BadRequestImageBatch', 'The batch needs a non-empty images array.');
      if (b.images.length > d.config.limits.imagesPerBatch)
        throw badRequest('BadRequestImageBatch', `A batch can carry at most ${d.config.limits.imagesPerBatch} images.`);
      const result = await d.images.createFromPredictions(
        params.projectId,
        b.images.map((e) => ({
          id: String(e?.id ?? ''),
          tagIds: e?.tagIds ?? undefined,
          regions: (e?.regions ?? undefined) as RegionInput[] | undefined,
        })),
        { tagIds: b.tagIds ?? undefined, metadata: b.metadata ?? undefined },
      );
      const tagNames = tagNameMap(await d.tags.list(params.projectId));
      const links = { signer: d.signer, baseUrl };
      return {
        status: result.isBatchSuccessful ? 200 : 207,
        body: {
          isBatchSuccessful: result.isBatchSuccessful,
          images: result.images.map((o) => ({
            sourceUrl: o.sourceUrl as string,
            status: o.status,
            image: o.image ? wireImage(o.image, tagNames, links) : null,
          })),
        },
      };
    },
    SuggestTagsAndRegions: async ({ params }) => {
      const { iteration, rows } = await d.smartLabeler.suggest(params.projectId, params.iterationId, params.imageIds);
      const now = new Date().toISOString();
      const body: TrainingModels.SuggestedTagAndRegion[] = rows.map(({ image, suggestion }) => ({
        id: image.id,
        project: params.projectId,
        iteration: iteration.id,
        created: now,
        predictions: wirePredictions(suggestion.predictions),
        predictionUncertainty: suggestion.uncertainty,
      }));
      return { status: 200, body };
    },
    QuerySuggestedImages: async ({ params, body, baseUrl }) => {
      const token = body ?? {};
      const { iteration: it, rows } = await d.smartLabeler.untagged(params.projectId, params.iterationId, {
        tagIds: token.tagIds ?? undefined,
        threshold: token.threshold ?? undefined,
      });
      if (token.sortBy === 'UncertaintyDescending')
        rows.sort((a, b) => b.suggestion.uncertainty - a.suggestion.uncertainty);
      if (token.sortBy === 'UncertaintyAscending')
        rows.sort((a, b) => a.suggestion.uncertainty - b.suggestion.uncertainty);
      const start = token.continuation ? Number.parseInt(token.continuation, 10) || 0 : 0;
      const max = token.maxCount || 50;
      const page = rows.slice(start, start + max);
      const project = await d.projects.get(params.projectId);
      const links = { signer: d.signer, baseUrl };
      return {
        status: 200,
        body: {
          token: { ...token, continuation: start + max < rows.length ? String(start + max) : null },
          results: page.map((r) => {
            const w = wireImage(r.image, new Map(), links);
            return {
              width: r.image.width,
              height: r.image.height,
              resizedImageUri: w.resizedImageUri,
              thumbnailUri: w.thumbnailUri,
              originalImageUri: w.originalImageUri,
              domain: findDomain(project.settings.domainId)?.id ?? project.settings.domainId,
              id: r.image.id,
              project: params.projectId,
              iteration: it.id,
              created: new Date().toISOString(),
              predictions: wirePredictions(r.suggestion.predictions),
              predictionUncertainty: r.suggestion.uncertainty,
            };
          }),
        },
      };
    },
    QuerySuggestedImageCount: async ({ params, body }) => {
      const filter = body ?? {};
      const { iteration: it, rows } = await d.smartLabeler.untagged(params.projectId, params.iterationId);
      const tagIds = filter.tagIds?.length ? filter.tagIds : it.tags.map((t) => t.id);
      const threshold = filter.threshold ?? 0;
      const counts: Record<string, number> = {};
      for (const tagId of tagIds)
        counts[tagId] = rows.filter((r) =>
          r.suggestion.predictions.some((p) => p.tagId === tagId && p.probability >= threshold),
        ).length;
      return { status: 200, body: counts };
    },
  };
}
