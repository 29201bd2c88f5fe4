import { randomUUID } from 'node:crypto';
import type { ClassificationType, ProjectRecord, ProjectSettingsRecord, Storage } from '../storage/types.ts';
import { blobCollector } from './blob-collector.ts';
import { defaultDomainId, findDomain } from './domain-catalog.ts';
import { badRequest, projectNotFound } from './errors.ts';
import type { Limits } from './limits.ts';

/** What a new project gets unless told otherwise (as Azure answers CreateProject with no options). */
export const defaultAugmentation: Record<string, boolean> = {
  rotation: true,
  scaling: true,
  translation: true,
  'horizontal flip': true,
  equalize: true,
  solarize: true,
  padtosquare: true,
};

export interface NewProject {
  name: string;
  description?: string | undefined;
  domainId?: string | undefined;
  classificationType?: ClassificationType | undefined;
  targetExportPlatforms?: string[] | undefined;
}

export interface ProjectChanges {
  name?: string | undefined;
  description?: string | null | undefined;
  settings?:
    | {
        domainId?: string | undefined;
        classificationType?: ClassificationType | null | undefined;
        targetExportPlatforms?: string[] | null | undefined;
        imageProcessingSettings?: { augmentationMethods?: Record<string, boolean> | null } | null | undefined;
      }
    | null
    | undefined;
}

export class ProjectService {
  constructor(
    private readonly storage: Storage,
    private readonly limits: Limits,
  ) {}

  async get(id: string): Promise<ProjectRecord> {
    const p = await this.storage.projects.get(id);
    if (!p) throw projectNotFound(id);
    return p;
  }

  list(): Promise<ProjectRecord[]> {
    return this.storage.projects.list();
  }

  async create(input: NewProject): Promise<ProjectRecord> {
    const name = this.checkName(input.name);
    if ((await this.storage.projects.count()) >= this.limits.projects)
      throw badRequest('BadRequestExceedProjectLimit', `This server allows at most ${this.limits.projects} projects.`);
    await this.checkNameUnique(name);
    const settings = this.resolveSettings(
      {
        domainId: defaultDomainId,
        classificationType: null,
        targetExportPlatforms: [],
        useNegativeSet: true,
        detectionParameters: null,
        augmentationMethods: { ...defaultAugmentation },
      },
      {
        domainId: input.domainId,
        classificationType: input.classificationType,
        targetExportPlatforms: input.targetExportPlatforms,
      },
    );
    const now = new Date();
    const project: ProjectRecord = {
      id: randomUUID(),
      name,
      description: this.checkDescription(input.description ?? ''),
      settings,
      created: now,
      lastModified: now,
      status: 'Succeeded',
      revision: 0,
    };
    await this.storage.projects.create(project);
    return project;
  }

  async update(id: string, changes: ProjectChanges): Promise<ProjectRecord> {
    const project = await this.get(id);
    const next: ProjectRecord = { ...project, settings: { ...project.settings }, lastModified: new Date() };
    if (changes.name !== undefined && changes.name !== project.name) {
      next.name = this.checkName(changes.name);
      await this.checkNameUnique(next.name, id);
    }
    if (changes.description !== undefined) next.description = this.checkDescription(changes.description ?? '');
    if (changes.settings) {
      // A settings change (e.g. classification type) is a reason to train again.
      next.revision++;
      const s = changes.settings;
      next.settings = this.resolveSettings(project.settings, {
        domainId: s.domainId,
        classificationType: s.classificationType ?? undefined,
        targetExportPlatforms: s.targetExportPlatforms ?? undefined,
      });
      const aug = s.imageProcessingSettings?.augmentationMethods;
      if (aug) {
        for (const [k, v] of Object.entries(aug)) {
          if (typeof v !== 'boolean')
            throw badRequest(
              'BadRequestProjectImagePreprocessingSettings',
              `Augmentation '${k}' must be true or false.`,
            );
        }
        next.settings.augmentationMethods = { ...project.settings.augmentationMethods, ...aug };
      }
      const before = findDomain(project.settings.domainId);
      const after = findDomain(next.settings.domainId);
      if (before && after && before.type !== after.type)
        throw badRequest(
          'BadRequestProjectUnsupportedDomainTypeChange',
          'A project cannot change between classification and object detection domains.',
        );
    }
    await this.storage.projects.update(next);
    return next;
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await blobCollector(this.storage).collect(await this.storage.projects.delete(id));
  }

  private resolveSettings(
    current: ProjectSettingsRecord,
    change: {
      domainId?: string | undefined;
      classificationType?: ClassificationType | undefined;
      targetExportPlatforms?: string[] | undefined;
    },
  ): ProjectSettingsRecord {
    const domainId = change.domainId ?? current.domainId;
    if (typeof domainId !== 'string')
      throw badRequest('BadRequestProjectUnknownDomain', 'domainId must be a domain id.');
    const domain = findDomain(domainId);
    if (!domain) throw badRequest('BadRequestProjectUnknownDomain', `Domain ${domainId} does not exist.`);
    if (change.classificationType !== undefined && !['Multiclass', 'Multilabel'].includes(change.classificationType))
      throw badRequest(
        'BadRequestProjectUnknownClassification',
        'classificationType must be Multiclass or Multilabel.',
      );
    const platforms = change.targetExportPlatforms ?? current.targetExportPlatforms;
    if (!Array.isArray(platforms) || platforms.some((p) => typeof p !== 'string'))
      throw badRequest(
        'BadRequestProjectUnsupportedExportPlatform',
        'targetExportPlatforms must be a list of platforms.',
      );
    for (const p of platforms) {
      if (!domain.exportablePlatforms.includes(p))
        throw badRequest(
          'BadRequestProjectUnsupportedExportPlatform',
          `Domain '${domain.name}' cannot export to ${p}; choose a compact domain.`,
        );
    }
    const classificationType =
      domain.type === 'ObjectDetection'
        ? null
        : (change.classificationType ?? current.classificationType ?? 'Multilabel');
    return { ...current, domainId: domain.id, classificationType, targetExportPlatforms: platforms };
  }

  private checkName(name: string | undefined): string {
    const trimmed = (name ?? '').trim();
    if (!trimmed || trimmed.length > this.limits.nameLength)
      throw badRequest('BadRequestProjectName', `A project name needs 1 to ${this.limits.nameLength} characters.`);
    return trimmed;
  }

  private checkDescription(description: string): string {
    if (description.length > 2048) throw badRequest('BadRequestProjectDescription', 'The description is too long.');
    return description;
  }

  private async checkNameUnique(name: string, exceptId?: string): Promise<void> {
    const clash = (await this.storage.projects.list()).find(
      (p) => p.name.toLowerCase() === name.toLowerCase() && p.id !== exceptId,
    );
    if (clash) throw badRequest('BadRequestProjectNameNotUnique', `A project named '${name}' already exists.`);
  }
}
