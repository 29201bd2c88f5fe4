import type { HandlerContext, PredictionHandlers } from '../../handler-types.ts';
import { wireImagePrediction } from '../../wire-models.ts';
import type { TrainingDeps } from '../training/context.ts';
import { imageFromUrlBody, singleUpload } from '../training/predictions.ts';

type Kind = 'Classification' | 'ObjectDetection';
/** What the eight operations share: the path's project and published name, the optional application. */
type Ctx = Pick<HandlerContext<unknown>, 'files' | 'requestId'> & {
  body?: { url?: string } | undefined;
  params: { projectId: string; publishedName: string; application?: string | undefined };
};

/**
 * The Prediction API: classify or detect with a published iteration, from an uploaded image or a URL, stored or
 * not. A classify call on a detector, or a detect call on a classifier, answers 400 BadRequestNotSupported.
 */
export function classifyHandlers(d: TrainingDeps): PredictionHandlers {
  const maxBytes = d.config.limits.predictionImageBytes;
  const handler = (kind: Kind, source: 'image' | 'url', store: boolean) => async (ctx: Ctx) => {
    const { projectId, publishedName, application } = ctx.params;
    const it = await d.predictions.published(projectId, publishedName, kind);
    const bytes = source === 'image' ? singleUpload(ctx, maxBytes) : await imageFromUrlBody(d, ctx.body, maxBytes);
    const p = await d.predictions.predict(it, bytes, { id: ctx.requestId, store, application });
    return { status: 200 as const, body: wireImagePrediction(p) };
  };
  return {
    ImageClassifier_ClassifyImage: handler('Classification', 'image', true),
    ImageClassifier_ClassifyImageWithoutSaving: handler('Classification', 'image', false),
    ImageClassifier_ClassifyImageUrl: handler('Classification', 'url', true),
    ImageClassifier_ClassifyImageUrlWithoutSaving: handler('Classification', 'url', false),
    ObjectDetector_AnalyzeImage: handler('ObjectDetection', 'image', true),
    ObjectDetector_AnalyzeImageWithoutSaving: handler('ObjectDetection', 'image', false),
    ObjectDetector_AnalyzeImageUrl: handler('ObjectDetection', 'url', true),
    ObjectDetector_AnalyzeImageUrlWithoutSaving: handler('ObjectDetection', 'url', false),
  };
}
