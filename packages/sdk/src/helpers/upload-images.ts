/**
 * Uploading any number of images within the service's per-request limits: at most 64 images and 20 distinct tags
 * per request, and at most 6 MB per image. Oversized images are rejected locally, with their own entry in the
 * result, instead of failing the whole request.
 */
import type { TrainingModels } from '@cvkit/api-types';
import type { RequestOptions } from '../http/http-client.js';
import { type ImageInput, nameOf, toBase64, toBlob } from '../http/images.js';
import type { TrainingClient } from '../training/training-client.js';

/** Images per request the service accepts. */
export const maxImagesPerBatch = 64;
/** Distinct tags per request the service accepts. */
export const maxTagsPerBatch = 20;
/** Largest training image the service accepts: 6 MB. */
export const maxTrainingImageBytes = 6 * 1024 * 1024;

type FileEntry = TrainingModels.ImageFileCreateEntry;

/** One image to upload, with what applies only to it. */
export interface UploadImage {
  image: ImageInput;
  /** File name; the service reports it back as `sourceUrl`. Defaults to the File's name or `image-<n>`. */
  name?: string;
  /** Tags of this image only (added to the `tagIds` option). */
  tagIds?: NonNullable<FileEntry['tagIds']>;
  /** Bounding boxes (object detection). */
  regions?: NonNullable<FileEntry['regions']>;
}

/** One image's outcome: the service's entry, or a local rejection with `message` set. */
export type UploadImageResult = TrainingModels.ImageCreateResult & {
  /** Position of the image in the input, when known. */
  index?: number;
  /** Why the image was rejected before sending. */
  message?: string;
};

/** The merged `ImageCreateSummary` of all requests. */
export interface UploadImagesSummary extends Required<Pick<TrainingModels.ImageCreateSummary, 'isBatchSuccessful'>> {
  /** True when every image was accepted (every request succeeded and none was rejected locally). */
  readonly isBatchSuccessful: boolean;
  /** One entry per image, in input order. */
  readonly images: UploadImageResult[];
}

export interface UploadProgress {
  /** Images handled so far, sent or rejected. */
  done: number;
  /** Number of images, when the input is an array. */
  total: number | undefined;
  /** The service's answer for the request just finished (undefined for local rejections). */
  batch: TrainingModels.ImageCreateSummary | undefined;
}

export interface UploadImagesOptions extends RequestOptions {
  /** Tags for every image (at most 20). */
  tagIds?: readonly string[];
  /** Metadata for every image (v3.4-preview); sends the images as JSON through CreateImagesFromFiles. */
  metadata?: NonNullable<TrainingModels.ImageFileCreateBatch['metadata']>;
  /** Images per request (1 to 64; default 64). */
  batchSize?: number;
  /** Largest image accepted, in bytes (default 6 MB, the Azure limit). */
  maxImageBytes?: number;
  /** Called after each request and each local rejection. */
  onProgress?: (progress: UploadProgress) => void | Promise<void>;
}

interface Pending {
  index: number;
  blob: Blob;
  name: string;
  tagIds: readonly string[];
  regions: UploadImage['regions'];
}

function isUploadImage(item: ImageInput | UploadImage): item is UploadImage {
  return typeof item === 'object' && item !== null && 'image' in item;
}

function looksLikeOneImage(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    typeof v['arrayBuffer'] === 'function' ||
    typeof v['getReader'] === 'function' ||
    (typeof v['pipe'] === 'function' && typeof v['read'] === 'function')
  );
}

/**
 * Uploads images in as many requests as the limits require and merges the answers into one summary.
 *
 * Images without their own tags or regions go as multipart (CreateImagesFromData); a request that contains any
 * image with its own tags or regions, or when `metadata` is set, goes as JSON (CreateImagesFromFiles). Requests are
 * sent one after another; each is retried by the client's retry policy.
 */
export async function uploadImages(
  client: TrainingClient,
  projectId: string,
  images: Iterable<ImageInput | UploadImage> | AsyncIterable<ImageInput | UploadImage>,
  options: UploadImagesOptions = {},
): Promise<UploadImagesSummary> {
  const {
    tagIds = [],
    metadata,
    batchSize = maxImagesPerBatch,
    maxImageBytes = maxTrainingImageBytes,
    onProgress,
    ...requestOptions
  } = options;

  if (looksLikeOneImage(images)) {
    throw new TypeError('uploadImages takes a list of images; wrap a single image in an array');
  }
  if (tagIds.length > maxTagsPerBatch) {
    throw new RangeError(`At most ${maxTagsPerBatch} tags apply to a batch; got ${tagIds.length} in the tagIds option`);
  }
  const perBatch = Math.min(maxImagesPerBatch, Math.max(1, Math.floor(batchSize)));
  const total = Array.isArray(images) ? images.length : undefined;
  const results: UploadImageResult[] = [];
  let allAccepted = true;
  let done = 0;
  let batch: Pending[] = [];
  let batchTags = new Set(tagIds);

  const reject = async (index: number, name: string, status: UploadImageResult['status'], message: string) => {
    results.push({ sourceUrl: name, status, image: null, index, message });
    allAccepted = false;
    done++;
    await onProgress?.({ done, total, batch: undefined });
  };

  const flush = async () => {
    if (batch.length === 0) return;
    const sending = batch;
    batch = [];
    batchTags = new Set(tagIds);
    const asJson = metadata !== undefined || sending.some((p) => p.tagIds.length > 0 || (p.regions?.length ?? 0) > 0);
    const result = asJson
      ? await client.createImagesFromFiles(
          projectId,
          {
            images: await Promise.all(
              sending.map(async (p) => ({
                name: p.name,
                contents: await toBase64(p.blob),
                ...(p.tagIds.length > 0 ? { tagIds: [...p.tagIds] } : {}),
                ...(p.regions?.length ? { regions: p.regions } : {}),
              })),
            ),
            ...(tagIds.length > 0 ? { tagIds: [...tagIds] } : {}),
            ...(metadata ? { metadata } : {}),
          },
          requestOptions,
        )
      : await client.createImagesFromData(
          projectId,
          sending.map((p) => (nameOf(p.blob) === p.name ? p.blob : new File([p.blob], p.name, { type: p.blob.type }))),
          tagIds.length > 0 ? { tagIds: [...tagIds] } : undefined,
          requestOptions,
        );
    const answered = result.images ?? [];
    // The service answers in request order; when the counts differ the mapping is unknown.
    const aligned = answered.length === sending.length;
    answered.forEach((entry, i) => {
      results.push(aligned ? { ...entry, index: sending[i]!.index } : { ...entry });
    });
    if (result.isBatchSuccessful !== true) allAccepted = false;
    done += sending.length;
    await onProgress?.({ done, total, batch: result });
  };

  let index = 0;
  for await (const item of images) {
    const position = index++;
    if (requestOptions.signal?.aborted) throw requestOptions.signal.reason;
    const entry: UploadImage = isUploadImage(item) ? item : { image: item };
    const blob = await toBlob(entry.image);
    const name = entry.name ?? nameOf(blob) ?? `image-${position + 1}`;
    if (blob.size > maxImageBytes) {
      await reject(
        position,
        name,
        'ErrorImageSize',
        `${name} is ${blob.size} bytes; the limit is ${maxImageBytes} bytes (${(maxImageBytes / 1048576).toFixed(0)} MB)`,
      );
      continue;
    }
    const ownTags = (entry.tagIds ?? []).filter((t) => !tagIds.includes(t));
    if (tagIds.length + ownTags.length > maxTagsPerBatch) {
      await reject(
        position,
        name,
        'ErrorTagLimitExceed',
        `${name} has ${tagIds.length + ownTags.length} tags; at most ${maxTagsPerBatch} are accepted`,
      );
      continue;
    }
    const union = new Set([...batchTags, ...ownTags]);
    if (batch.length >= perBatch || union.size > maxTagsPerBatch) {
      await flush();
      for (const t of ownTags) batchTags.add(t);
    } else {
      batchTags = union;
    }
    batch.push({ index: position, blob, name, tagIds: ownTags, regions: entry.regions });
  }
  await flush();
  // Local rejections are recorded as they happen, before the batch around them is sent: restore input order.
  results.sort((a, b) => (a.index ?? Number.POSITIVE_INFINITY) - (b.index ?? Number.POSITIVE_INFINITY));
  return { isBatchSuccessful: allAccepted, images: results };
}
