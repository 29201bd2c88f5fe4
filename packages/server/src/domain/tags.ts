import { randomUUID } from 'node:crypto';
import type { Storage, TagRecord, TagType } from '../storage/types.ts';
import { badRequest, iterationNotFound, tagNotFound } from './errors.ts';
import type { Limits } from './limits.ts';
import type { ProjectService } from './projects.ts';

export interface TagWithCount extends TagRecord {
  imageCount: number;
}

export class TagService {
  constructor(
    private readonly storage: Storage,
    private readonly projects: ProjectService,
    private readonly limits: Limits,
  ) {}

  /** The workspace's tags, or with `iterationId` the tags as that iteration was trained, counted over its images. */
  async list(projectId: string, iterationId?: string): Promise<TagWithCount[]> {
    await this.projects.get(projectId);
    if (iterationId) return this.asTrained(projectId, iterationId);
    const [tags, counts] = await Promise.all([
      this.storage.tags.list(projectId),
      this.storage.tags.imageCounts(projectId),
    ]);
    return tags.map((t) => ({ ...t, imageCount: counts.get(t.id) ?? 0 }));
  }

  async get(projectId: string, tagId: string, iterationId?: string): Promise<TagWithCount> {
    await this.projects.get(projectId);
    if (iterationId) {
      const tag = (await this.asTrained(projectId, iterationId)).find((t) => t.id === tagId);
      if (!tag) throw tagNotFound(tagId);
      return tag;
    }
    const tag = await this.storage.tags.get(projectId, tagId);
    if (!tag) throw tagNotFound(tagId);
    const counts = await this.storage.tags.imageCounts(projectId);
    return { ...tag, imageCount: counts.get(tag.id) ?? 0 };
  }

  async create(
    projectId: string,
    input: { name: string; description?: string | undefined; type?: TagType | undefined },
  ) {
    await this.projects.get(projectId);
    const tags = await this.storage.tags.list(projectId);
    if (tags.length >= this.limits.tagsPerProject)
      throw badRequest(
        'BadRequestExceedTagPerProjectLimit',
        `A project can have at most ${this.limits.tagsPerProject} tags.`,
      );
    const name = this.checkName(input.name, tags);
    const type = input.type ?? 'Regular';
    this.checkType(type, tags);
    const tag: TagRecord = {
      id: randomUUID(),
      projectId,
      name,
      description: input.description ?? null,
      type,
      created: new Date(),
    };
    await this.storage.tags.create(tag);
    return { ...tag, imageCount: 0 };
  }

  async update(
    projectId: string,
    tagId: string,
    changes: { name?: string; description?: string | null; type?: TagType },
  ) {
    const current = await this.get(projectId, tagId);
    const others = (await this.storage.tags.list(projectId)).filter((t) => t.id !== tagId);
    const next: TagRecord = { ...current };
    if (changes.name !== undefined) next.name = this.checkName(changes.name, others);
    if (changes.description !== undefined) next.description = changes.description;
    if (changes.type !== undefined && changes.type !== current.type) {
      this.checkType(changes.type, others);
      next.type = changes.type;
    }
    await this.storage.tags.update(next);
    return { ...next, imageCount: current.imageCount };
  }

  async delete(projectId: string, tagId: string): Promise<void> {
    await this.get(projectId, tagId);
    await this.storage.tags.delete(projectId, tagId);
  }

  private async asTrained(projectId: string, iterationId: string): Promise<TagWithCount[]> {
    const it = await this.storage.iterations.get(projectId, iterationId);
    if (!it) throw iterationNotFound(iterationId);
    return Promise.all(
      it.tags.map(async (t) => ({
        id: t.id,
        projectId,
        name: t.name,
        description: (await this.storage.tags.get(projectId, t.id))?.description ?? null,
        type: t.type,
        created: it.created,
        imageCount: await this.storage.images.count(projectId, { iterationId, tagIds: [t.id] }),
      })),
    );
  }

  private checkName(name: string | undefined, others: TagRecord[]): string {
    const trimmed = (name ?? '').trim();
    if (!trimmed || trimmed.length > this.limits.nameLength)
      throw badRequest('BadRequestTagName', `A tag name needs 1 to ${this.limits.nameLength} characters.`);
    if (others.some((t) => t.name.toLowerCase() === trimmed.toLowerCase()))
      throw badRequest('BadRequestTagNameNotUnique', `A tag named '${trimmed}' already exists in this project.`);
    return trimmed;
  }

  private checkType(type: TagType, others: TagRecord[]): void {
    if (type === 'Negative' && others.some((t) => t.type === 'Negative'))
      throw badRequest('BadRequestMultipleNegativeTag', 'A project can have only one Negative tag.');
    if (type === 'GeneralProduct' && others.some((t) => t.type === 'GeneralProduct'))
      throw badRequest('BadRequestMultipleGeneralProductTag', 'A project can have only one GeneralProduct tag.');
  }
}
