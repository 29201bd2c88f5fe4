/**
 * Typed client for the Azure Custom Vision Training (v3.3, v3.4-preview) and Prediction (v3.1, v3.0) APIs, for Azure
 * and for cvkit servers alike. Built on `fetch` alone, so it runs in Node 20+ and in browsers; Node-only helpers live
 * in `@cvkit/sdk/node`.
 *
 * @example
 * ```ts
 * import { PredictionClient, TrainingClient } from '@cvkit/sdk';
 *
 * const trainer = new TrainingClient({ endpoint: 'http://localhost:3000', trainingKey: 'cvkit-dev-training-key' });
 * const projects = await trainer.getProjects();
 * ```
 */

export type { PredictionModels, TrainingModels } from '@cvkit/api-types';
export { parseServiceDate } from './dates.js';
export {
  BadRequestError,
  ConflictError,
  ConnectionError,
  CustomVisionError,
  type CustomVisionErrorInit,
  ExportFailedError,
  ForbiddenError,
  NotFoundError,
  RateLimitError,
  ServerError,
  TimeoutError,
  TrainingFailedError,
  UnauthorizedError,
  WaitTimeoutError,
} from './errors.js';
export { maxPageSize, type PageOptions } from './helpers/paginate.js';
export {
  maxImagesPerBatch,
  maxTagsPerBatch,
  maxTrainingImageBytes,
  type UploadImage,
  type UploadImageResult,
  type UploadImagesOptions,
  type UploadImagesSummary,
  type UploadProgress,
} from './helpers/upload-images.js';
export type { ExportFlavor, ExportPlatform, WaitForExportOptions, WaitOptions } from './helpers/wait.js';
export { APIPromise, type WithResponse } from './http/api-promise.js';
export {
  type BaseClientOptions,
  defaultTimeoutMs,
  type RequestOptions,
  type ResponseEvent,
} from './http/http-client.js';
export type { ImageInput } from './http/images.js';
export { defaultRetryOptions, type RetryOptions, type RetrySetting } from './http/retry.js';
export {
  type ImageUrlBody,
  type PredictionApiVersion,
  PredictionClient,
  type PredictionClientOptions,
} from './prediction/prediction-client.js';
export type {
  ErrorBody,
  ErrorCode,
  PredictionBody,
  PredictionOperationId,
  PredictionQuery,
  PredictionResult,
  TrainingBody,
  TrainingOperationId,
  TrainingQuery,
  TrainingResult,
} from './spec-types.js';
export { type TrainingApiVersion, TrainingClient, type TrainingClientOptions } from './training/training-client.js';
