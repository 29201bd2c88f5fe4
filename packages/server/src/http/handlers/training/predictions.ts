import type { TrainingModels } from '@cvkit/api-types';
import { findDomain } from '../../../domain/domain-catalog.ts';
import { badRequest } from '../../../domain/errors.ts';
import type { ImageCandidate } from '../../../domain/images.ts';
import { decodableBytes } from '../../../imaging/inspect-image.ts';
import { fetchImageUrl, UrlFetchError } from '../../../net/fetch-image-url.ts';
import { abortOnDisconnect } from '../../abort-on-disconnect.ts';
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
  body: unknown,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  const url = (body as { url?: unknown } | undefined)?.url;
  if (typeof url !== 'string' || !url) throw badRequest('BadRequestImageUrl', 'The body needs a url.');
  try {
    return await fetchImageUrl(url, { ...d.urlPolicy, maxBytes }, signal);
  } catch (e) {
    if (!(e instanceof UrlFetchError)) throw e;
    if (e.reason === 'too-large') throw badRequest('BadRequestImageSizeBytes', e.message);
    throw badRequest('BadRequestImageUrl', e.message);
  }
}

export function predictionHandlers(d: TrainingDeps): TrainingHandlers {
  const maxBytes = d.config.limits.predictionImageBytes;
  // Suggestions depend only on the iteration and the image bytes: paging through them must not re-run the model.
  const suggestionCache = new Map<string, Suggestion>();
  return {
    QuickTestImage: async (ctx) => {
      const bytes = singleUpload(ctx, maxBytes);
      const it = await d.iterations.completed(ctx.params.projectId, ctx.params.iterationId);
      const p = await d.predictions.predict(it, bytes, { id: ctx.requestId, store: ctx.params.store ?? true });
      return { status: 200, body: wireImagePrediction(p) };
    },
    QuickTestImageUrl: async ({ params, body, requestId, req }) => {
      const it = await d.iterations.completed(params.projectId, params.iterationId);
      const bytes = await imageFromUrlBody(d, body, maxBytes, abortOnDisconnect(req));
      const p = await d.predictions.predict(it, bytes, { id: requestId, store: params.store ?? true });
      return { status: 200, body: wireImagePrediction(p) };
    },
    QueryPredictions: async ({ params, body, baseUrl }) => {
      const token = (body ?? {}) as TrainingModels.PredictionQueryToken;
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
      const b = (body ?? {}) as { images?: unknown; tagIds?: unknown; metadata?: unknown };
      if (!Array.isArray(b.images) || !b.images.length)
        throw badRequest('BadRequestImageBatch', 'The batch needs a non-empty images array.');
      if (b.images.length > d.config.limits.imagesPerBatch)
        throw badRequest('BadRequestImageBatch', `A batch can carry at most ${d.config.limits.imagesPerBatch} images.`);
      const entries = b.images as { id?: unknown; tagIds?: unknown; regions?: unknown }[];
      const ids = entries.map((e) => String(e?.id ?? '').toLowerCase());
      const stored = new Map((await d.storage.predictions.getMany(params.projectId, ids)).map((p) => [p.id, p]));
      const candidates: ImageCandidate[] = [];
      for (const [i, e] of entries.entries()) {
        const p = stored.get(ids[i]!);
        const bytes = p ? await d.storage.blobs.get(p.contentHash) : undefined;
        candidates.push({
          sourceUrl: ids[i] ?? null,
          ...(bytes ? { bytes } : { failure: 'ErrorSource' as const }),
          tagIds: Array.isArray(e.tagIds) ? e.tagIds.map(String) : undefined,
          regions: Array.isArray(e.regions) ? (e.regions as ImageCandidate['regions']) : undefined,
        });
      }
      const result = await d.images.create(params.projectId, candidates, {
        tagIds: Array.isArray(b.tagIds) ? b.tagIds.map(String) : undefined,
        metadata: b.metadata as Record<string, string> | undefined,
      });
      const tagNames = tagNameMap(await d.storage.tags.list(params.projectId));
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
      const it = await d.iterations.completed(params.projectId, params.iterationId);
      const images = await d.storage.images.getMany(params.projectId, params.imageIds);
      const model = await d.iterations.model(it);
      const now = new Date().toISOString();
      const body: TrainingModels.SuggestedTagAndRegion[] = [];
      for (const image of images) {
        const p = await suggestionsFor(d, it, model, image.contentHash, suggestionCache);
        body.push({
          id: image.id,
          project: params.projectId,
          iteration: it.id,
          created: now,
          predictions: p.predictions,
          predictionUncertainty: p.uncertainty,
        });
      }
      return { status: 200, body };
    },
    QuerySuggestedImages: async ({ params, body, baseUrl }) => {
      const it = await d.iterations.completed(params.projectId, params.iterationId);
      const token = (body ?? {}) as TrainingModels.SuggestedTagAndRegionQueryToken;
      const rows = await suggestedUntagged(
        d,
        params.projectId,
        it,
        token.tagIds ?? undefined,
        token.threshold ?? 0,
        suggestionCache,
      );
      if (token.sortBy === 'UncertaintyDescending') rows.sort((a, b) => b.uncertainty - a.uncertainty);
      if (token.sortBy === 'UncertaintyAscending') rows.sort((a, b) => a.uncertainty - b.uncertainty);
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
              predictions: r.predictions,
              predictionUncertainty: r.uncertainty,
            };
          }),
        },
      };
    },
    QuerySuggestedImageCount: async ({ params, body }) => {
      const it = await d.iterations.completed(params.projectId, params.iterationId);
      const filter = (body ?? {}) as TrainingModels.TagFilter;
      const tagIds = filter.tagIds?.length ? filter.tagIds : it.tags.map((t) => t.id);
      const rows = await suggestedUntagged(d, params.projectId, it, undefined, 0, suggestionCache);
      const threshold = filter.threshold ?? 0;
      const counts: Record<string, number> = {};
      for (const tagId of tagIds)
        counts[tagId] = rows.filter((r) =>
          r.predictions.some((p) => p.tagId === tagId && p.probability >= threshold),
        ).length;
      return { status: 200, body: counts };
    },
  };
}

type Suggestion = { predictions: ReturnType<typeof wirePredictions>; uncertainty: number };
const SUGGESTION_CACHE_SIZE = 20_000;

async function suggestionsFor(
  d: TrainingDeps,
  it: Parameters<TrainingDeps['predictions']['predict']>[0],
  model: Uint8Array,
  hash: string,
  cache: Map<string, Suggestion>,
): Promise<Suggestion> {
  const key = `${it.id}:${hash}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const computed = await computeSuggestion(d, it, model, hash);
  if (cache.size >= SUGGESTION_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, computed);
  return computed;
}

async function computeSuggestion(
  d: TrainingDeps,
  it: Parameters<TrainingDeps['predictions']['predict']>[0],
  model: Uint8Array,
  hash: string,
): Promise<Suggestion> {
  const bytes = await d.storage.blobs.get(hash);
  const probs = bytes ? await d.engine.predict(model, await decodableBytes(bytes)) : [];
  const names = new Map(it.tags.map((t) => [t.id, t]));
  const predictions = wirePredictions(
    probs
      .filter((p) => names.has(p.tagId))
      .map((p) => ({
        tagId: p.tagId,
        tagName: names.get(p.tagId)!.name,
        tagType: names.get(p.tagId)!.type,
        probability: p.probability,
      }))
      .sort((a, b) => b.probability - a.probability),
  );
  // Uncertainty is highest when the top probability is closest to a coin toss.
  const top = predictions[0]?.probability ?? 0;
  return { predictions, uncertainty: 1 - Math.abs(2 * top - 1) };
}

async function suggestedUntagged(
  d: TrainingDeps,
  projectId: string,
  it: Parameters<TrainingDeps['predictions']['predict']>[0],
  tagIds: string[] | undefined,
  threshold: number,
  cache: Map<string, Suggestion>,
) {
  const untagged = await d.storage.images.query(projectId, { taggingStatus: 'Untagged', orderBy: 'Newest' });
  const model = await d.iterations.model(it);
  const rows = [];
  for (const image of untagged) {
    const s = await suggestionsFor(d, it, model, image.contentHash, cache);
    if (tagIds?.length && !s.predictions.some((p) => tagIds.includes(p.tagId) && p.probability >= threshold)) continue;
    rows.push({ image, ...s });
  }
  return rows;
}
