/**
 * The 52 Training operations: route, how the body is read, and whether repeating the call is harmless (which
 * decides retries after 5xx and network errors; see `http/retry.ts`). Checked against the contract at compile time.
 */
import type { Training } from '@cvkit/api-types';
import { type OperationTable, withIds } from '../operation-table.js';

const rows = {
  GetDomains: { method: 'GET', path: '/domains', idempotent: true, response: 'json' },
  GetDomain: { method: 'GET', path: '/domains/{domainId}', idempotent: true, response: 'json' },
  GetProjects: { method: 'GET', path: '/projects', idempotent: true, response: 'json' },
  CreateProject: { method: 'POST', path: '/projects', idempotent: false, response: 'json' },
  GetProject: { method: 'GET', path: '/projects/{projectId}', idempotent: true, response: 'json' },
  DeleteProject: { method: 'DELETE', path: '/projects/{projectId}', idempotent: true, response: 'none' },
  UpdateProject: { method: 'PATCH', path: '/projects/{projectId}', idempotent: true, response: 'json' },
  GetArtifact: { method: 'GET', path: '/projects/{projectId}/artifacts', idempotent: true, response: 'blob' },
  ExportProject: { method: 'GET', path: '/projects/{projectId}/export', idempotent: true, response: 'json' },
  GetImages: { method: 'GET', path: '/projects/{projectId}/images', idempotent: true, response: 'json' },
  // The service answers a repeated upload of the same bytes with `OKDuplicate`.
  CreateImagesFromData: { method: 'POST', path: '/projects/{projectId}/images', idempotent: true, response: 'json' },
  DeleteImages: { method: 'DELETE', path: '/projects/{projectId}/images', idempotent: true, response: 'none' },
  GetImageRegionProposals: {
    method: 'POST',
    path: '/projects/{projectId}/images/{imageId}/regionproposals',
    idempotent: true,
    response: 'json',
  },
  GetImageCount: { method: 'GET', path: '/projects/{projectId}/images/count', idempotent: true, response: 'json' },
  CreateImagesFromFiles: {
    method: 'POST',
    path: '/projects/{projectId}/images/files',
    idempotent: true,
    response: 'json',
  },
  GetImagesByIds: { method: 'GET', path: '/projects/{projectId}/images/id', idempotent: true, response: 'json' },
  UpdateImageMetadata: {
    method: 'POST',
    path: '/projects/{projectId}/images/metadata',
    idempotent: true,
    response: 'json',
  },
  CreateImagesFromPredictions: {
    method: 'POST',
    path: '/projects/{projectId}/images/predictions',
    idempotent: true,
    response: 'json',
  },
  // Repeated regions and tags come back under `duplicated`.
  CreateImageRegions: {
    method: 'POST',
    path: '/projects/{projectId}/images/regions',
    idempotent: true,
    response: 'json',
  },
  DeleteImageRegions: {
    method: 'DELETE',
    path: '/projects/{projectId}/images/regions',
    idempotent: true,
    response: 'none',
  },
  QuerySuggestedImages: {
    method: 'POST',
    path: '/projects/{projectId}/images/suggested',
    idempotent: true,
    response: 'json',
  },
  QuerySuggestedImageCount: {
    method: 'POST',
    path: '/projects/{projectId}/images/suggested/count',
    idempotent: true,
    response: 'json',
  },
  GetTaggedImages: { method: 'GET', path: '/projects/{projectId}/images/tagged', idempotent: true, response: 'json' },
  GetTaggedImageCount: {
    method: 'GET',
    path: '/projects/{projectId}/images/tagged/count',
    idempotent: true,
    response: 'json',
  },
  CreateImageTags: { method: 'POST', path: '/projects/{projectId}/images/tags', idempotent: true, response: 'json' },
  DeleteImageTags: { method: 'DELETE', path: '/projects/{projectId}/images/tags', idempotent: true, response: 'none' },
  GetUntaggedImages: {
    method: 'GET',
    path: '/projects/{projectId}/images/untagged',
    idempotent: true,
    response: 'json',
  },
  GetUntaggedImageCount: {
    method: 'GET',
    path: '/projects/{projectId}/images/untagged/count',
    idempotent: true,
    response: 'json',
  },
  CreateImagesFromUrls: {
    method: 'POST',
    path: '/projects/{projectId}/images/urls',
    idempotent: true,
    response: 'json',
  },
  GetIterations: { method: 'GET', path: '/projects/{projectId}/iterations', idempotent: true, response: 'json' },
  GetIteration: {
    method: 'GET',
    path: '/projects/{projectId}/iterations/{iterationId}',
    idempotent: true,
    response: 'json',
  },
  DeleteIteration: {
    method: 'DELETE',
    path: '/projects/{projectId}/iterations/{iterationId}',
    idempotent: true,
    response: 'none',
  },
  UpdateIteration: {
    method: 'PATCH',
    path: '/projects/{projectId}/iterations/{iterationId}',
    idempotent: true,
    response: 'json',
  },
  GetExports: {
    method: 'GET',
    path: '/projects/{projectId}/iterations/{iterationId}/export',
    idempotent: true,
    response: 'json',
  },
  ExportIteration: {
    method: 'POST',
    path: '/projects/{projectId}/iterations/{iterationId}/export',
    idempotent: false,
    response: 'json',
  },
  GetIterationPerformance: {
    method: 'GET',
    path: '/projects/{projectId}/iterations/{iterationId}/performance',
    idempotent: true,
    response: 'json',
  },
  GetImagePerformances: {
    method: 'GET',
    path: '/projects/{projectId}/iterations/{iterationId}/performance/images',
    idempotent: true,
    response: 'json',
  },
  GetImagePerformanceCount: {
    method: 'GET',
    path: '/projects/{projectId}/iterations/{iterationId}/performance/images/count',
    idempotent: true,
    response: 'json',
  },
  PublishIteration: {
    method: 'POST',
    path: '/projects/{projectId}/iterations/{iterationId}/publish',
    idempotent: false,
    response: 'json',
  },
  UnpublishIteration: {
    method: 'DELETE',
    path: '/projects/{projectId}/iterations/{iterationId}/publish',
    idempotent: true,
    response: 'none',
  },
  DeletePrediction: { method: 'DELETE', path: '/projects/{projectId}/predictions', idempotent: true, response: 'none' },
  QueryPredictions: {
    method: 'POST',
    path: '/projects/{projectId}/predictions/query',
    idempotent: true,
    response: 'json',
  },
  // Stores the image and its prediction unless `store=false`.
  QuickTestImage: {
    method: 'POST',
    path: '/projects/{projectId}/quicktest/image',
    idempotent: false,
    response: 'json',
  },
  QuickTestImageUrl: {
    method: 'POST',
    path: '/projects/{projectId}/quicktest/url',
    idempotent: false,
    response: 'json',
  },
  GetTags: { method: 'GET', path: '/projects/{projectId}/tags', idempotent: true, response: 'json' },
  CreateTag: { method: 'POST', path: '/projects/{projectId}/tags', idempotent: false, response: 'json' },
  GetTag: { method: 'GET', path: '/projects/{projectId}/tags/{tagId}', idempotent: true, response: 'json' },
  DeleteTag: { method: 'DELETE', path: '/projects/{projectId}/tags/{tagId}', idempotent: true, response: 'none' },
  UpdateTag: { method: 'PATCH', path: '/projects/{projectId}/tags/{tagId}', idempotent: true, response: 'json' },
  SuggestTagsAndRegions: {
    method: 'POST',
    path: '/projects/{projectId}/tagsandregions/suggestions',
    idempotent: true,
    response: 'json',
  },
  TrainProject: { method: 'POST', path: '/projects/{projectId}/train', idempotent: false, response: 'json' },
  ImportProject: { method: 'POST', path: '/projects/import', idempotent: false, response: 'json' },
} as const satisfies OperationTable<Training.paths, Training.operations>;

export const trainingOperations = withIds(rows);
