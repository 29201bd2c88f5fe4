import { domainCatalog, findDomain, toWireDomain } from '../../../domain/domain-catalog.ts';
import { badRequest, domainNotFound } from '../../../domain/errors.ts';
import type { TrainingHandlers } from '../../handler-types.ts';
import { wireProject } from '../../wire-models.ts';
import type { TrainingDeps } from './context.ts';

export function domainAndProjectHandlers(d: TrainingDeps): TrainingHandlers {
  return {
    GetDomains: async () => ({ status: 200, body: domainCatalog.map(toWireDomain) }),
    GetDomain: async ({ params }) => {
      const domain = findDomain(params.domainId);
      if (!domain) throw domainNotFound(params.domainId);
      return { status: 200, body: toWireDomain(domain) };
    },
    GetProjects: async () => ({ status: 200, body: (await d.projects.list()).map(wireProject) }),
    GetProject: async ({ params }) => ({ status: 200, body: wireProject(await d.projects.get(params.projectId)) }),
    CreateProject: async ({ params }) => {
      const p = await d.projects.create({
        name: params.name,
        description: params.description,
        domainId: params.domainId,
        classificationType: params.classificationType,
        targetExportPlatforms: params.targetExportPlatforms,
      });
      return { status: 200, body: wireProject(p) };
    },
    UpdateProject: async ({ params, body }) => {
      const b = (body ?? {}) as Record<string, unknown>;
      if (typeof b !== 'object' || Array.isArray(b))
        throw badRequest('BadRequest', 'The body must be a project object.');
      if (b.name !== undefined && typeof b.name !== 'string')
        throw badRequest('BadRequestProjectName', 'name must be a string.');
      if (b.description !== undefined && b.description !== null && typeof b.description !== 'string')
        throw badRequest('BadRequestProjectDescription', 'description must be a string.');
      if (
        b.settings !== undefined &&
        b.settings !== null &&
        (typeof b.settings !== 'object' || Array.isArray(b.settings))
      )
        throw badRequest('BadRequest', 'settings must be an object.');
      const p = await d.projects.update(params.projectId, b as Parameters<typeof d.projects.update>[1]);
      return { status: 200, body: wireProject(p) };
    },
    DeleteProject: async ({ params }) => {
      await d.projects.delete(params.projectId);
      return { status: 204 };
    },
  };
}
