/**
 * The 8 Prediction operations (v3.1 ids; v3.0 serves the same routes). Predictions that are stored are not repeated
 * after a 5xx or network error, since each one is billed and kept; the `/nostore` ones are.
 */
import type { Prediction } from '@cvkit/api-types';
import { type OperationTable, withIds } from '../operation-table.js';

const base = '/{projectId}';

const rows = {
  ImageClassifier_ClassifyImage: {
    method: 'POST',
    path: `${base}/classify/iterations/{publishedName}/image`,
    idempotent: false,
    response: 'json',
  },
  ImageClassifier_ClassifyImageWithoutSaving: {
    method: 'POST',
    path: `${base}/classify/iterations/{publishedName}/image/nostore`,
    idempotent: true,
    response: 'json',
  },
  ImageClassifier_ClassifyImageUrl: {
    method: 'POST',
    path: `${base}/classify/iterations/{publishedName}/url`,
    idempotent: false,
    response: 'json',
  },
  ImageClassifier_ClassifyImageUrlWithoutSaving: {
    method: 'POST',
    path: `${base}/classify/iterations/{publishedName}/url/nostore`,
    idempotent: true,
    response: 'json',
  },
  ObjectDetector_AnalyzeImage: {
    method: 'POST',
    path: `${base}/detect/iterations/{publishedName}/image`,
    idempotent: false,
    response: 'json',
  },
  ObjectDetector_AnalyzeImageWithoutSaving: {
    method: 'POST',
    path: `${base}/detect/iterations/{publishedName}/image/nostore`,
    idempotent: true,
    response: 'json',
  },
  ObjectDetector_AnalyzeImageUrl: {
    method: 'POST',
    path: `${base}/detect/iterations/{publishedName}/url`,
    idempotent: false,
    response: 'json',
  },
  ObjectDetector_AnalyzeImageUrlWithoutSaving: {
    method: 'POST',
    path: `${base}/detect/iterations/{publishedName}/url/nostore`,
    idempotent: true,
    response: 'json',
  },
} as const satisfies OperationTable<Prediction.paths, Prediction.operations>;

export const predictionOperations = withIds(rows);
