import type { TrainingModels } from '@cvkit/api-types';
import { badRequest } from '../../../domain/errors.ts';
import type { TrainingHandlers } from '../../handler-types.ts';
import { imageLink, tagNameMap, wireImage, wireIteration } from '../../wire-models.ts';
import type { TrainingDeps } from './context.ts';

export function iterationHandlers(d: TrainingDeps): TrainingHandlers {
  return {
    TrainProject: async ({ params, body }) => {
      const b = (body ?? {}) as { selectedTags?: unknown };
      if (b.selectedTags !== undefined && b.selectedTags !== null && !Array.isArray(b.selectedTags))
        throw badRequest('BadRequest', 'selectedTags must be an array of tag ids.');
      const it = await d.training.train(params.projectId, {
        trainingType: params.trainingType,
        reservedBudgetInHours: params.reservedBudgetInHours,
        forceTrain: params.forceTrain,
        notificationEmailAddress: params.notificationEmailAddress,
        selectedTags: (b.selectedTags as string[] | null | undefined)?.map(String) ?? undefined,
      });
      return { status: 200, body: wireIteration(it) };
    },
    GetIterations: async ({ params }) => ({
      status: 200,
      body: (await d.iterations.list(params.projectId)).map(wireIteration),
    }),
    GetIteration: async ({ params }) => ({
      status: 200,
      body: wireIteration(await d.iterations.get(params.projectId, params.iterationId)),
    }),
    UpdateIteration: async ({ params, body }) => ({
      status: 200,
      body: wireIteration(await d.iterations.rename(params.projectId, params.iterationId, body?.name)),
    }),
    DeleteIteration: async ({ params }) => {
      await d.iterations.delete(params.projectId, params.iterationId);
      return { status: 204 };
    },
    PublishIteration: async ({ params }) => {
      await d.iterations.publish(params.projectId, params.iterationId, {
        publishName: params.publishName,
        predictionId: params.predictionId,
        overwrite: params.overwrite,
      });
      return { status: 200, body: true };
    },
    UnpublishIteration: async ({ params }) => {
      await d.iterations.unpublish(params.projectId, params.iterationId);
      return { status: 204 };
    },
    GetIterationPerformance: async ({ params }) => {
      const { iteration, report } = await d.iterations.performance(
        params.projectId,
        params.iterationId,
        params.threshold ?? 0.5,
        params.overlapThreshold,
      );
      const names = new Map(iteration.tags.map((t) => [t.id, t.name]));
      const body: TrainingModels.IterationPerformance = {
        perTagPerformance: report.perTag.map((t) => ({
          id: t.tagId,
          name: names.get(t.tagId) ?? '',
          precision: t.precision,
          precisionStdDeviation: t.precisionStdDeviation,
          recall: t.recall,
          recallStdDeviation: t.recallStdDeviation,
          averagePrecision: t.averagePrecision,
        })),
        precision: report.precision,
        precisionStdDeviation: report.precisionStdDeviation,
        recall: report.recall,
        recallStdDeviation: report.recallStdDeviation,
        averagePrecision: report.averagePrecision,
      };
      return { status: 200, body };
    },
    GetImagePerformances: async ({ params, baseUrl }) => {
      const rows = await imagePerformances(d, params.projectId, params.iterationId, params.tagIds);
      const ordered = params.orderBy === 'Oldest' ? rows : [...rows].reverse();
      const skip = params.skip ?? 0;
      const page = ordered.slice(skip, skip + (params.take ?? 50));
      const links = { signer: d.signer, baseUrl };
      const body: TrainingModels.ImagePerformance[] = page.map(({ image, predictions, tagNames }) => {
        const wire = wireImage(image, tagNames, links);
        return {
          predictions: predictions.map((p) => ({
            probability: p.probability,
            tagId: p.tagId,
            tagName: tagNames.get(p.tagId) ?? '',
            ...(p.boundingBox ? { boundingBox: { ...p.boundingBox } } : {}),
          })),
          id: image.id,
          created: wire.created,
          width: image.width,
          height: image.height,
          imageUri: imageLink(links, image, 'resized'),
          thumbnailUri: imageLink(links, image, 'thumbnail'),
          ...(wire.tags ? { tags: wire.tags } : {}),
          ...(wire.regions ? { regions: wire.regions } : {}),
        };
      });
      return { status: 200, body };
    },
    GetImagePerformanceCount: async ({ params }) => ({
      status: 200,
      body: (await imagePerformances(d, params.projectId, params.iterationId, params.tagIds)).length,
    }),
  };
}

/** The images an iteration was evaluated on, oldest first, with their out-of-fold predictions and tag names. */
async function imagePerformances(
  d: TrainingDeps,
  projectId: string,
  iterationId: string,
  tagIds: string[] | undefined,
) {
  const rows = await d.iterations.imagePerformances(projectId, iterationId, tagIds);
  const tagNames = tagNameMap(await d.tags.list(projectId));
  return rows.map((r) => ({ ...r, tagNames }));
}
