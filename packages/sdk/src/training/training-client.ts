import type { TrainingModels } from '@cvkit/api-types';
import { type PageOptions, paginateContinuation, paginateTakeSkip } from '../helpers/paginate.js';
import {
  type UploadImage,
  type UploadImagesOptions,
  type UploadImagesSummary,
  uploadImages,
} from '../helpers/upload-images.js';
import {
  type ExportPlatform,
  type WaitForExportOptions,
  type WaitOptions,
  waitForExport,
  waitForTraining,
} from '../helpers/wait.js';
import type { APIPromise } from '../http/api-promise.js';
import { apiBaseUrl, requireKey } from '../http/endpoint.js';
import { type BaseClientOptions, HttpClient, type RequestInput, type RequestOptions } from '../http/http-client.js';
import type { ImageInput } from '../http/images.js';
import type {
  PathOf,
  TrainingBody,
  TrainingOperationId,
  TrainingOperations,
  TrainingQuery,
  TrainingResult,
} from '../spec-types.js';
import { trainingOperations } from './operations.js';

/** Training API versions the client speaks; they share routes and models. */
export type TrainingApiVersion = 'v3.3' | 'v3.4-preview';

export interface TrainingClientOptions extends BaseClientOptions {
  /** The training resource's key, sent as the `Training-Key` header. */
  trainingKey: string;
  /** Default `v3.3`. `v3.4-preview` adds project storage options, image metadata and OpenVino export. */
  apiVersion?: TrainingApiVersion;
}

type Q<K extends TrainingOperationId> = TrainingQuery<K>;
type B<K extends TrainingOperationId> = TrainingBody<K>;
type Result<K extends TrainingOperationId> = APIPromise<TrainingResult<K>>;
type Call<K extends TrainingOperationId> = Omit<RequestInput, 'path' | 'query'> & {
  path?: PathOf<TrainingOperations[K]>;
  query?: Q<K> | undefined;
};

/**
 * Client of the Custom Vision Training API (v3.3 or v3.4-preview): projects, tags, images, training, evaluation,
 * publishing and export. Works against Azure and against a cvkit server alike.
 *
 * Arguments follow one order: path ids, then a required body, then query parameters, then an optional body, then
 * per-call options (`{ signal, timeout, retry, headers }`). Results are the contract's JSON models; dates stay the
 * ISO-8601 strings the service sends (see `parseServiceDate`).
 *
 * @example
 * ```ts
 * import { TrainingClient } from '@cvkit/sdk';
 *
 * const trainer = new TrainingClient({
 *   endpoint: 'https://my-resource.cognitiveservices.azure.com',
 *   trainingKey: process.env.TRAINING_KEY!,
 * });
 * const project = await trainer.createProject({ name: 'trees' });
 * const tag = await trainer.createTag(project.id!, { name: 'hemlock' });
 * await trainer.uploadImages(project.id!, files, { tagIds: [tag.id!] });
 * const iteration = await trainer.trainProject(project.id!);
 * await trainer.waitForTraining(project.id!, iteration.id!);
 * ```
 */
export class TrainingClient {
  /** `<endpoint>/customvision/<apiVersion>/training`. */
  readonly baseUrl: string;
  readonly apiVersion: TrainingApiVersion;
  readonly #http: HttpClient;

  constructor(options: TrainingClientOptions) {
    this.apiVersion = options.apiVersion ?? 'v3.3';
    this.baseUrl = apiBaseUrl(options.endpoint, 'training', this.apiVersion);
    this.#http = new HttpClient({
      ...options,
      baseUrl: this.baseUrl,
      authHeader: ['Training-Key', requireKey(options.trainingKey, 'trainingKey')],
    });
  }

  #call<K extends TrainingOperationId>(id: K, input: Call<K>, options: RequestOptions | undefined): Result<K> {
    return this.#http.request<TrainingResult<K>>(trainingOperations[id], input, options);
  }

  // ---- Domains ----

  /** Lists the domains (base models) a project can be created with. */
  getDomains(options?: RequestOptions): Result<'GetDomains'> {
    return this.#call('GetDomains', {}, options);
  }

  /** Gets one domain. */
  getDomain(domainId: string, options?: RequestOptions): Result<'GetDomain'> {
    return this.#call('GetDomain', { path: { domainId } }, options);
  }

  // ---- Projects ----

  /** Lists the projects of the resource. */
  getProjects(options?: RequestOptions): Result<'GetProjects'> {
    return this.#call('GetProjects', {}, options);
  }

  /**
   * Creates a project. Without `domainId` it uses the General domain; without `classificationType`, Multilabel.
   *
   * @example
   * ```ts
   * const project = await trainer.createProject({ name: 'fruit', classificationType: 'Multiclass' });
   * ```
   */
  createProject(
    query: Q<'CreateProject'>,
    body?: B<'CreateProject'>,
    options?: RequestOptions,
  ): Result<'CreateProject'> {
    return this.#call('CreateProject', { query, json: body }, options);
  }

  /** Gets one project. */
  getProject(projectId: string, options?: RequestOptions): Result<'GetProject'> {
    return this.#call('GetProject', { path: { projectId } }, options);
  }

  /** Deletes a project with its images, tags and iterations. */
  deleteProject(projectId: string, options?: RequestOptions): Result<'DeleteProject'> {
    return this.#call('DeleteProject', { path: { projectId } }, options);
  }

  /**
   * Changes a project's name, description or settings. Send only what changes.
   *
   * @example
   * ```ts
   * await trainer.updateProject(projectId, { description: 'Tree species from the 2024 survey' });
   * ```
   */
  updateProject(
    projectId: string,
    changes: Partial<B<'UpdateProject'>>,
    options?: RequestOptions,
  ): Result<'UpdateProject'> {
    return this.#call('UpdateProject', { path: { projectId }, json: changes }, options);
  }

  /** Downloads a stored artifact of the project (as a Blob). */
  getArtifact(projectId: string, query: Q<'GetArtifact'>, options?: RequestOptions): Result<'GetArtifact'> {
    return this.#call('GetArtifact', { path: { projectId }, query }, options);
  }

  /** Exports the whole project; the returned `token` imports it elsewhere with `importProject`. */
  exportProject(projectId: string, options?: RequestOptions): Result<'ExportProject'> {
    return this.#call('ExportProject', { path: { projectId } }, options);
  }

  /** Imports a project exported with `exportProject`. The new project starts with status `Importing`. */
  importProject(query: Q<'ImportProject'>, options?: RequestOptions): Result<'ImportProject'> {
    return this.#call('ImportProject', { query }, options);
  }

  // ---- Images ----

  /** Lists images, filtered by tags, tagging state or metadata (take/skip paging; see `iterateImages`). */
  getImages(projectId: string, query?: Q<'GetImages'>, options?: RequestOptions): Result<'GetImages'> {
    return this.#call('GetImages', { path: { projectId }, query }, options);
  }

  /**
   * Adds images from their bytes. An array is sent as multipart/form-data (one `imageData` part per image, names
   * kept); a single image is sent as application/octet-stream. At most 64 images of 6 MB each per call: use
   * `uploadImages` for more.
   *
   * @example
   * ```ts
   * const summary = await trainer.createImagesFromData(projectId, [jpegBytes, pngBlob], { tagIds: [tagId] });
   * if (!summary.isBatchSuccessful) console.log(summary.images?.filter((i) => i.status !== 'OK'));
   * ```
   */
  createImagesFromData(
    projectId: string,
    images: ImageInput | readonly ImageInput[],
    query?: Q<'CreateImagesFromData'>,
    options?: RequestOptions,
  ): Result<'CreateImagesFromData'> {
    return this.#call('CreateImagesFromData', { path: { projectId }, query, images }, options);
  }

  /** Adds images sent as base64 JSON entries, each with its own tags and regions. */
  createImagesFromFiles(
    projectId: string,
    batch: B<'CreateImagesFromFiles'>,
    options?: RequestOptions,
  ): Result<'CreateImagesFromFiles'> {
    return this.#call('CreateImagesFromFiles', { path: { projectId }, json: batch }, options);
  }

  /** Adds images the service downloads from URLs. */
  createImagesFromUrls(
    projectId: string,
    batch: B<'CreateImagesFromUrls'>,
    options?: RequestOptions,
  ): Result<'CreateImagesFromUrls'> {
    return this.#call('CreateImagesFromUrls', { path: { projectId }, json: batch }, options);
  }

  /** Adds images that were stored with predictions, by prediction id. */
  createImagesFromPredictions(
    projectId: string,
    batch: B<'CreateImagesFromPredictions'>,
    options?: RequestOptions,
  ): Result<'CreateImagesFromPredictions'> {
    return this.#call('CreateImagesFromPredictions', { path: { projectId }, json: batch }, options);
  }

  /** Deletes images by id, or all of them with `allImages: true`. */
  deleteImages(projectId: string, query?: Q<'DeleteImages'>, options?: RequestOptions): Result<'DeleteImages'> {
    return this.#call('DeleteImages', { path: { projectId }, query }, options);
  }

  /** Proposes object regions in an image (object detection). */
  getImageRegionProposals(
    projectId: string,
    imageId: string,
    options?: RequestOptions,
  ): Result<'GetImageRegionProposals'> {
    return this.#call('GetImageRegionProposals', { path: { projectId, imageId } }, options);
  }

  /** Counts images with the same filters as `getImages`. */
  getImageCount(projectId: string, query?: Q<'GetImageCount'>, options?: RequestOptions): Result<'GetImageCount'> {
    return this.#call('GetImageCount', { path: { projectId }, query }, options);
  }

  /** Gets images by id (at most 256). */
  getImagesByIds(projectId: string, query?: Q<'GetImagesByIds'>, options?: RequestOptions): Result<'GetImagesByIds'> {
    return this.#call('GetImagesByIds', { path: { projectId }, query }, options);
  }

  /**
   * Sets metadata keys and values on images.
   *
   * @example
   * ```ts
   * await trainer.updateImageMetadata(projectId, { camera: 'north' }, { imageIds: [imageId] });
   * ```
   */
  updateImageMetadata(
    projectId: string,
    metadata: B<'UpdateImageMetadata'>,
    query: Q<'UpdateImageMetadata'>,
    options?: RequestOptions,
  ): Result<'UpdateImageMetadata'> {
    return this.#call('UpdateImageMetadata', { path: { projectId }, query, json: metadata }, options);
  }

  /** Lists tagged images (take/skip paging; see `iterateTaggedImages`). */
  getTaggedImages(
    projectId: string,
    query?: Q<'GetTaggedImages'>,
    options?: RequestOptions,
  ): Result<'GetTaggedImages'> {
    return this.#call('GetTaggedImages', { path: { projectId }, query }, options);
  }

  /** Counts tagged images. */
  getTaggedImageCount(
    projectId: string,
    query?: Q<'GetTaggedImageCount'>,
    options?: RequestOptions,
  ): Result<'GetTaggedImageCount'> {
    return this.#call('GetTaggedImageCount', { path: { projectId }, query }, options);
  }

  /** Lists untagged images (take/skip paging; see `iterateUntaggedImages`). */
  getUntaggedImages(
    projectId: string,
    query?: Q<'GetUntaggedImages'>,
    options?: RequestOptions,
  ): Result<'GetUntaggedImages'> {
    return this.#call('GetUntaggedImages', { path: { projectId }, query }, options);
  }

  /** Counts untagged images. */
  getUntaggedImageCount(
    projectId: string,
    query?: Q<'GetUntaggedImageCount'>,
    options?: RequestOptions,
  ): Result<'GetUntaggedImageCount'> {
    return this.#call('GetUntaggedImageCount', { path: { projectId }, query }, options);
  }

  /** Tags images: one entry per (image, tag) pair. */
  createImageTags(projectId: string, batch: B<'CreateImageTags'>, options?: RequestOptions): Result<'CreateImageTags'> {
    return this.#call('CreateImageTags', { path: { projectId }, json: batch }, options);
  }

  /** Removes tags from images. */
  deleteImageTags(projectId: string, query: Q<'DeleteImageTags'>, options?: RequestOptions): Result<'DeleteImageTags'> {
    return this.#call('DeleteImageTags', { path: { projectId }, query }, options);
  }

  /** Adds bounding boxes to images (object detection); coordinates are fractions of the image size. */
  createImageRegions(
    projectId: string,
    batch: B<'CreateImageRegions'>,
    options?: RequestOptions,
  ): Result<'CreateImageRegions'> {
    return this.#call('CreateImageRegions', { path: { projectId }, json: batch }, options);
  }

  /** Deletes regions by id. */
  deleteImageRegions(
    projectId: string,
    query: Q<'DeleteImageRegions'>,
    options?: RequestOptions,
  ): Result<'DeleteImageRegions'> {
    return this.#call('DeleteImageRegions', { path: { projectId }, query }, options);
  }

  /** Lists untagged images with the tags and regions a trained iteration suggests for them. */
  querySuggestedImages(
    projectId: string,
    token: B<'QuerySuggestedImages'>,
    query: Q<'QuerySuggestedImages'>,
    options?: RequestOptions,
  ): Result<'QuerySuggestedImages'> {
    return this.#call('QuerySuggestedImages', { path: { projectId }, query, json: token }, options);
  }

  /** Counts untagged images per suggested tag. */
  querySuggestedImageCount(
    projectId: string,
    filter: B<'QuerySuggestedImageCount'>,
    query: Q<'QuerySuggestedImageCount'>,
    options?: RequestOptions,
  ): Result<'QuerySuggestedImageCount'> {
    return this.#call('QuerySuggestedImageCount', { path: { projectId }, query, json: filter }, options);
  }

  /** Asks a trained iteration to suggest tags and regions for images (at most 64). */
  suggestTagsAndRegions(
    projectId: string,
    query: Q<'SuggestTagsAndRegions'>,
    options?: RequestOptions,
  ): Result<'SuggestTagsAndRegions'> {
    return this.#call('SuggestTagsAndRegions', { path: { projectId }, query }, options);
  }

  // ---- Iterations ----

  /** Lists the trained (and training) iterations of a project. */
  getIterations(projectId: string, options?: RequestOptions): Result<'GetIterations'> {
    return this.#call('GetIterations', { path: { projectId } }, options);
  }

  /** Gets one iteration; `status` tells whether training is done. See `waitForTraining`. */
  getIteration(projectId: string, iterationId: string, options?: RequestOptions): Result<'GetIteration'> {
    return this.#call('GetIteration', { path: { projectId, iterationId } }, options);
  }

  /** Deletes an iteration (unpublish it first). */
  deleteIteration(projectId: string, iterationId: string, options?: RequestOptions): Result<'DeleteIteration'> {
    return this.#call('DeleteIteration', { path: { projectId, iterationId } }, options);
  }

  /** Renames an iteration or makes it the default. Send only what changes. */
  updateIteration(
    projectId: string,
    iterationId: string,
    changes: Partial<B<'UpdateIteration'>>,
    options?: RequestOptions,
  ): Result<'UpdateIteration'> {
    return this.#call('UpdateIteration', { path: { projectId, iterationId }, json: changes }, options);
  }

  /**
   * Starts training a new iteration and returns it with status `Training`; see `waitForTraining`.
   *
   * @example
   * ```ts
   * const iteration = await trainer.trainProject(projectId, { trainingType: 'Regular', forceTrain: true });
   * ```
   */
  trainProject(
    projectId: string,
    query?: Q<'TrainProject'>,
    body?: B<'TrainProject'>,
    options?: RequestOptions,
  ): Result<'TrainProject'> {
    return this.#call('TrainProject', { path: { projectId }, query, json: body }, options);
  }

  /** Publishes an iteration to a prediction resource under a name the Prediction API then uses. */
  publishIteration(
    projectId: string,
    iterationId: string,
    query: Q<'PublishIteration'>,
    options?: RequestOptions,
  ): Result<'PublishIteration'> {
    return this.#call('PublishIteration', { path: { projectId, iterationId }, query }, options);
  }

  /** Withdraws an iteration from the Prediction API. */
  unpublishIteration(projectId: string, iterationId: string, options?: RequestOptions): Result<'UnpublishIteration'> {
    return this.#call('UnpublishIteration', { path: { projectId, iterationId } }, options);
  }

  /** Precision, recall and average precision of an iteration, overall and per tag. */
  getIterationPerformance(
    projectId: string,
    iterationId: string,
    query?: Q<'GetIterationPerformance'>,
    options?: RequestOptions,
  ): Result<'GetIterationPerformance'> {
    return this.#call('GetIterationPerformance', { path: { projectId, iterationId }, query }, options);
  }

  /** The held-out images of an iteration with their predictions (take/skip paging). */
  getImagePerformances(
    projectId: string,
    iterationId: string,
    query?: Q<'GetImagePerformances'>,
    options?: RequestOptions,
  ): Result<'GetImagePerformances'> {
    return this.#call('GetImagePerformances', { path: { projectId, iterationId }, query }, options);
  }

  /** Counts the held-out images of an iteration. */
  getImagePerformanceCount(
    projectId: string,
    iterationId: string,
    query?: Q<'GetImagePerformanceCount'>,
    options?: RequestOptions,
  ): Result<'GetImagePerformanceCount'> {
    return this.#call('GetImagePerformanceCount', { path: { projectId, iterationId }, query }, options);
  }

  // ---- Export ----

  /** Lists the exports of an iteration with their status and download URI. */
  getExports(projectId: string, iterationId: string, options?: RequestOptions): Result<'GetExports'> {
    return this.#call('GetExports', { path: { projectId, iterationId } }, options);
  }

  /** Starts exporting an iteration for a platform; see `waitForExport`. */
  exportIteration(
    projectId: string,
    iterationId: string,
    query: Q<'ExportIteration'>,
    options?: RequestOptions,
  ): Result<'ExportIteration'> {
    return this.#call('ExportIteration', { path: { projectId, iterationId }, query }, options);
  }

  // ---- Predictions stored by the Prediction API ----

  /** Queries stored predictions; `token.continuation` leads to the next page (see `iteratePredictions`). */
  queryPredictions(
    projectId: string,
    query: B<'QueryPredictions'>,
    options?: RequestOptions,
  ): Result<'QueryPredictions'> {
    return this.#call('QueryPredictions', { path: { projectId }, json: query }, options);
  }

  /** Deletes stored predictions by id. */
  deletePrediction(
    projectId: string,
    query: Q<'DeletePrediction'>,
    options?: RequestOptions,
  ): Result<'DeletePrediction'> {
    return this.#call('DeletePrediction', { path: { projectId }, query }, options);
  }

  /** Runs an image through an iteration (the default one when `iterationId` is omitted), sent as octet-stream. */
  quickTestImage(
    projectId: string,
    image: ImageInput,
    query?: Q<'QuickTestImage'>,
    options?: RequestOptions,
  ): Result<'QuickTestImage'> {
    return this.#call('QuickTestImage', { path: { projectId }, query, images: image }, options);
  }

  /** Runs an image from a URL through an iteration. */
  quickTestImageUrl(
    projectId: string,
    imageUrl: B<'QuickTestImageUrl'>,
    query?: Q<'QuickTestImageUrl'>,
    options?: RequestOptions,
  ): Result<'QuickTestImageUrl'> {
    return this.#call('QuickTestImageUrl', { path: { projectId }, query, json: imageUrl }, options);
  }

  // ---- Tags ----

  /** Lists the tags of a project, with image counts. */
  getTags(projectId: string, query?: Q<'GetTags'>, options?: RequestOptions): Result<'GetTags'> {
    return this.#call('GetTags', { path: { projectId }, query }, options);
  }

  /**
   * Creates a tag.
   *
   * @example
   * ```ts
   * const negative = await trainer.createTag(projectId, { name: 'none', type: 'Negative' });
   * ```
   */
  createTag(projectId: string, query: Q<'CreateTag'>, options?: RequestOptions): Result<'CreateTag'> {
    return this.#call('CreateTag', { path: { projectId }, query }, options);
  }

  /** Gets one tag. */
  getTag(projectId: string, tagId: string, query?: Q<'GetTag'>, options?: RequestOptions): Result<'GetTag'> {
    return this.#call('GetTag', { path: { projectId, tagId }, query }, options);
  }

  /** Deletes a tag and removes it from every image. */
  deleteTag(projectId: string, tagId: string, options?: RequestOptions): Result<'DeleteTag'> {
    return this.#call('DeleteTag', { path: { projectId, tagId } }, options);
  }

  /** Renames a tag or changes its description or type. Send only what changes. */
  updateTag(
    projectId: string,
    tagId: string,
    changes: Partial<B<'UpdateTag'>>,
    options?: RequestOptions,
  ): Result<'UpdateTag'> {
    return this.#call('UpdateTag', { path: { projectId, tagId }, json: changes }, options);
  }

  // ---- Helpers ----

  /**
   * Uploads any number of images, split into requests the service accepts (64 images, 20 tags, 6 MB per image),
   * and merges the answers. Oversized images get an `ErrorImageSize` entry with a `message` instead of failing the
   * batch.
   *
   * @example
   * ```ts
   * const summary = await trainer.uploadImages(projectId, images, {
   *   tagIds: [tagId],
   *   onProgress: ({ done, total }) => console.log(`${done}/${total}`),
   * });
   * ```
   */
  uploadImages(
    projectId: string,
    images: Iterable<ImageInput | UploadImage> | AsyncIterable<ImageInput | UploadImage>,
    options?: UploadImagesOptions,
  ): Promise<UploadImagesSummary> {
    return uploadImages(this, projectId, images, options);
  }

  /**
   * Polls an iteration until training ends: resolves with the `Completed` iteration, rejects with
   * `TrainingFailedError` (with `trainingErrorDetails`) when it fails, or `WaitTimeoutError` after `timeoutMs`.
   *
   * @example
   * ```ts
   * const done = await trainer.waitForTraining(projectId, iteration.id!, {
   *   intervalMs: 5000,
   *   onProgress: (it) => console.log(it.status),
   * });
   * ```
   */
  waitForTraining(
    projectId: string,
    iterationId: string,
    options?: WaitOptions<TrainingModels.Iteration>,
  ): Promise<TrainingModels.Iteration> {
    return waitForTraining(this, projectId, iterationId, options);
  }

  /**
   * Polls until the export of an iteration for `platform` is `Done` and returns it (with `downloadUri`); rejects
   * with `ExportFailedError` when it fails.
   *
   * @example
   * ```ts
   * await trainer.exportIteration(projectId, iterationId, { platform: 'ONNX' });
   * const { downloadUri } = await trainer.waitForExport(projectId, iterationId, 'ONNX');
   * ```
   */
  waitForExport(
    projectId: string,
    iterationId: string,
    platform: ExportPlatform,
    options?: WaitForExportOptions,
  ): Promise<TrainingModels.Export> {
    return waitForExport(this, projectId, iterationId, platform, options);
  }

  /**
   * Iterates over all images matching the filters, fetching pages of `pageSize` (≤ 256) as needed.
   *
   * @example
   * ```ts
   * for await (const image of trainer.iterateImages(projectId, { taggingStatus: 'Tagged', orderBy: 'Oldest' })) {
   *   console.log(image.id, image.tags?.map((t) => t.tagName));
   * }
   * ```
   */
  iterateImages(
    projectId: string,
    query?: Omit<Q<'GetImages'>, 'take' | 'skip'>,
    options?: PageOptions,
  ): AsyncGenerator<TrainingModels.Image, void, undefined> {
    return paginateTakeSkip(
      (take, skip, requestOptions) => this.getImages(projectId, { ...query, take, skip }, requestOptions),
      options,
    );
  }

  /** Iterates over all tagged images, page by page. */
  iterateTaggedImages(
    projectId: string,
    query?: Omit<Q<'GetTaggedImages'>, 'take' | 'skip'>,
    options?: PageOptions,
  ): AsyncGenerator<TrainingModels.Image, void, undefined> {
    return paginateTakeSkip(
      (take, skip, requestOptions) => this.getTaggedImages(projectId, { ...query, take, skip }, requestOptions),
      options,
    );
  }

  /** Iterates over all untagged images, page by page. */
  iterateUntaggedImages(
    projectId: string,
    query?: Omit<Q<'GetUntaggedImages'>, 'take' | 'skip'>,
    options?: PageOptions,
  ): AsyncGenerator<TrainingModels.Image, void, undefined> {
    return paginateTakeSkip(
      (take, skip, requestOptions) => this.getUntaggedImages(projectId, { ...query, take, skip }, requestOptions),
      options,
    );
  }

  /** Iterates over the held-out images of an iteration with their predictions, page by page. */
  iterateImagePerformances(
    projectId: string,
    iterationId: string,
    query?: Omit<Q<'GetImagePerformances'>, 'take' | 'skip'>,
    options?: PageOptions,
  ): AsyncGenerator<TrainingModels.ImagePerformance, void, undefined> {
    return paginateTakeSkip(
      (take, skip, requestOptions) =>
        this.getImagePerformances(projectId, iterationId, { ...query, take, skip }, requestOptions),
      options,
    );
  }

  /**
   * Iterates over stored predictions matching the query, following `token.continuation` from page to page.
   *
   * @example
   * ```ts
   * for await (const p of trainer.iteratePredictions(projectId, { orderBy: 'Newest', iterationId })) {
   *   console.log(p.created, p.predictions?.[0]?.tagName);
   * }
   * ```
   */
  iteratePredictions(
    projectId: string,
    query: B<'QueryPredictions'> = {},
    options?: RequestOptions,
  ): AsyncGenerator<TrainingModels.StoredImagePrediction, void, undefined> {
    return paginateContinuation(query, (token) => this.queryPredictions(projectId, token, options));
  }

  /** Iterates over suggested images of an iteration, following `token.continuation` from page to page. */
  iterateSuggestedImages(
    projectId: string,
    iterationId: string,
    query: B<'QuerySuggestedImages'> = {},
    options?: RequestOptions,
  ): AsyncGenerator<TrainingModels.StoredSuggestedTagAndRegion, void, undefined> {
    return paginateContinuation(query, (token) =>
      this.querySuggestedImages(projectId, token, { iterationId }, options),
    );
  }
}
