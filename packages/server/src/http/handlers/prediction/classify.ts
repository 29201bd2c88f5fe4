import type { PredictionHandlers } from '../../handler-types.ts';
import { wireImagePrediction } from '../../wire-models.ts';
import type { TrainingDeps } from '../training/context.ts';
import { imageFromUrlBody, singleUpload } from '../training/predictions.ts';

/**
 * The Prediction API: classify or detect with a published iteration. A classify call on a detector, or a detect
 * call on a classifier, answers 400 BadRequestNotSupported.
 */
export function classifyHandlers(d: TrainingDeps): PredictionHandlers {
  const maxBytes = d.config.limits.predictionImageBytes;
  const run = async (
    projectId: string,
    publishedName: string,
    bytes: () => Promise<Buffer>,
    store: boolean,
    application: string | undefined,
    id: string,
    kind: 'Classification' | 'ObjectDetection' = 'Classification',
  ) => {
    const it = await d.predictions.published(projectId, publishedName, kind);
    const p = await d.predictions.predict(it, await bytes(), { id, store, application });
    return { status: 200 as const, body: wireImagePrediction(p) };
  };
  return {
    ImageClassifier_ClassifyImage: async (ctx) =>
      run(
        ctx.params.projectId,
        ctx.params.publishedName,
        async () => singleUpload(ctx, maxBytes),
        true,
        ctx.params.application,
        ctx.requestId,
      ),
    ImageClassifier_ClassifyImageWithoutSaving: async (ctx) =>
      run(
        ctx.params.projectId,
        ctx.params.publishedName,
        async () => singleUpload(ctx, maxBytes),
        false,
        ctx.params.application,
        ctx.requestId,
      ),
    ImageClassifier_ClassifyImageUrl: async ({ params, body, requestId }) =>
      run(
        params.projectId,
        params.publishedName,
        () => imageFromUrlBody(d, body, maxBytes),
        true,
        params.application,
        requestId,
      ),
    ImageClassifier_ClassifyImageUrlWithoutSaving: async ({ params, body, requestId }) =>
      run(
        params.projectId,
        params.publishedName,
        () => imageFromUrlBody(d, body, maxBytes),
        false,
        params.application,
        requestId,
      ),
    ObjectDetector_AnalyzeImage: async (ctx) =>
      run(
        ctx.params.projectId,
        ctx.params.publishedName,
        async () => singleUpload(ctx, maxBytes),
        true,
        ctx.params.application,
        ctx.requestId,
        'ObjectDetection',
      ),
    ObjectDetector_AnalyzeImageWithoutSaving: async (ctx) =>
      run(
        ctx.params.projectId,
        ctx.params.publishedName,
        async () => singleUpload(ctx, maxBytes),
        false,
        ctx.params.application,
        ctx.requestId,
        'ObjectDetection',
      ),
    ObjectDetector_AnalyzeImageUrl: async ({ params, body, requestId }) =>
      run(
        params.projectId,
        params.publishedName,
        () => imageFromUrlBody(d, body, maxBytes),
        true,
        params.application,
        requestId,
        'ObjectDetection',
      ),
    ObjectDetector_AnalyzeImageUrlWithoutSaving: async ({ params, body, requestId }) =>
      run(
        params.projectId,
        params.publishedName,
        () => imageFromUrlBody(d, body, maxBytes),
        false,
        params.application,
        requestId,
        'ObjectDetection',
      ),
  };
}
