import { badRequest } from '../../../domain/errors.ts';
import { abortOnDisconnect } from '../../abort-on-disconnect.ts';
import type { PredictionHandlers } from '../../handler-types.ts';
import { wireImagePrediction } from '../../wire-models.ts';
import type { TrainingDeps } from '../training/context.ts';
import { imageFromUrlBody, singleUpload } from '../training/predictions.ts';

/**
 * The Prediction API: classify with a published iteration. Detection calls on a classifier answer 400, since
 * this server trains classifiers only.
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
  ) => {
    const it = await d.predictions.published(projectId, publishedName);
    const p = await d.predictions.predict(it, await bytes(), { id, store, application });
    return { status: 200 as const, body: wireImagePrediction(p) };
  };
  const detect = async (projectId: string, publishedName: string) => {
    await d.predictions.published(projectId, publishedName);
    throw badRequest(
      'BadRequestNotSupported',
      'This project is a classifier; object detection is not available for it.',
    );
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
    ImageClassifier_ClassifyImageUrl: async ({ params, body, requestId, req }) =>
      run(
        params.projectId,
        params.publishedName,
        () => imageFromUrlBody(d, body, maxBytes, abortOnDisconnect(req)),
        true,
        params.application,
        requestId,
      ),
    ImageClassifier_ClassifyImageUrlWithoutSaving: async ({ params, body, requestId, req }) =>
      run(
        params.projectId,
        params.publishedName,
        () => imageFromUrlBody(d, body, maxBytes, abortOnDisconnect(req)),
        false,
        params.application,
        requestId,
      ),
    ObjectDetector_AnalyzeImage: ({ params }) => detect(params.projectId, params.publishedName),
    ObjectDetector_AnalyzeImageWithoutSaving: ({ params }) => detect(params.projectId, params.publishedName),
    ObjectDetector_AnalyzeImageUrl: ({ params }) => detect(params.projectId, params.publishedName),
    ObjectDetector_AnalyzeImageUrlWithoutSaving: ({ params }) => detect(params.projectId, params.publishedName),
  };
}
