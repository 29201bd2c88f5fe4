import { badRequest } from '../../../domain/errors.ts';
import type { TrainingHandlers } from '../../handler-types.ts';
import { wireTag } from '../../wire-models.ts';
import type { TrainingDeps } from './context.ts';

const TAG_TYPES = ['Regular', 'Negative', 'GeneralProduct'] as const;

export function tagHandlers(d: TrainingDeps): TrainingHandlers {
  return {
    GetTags: async ({ params }) => ({
      status: 200,
      body: (await d.tags.list(params.projectId, params.iterationId)).map(wireTag),
    }),
    GetTag: async ({ params }) => ({
      status: 200,
      body: wireTag(await d.tags.get(params.projectId, params.tagId, params.iterationId)),
    }),
    CreateTag: async ({ params }) => ({
      status: 200,
      body: wireTag(
        await d.tags.create(params.projectId, {
          name: params.name,
          description: params.description,
          type: params.type,
        }),
      ),
    }),
    UpdateTag: async ({ params, body }) => {
      const b = (body ?? {}) as { name?: unknown; description?: unknown; type?: unknown };
      if (b.name !== undefined && typeof b.name !== 'string')
        throw badRequest('BadRequestTagName', 'The tag name must be a string.');
      if (b.description !== undefined && b.description !== null && typeof b.description !== 'string')
        throw badRequest('BadRequestTagDescription', 'The tag description must be a string.');
      if (b.type !== undefined && !TAG_TYPES.includes(b.type as (typeof TAG_TYPES)[number]))
        throw badRequest('BadRequestTagType', `The tag type must be one of ${TAG_TYPES.join(', ')}.`);
      const tag = await d.tags.update(params.projectId, params.tagId, b as Parameters<typeof d.tags.update>[2]);
      return { status: 200, body: wireTag(tag) };
    },
    DeleteTag: async ({ params }) => {
      await d.tags.delete(params.projectId, params.tagId);
      return { status: 204 };
    },
  };
}
