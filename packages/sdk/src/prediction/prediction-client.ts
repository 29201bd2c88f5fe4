import type { APIPromise } from '../http/api-promise.js';
import { apiBaseUrl, requireKey } from '../http/endpoint.js';
import { type BaseClientOptions, HttpClient, type RequestInput, type RequestOptions } from '../http/http-client.js';
import type { ImageInput } from '../http/images.js';
import type {
  PathOf,
  PredictionBody,
  PredictionOperationId,
  PredictionOperations,
  PredictionQuery,
  PredictionResult,
} from '../spec-types.js';
import { predictionOperations } from './operations.js';

/** Prediction API versions the client speaks; v3.0 serves the same routes (its predictions lack `tagType`). */
export type PredictionApiVersion = 'v3.1' | 'v3.0';

export interface PredictionClientOptions extends BaseClientOptions {
  /** The prediction resource's key, sent as the `Prediction-Key` header. */
  predictionKey: string;
  /** Default `v3.1`. */
  apiVersion?: PredictionApiVersion;
}

type Q<K extends PredictionOperationId> = PredictionQuery<K>;
type Result<K extends PredictionOperationId> = APIPromise<PredictionResult<K>>;
type Call<K extends PredictionOperationId> = Omit<RequestInput, 'path' | 'query'> & {
  path: PathOf<PredictionOperations[K]>;
  query?: Q<K> | undefined;
};

/** `{ url }` of an image the service downloads. */
export type ImageUrlBody = PredictionBody<'ImageClassifier_ClassifyImageUrl'>;

/**
 * Client of the Custom Vision Prediction API (v3.1 or v3.0): classifies images and detects objects with an
 * iteration published under a name. Images go as application/octet-stream, at most 4 MB each.
 *
 * The plain methods (`classifyImage`, `detectImageUrl`...) store the image and result for review in the training
 * project; the `...WithNoStore` ones do not.
 *
 * @example
 * ```ts
 * import { PredictionClient } from '@cvkit/sdk';
 *
 * const predictor = new PredictionClient({ endpoint: 'http://localhost:3000', predictionKey: 'cvkit-dev-prediction-key' });
 * const result = await predictor.classifyImage(projectId, 'production', await file.arrayBuffer());
 * const best = result.predictions?.[0];
 * console.log(best?.tagName, best?.probability);
 * ```
 */
export class PredictionClient {
  /** `<endpoint>/customvision/<apiVersion>/prediction`. */
  readonly baseUrl: string;
  readonly apiVersion: PredictionApiVersion;
  readonly #http: HttpClient;

  constructor(options: PredictionClientOptions) {
    this.apiVersion = options.apiVersion ?? 'v3.1';
    this.baseUrl = apiBaseUrl(options.endpoint, 'prediction', this.apiVersion);
    this.#http = new HttpClient({
      ...options,
      baseUrl: this.baseUrl,
      authHeader: ['Prediction-Key', requireKey(options.predictionKey, 'predictionKey')],
    });
  }

  #call<K extends PredictionOperationId>(id: K, input: Call<K>, options: RequestOptions | undefined): Result<K> {
    return this.#http.request<PredictionResult<K>>(predictionOperations[id], input, options);
  }

  /** Classifies an image and stores it with the result. */
  classifyImage(
    projectId: string,
    publishedName: string,
    image: ImageInput,
    query?: Q<'ImageClassifier_ClassifyImage'>,
    options?: RequestOptions,
  ): Result<'ImageClassifier_ClassifyImage'> {
    return this.#call(
      'ImageClassifier_ClassifyImage',
      { path: { projectId, publishedName }, query, images: image },
      options,
    );
  }

  /** Classifies an image without storing anything. */
  classifyImageWithNoStore(
    projectId: string,
    publishedName: string,
    image: ImageInput,
    query?: Q<'ImageClassifier_ClassifyImageWithoutSaving'>,
    options?: RequestOptions,
  ): Result<'ImageClassifier_ClassifyImageWithoutSaving'> {
    return this.#call(
      'ImageClassifier_ClassifyImageWithoutSaving',
      { path: { projectId, publishedName }, query, images: image },
      options,
    );
  }

  /**
   * Classifies an image the service downloads from a URL, and stores it with the result.
   *
   * @example
   * ```ts
   * const result = await predictor.classifyImageUrl(projectId, 'production', { url: 'https://example.com/a.jpg' });
   * ```
   */
  classifyImageUrl(
    projectId: string,
    publishedName: string,
    imageUrl: ImageUrlBody,
    query?: Q<'ImageClassifier_ClassifyImageUrl'>,
    options?: RequestOptions,
  ): Result<'ImageClassifier_ClassifyImageUrl'> {
    return this.#call(
      'ImageClassifier_ClassifyImageUrl',
      { path: { projectId, publishedName }, query, json: imageUrl },
      options,
    );
  }

  /** Classifies an image from a URL without storing anything. */
  classifyImageUrlWithNoStore(
    projectId: string,
    publishedName: string,
    imageUrl: ImageUrlBody,
    query?: Q<'ImageClassifier_ClassifyImageUrlWithoutSaving'>,
    options?: RequestOptions,
  ): Result<'ImageClassifier_ClassifyImageUrlWithoutSaving'> {
    return this.#call(
      'ImageClassifier_ClassifyImageUrlWithoutSaving',
      { path: { projectId, publishedName }, query, json: imageUrl },
      options,
    );
  }

  /**
   * Detects objects in an image and stores it with the result. Each prediction has a `boundingBox` in fractions of
   * the image size.
   */
  detectImage(
    projectId: string,
    publishedName: string,
    image: ImageInput,
    query?: Q<'ObjectDetector_AnalyzeImage'>,
    options?: RequestOptions,
  ): Result<'ObjectDetector_AnalyzeImage'> {
    return this.#call(
      'ObjectDetector_AnalyzeImage',
      { path: { projectId, publishedName }, query, images: image },
      options,
    );
  }

  /** Detects objects in an image without storing anything. */
  detectImageWithNoStore(
    projectId: string,
    publishedName: string,
    image: ImageInput,
    query?: Q<'ObjectDetector_AnalyzeImageWithoutSaving'>,
    options?: RequestOptions,
  ): Result<'ObjectDetector_AnalyzeImageWithoutSaving'> {
    return this.#call(
      'ObjectDetector_AnalyzeImageWithoutSaving',
      { path: { projectId, publishedName }, query, images: image },
      options,
    );
  }

  /** Detects objects in an image from a URL and stores it with the result. */
  detectImageUrl(
    projectId: string,
    publishedName: string,
    imageUrl: ImageUrlBody,
    query?: Q<'ObjectDetector_AnalyzeImageUrl'>,
    options?: RequestOptions,
  ): Result<'ObjectDetector_AnalyzeImageUrl'> {
    return this.#call(
      'ObjectDetector_AnalyzeImageUrl',
      { path: { projectId, publishedName }, query, json: imageUrl },
      options,
    );
  }

  /** Detects objects in an image from a URL without storing anything. */
  detectImageUrlWithNoStore(
    projectId: string,
    publishedName: string,
    imageUrl: ImageUrlBody,
    query?: Q<'ObjectDetector_AnalyzeImageUrlWithoutSaving'>,
    options?: RequestOptions,
  ): Result<'ObjectDetector_AnalyzeImageUrlWithoutSaving'> {
    return this.#call(
      'ObjectDetector_AnalyzeImageUrlWithoutSaving',
      { path: { projectId, publishedName }, query, json: imageUrl },
      options,
    );
  }
}
