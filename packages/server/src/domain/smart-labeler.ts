import { decodableBytes } from '../imaging/inspect-image.ts';
import type { ClassifierEngine, RegionProposal } from '../ml/classifier-engine.ts';
import type { ImageRecord, IterationRecord, PredictionRecord, Storage } from '../storage/types.ts';
import { findDomain } from './domain-catalog.ts';
import { imageNotFound, projectNotFound } from './errors.ts';
import type { IterationService } from './iterations.ts';

export interface Suggestion {
  /** Most probable first. */
  predictions: PredictionRecord['predictions'];
  /** 1 when the top probability is a coin toss, 0 when it is certain. */
  uncertainty: number;
}

/** Suggestions kept in memory: paging through an untagged set must not run the model again. */
const CACHE_SIZE = 20_000;

/**
 * The smart labeler (SuggestTagsAndRegions, QuerySuggestedImages, QuerySuggestedImageCount): a trained iteration's
 * predictions on training images. A suggestion depends only on the iteration and the image's content, so it is
 * computed once per pair.
 */
export class SmartLabeler {
  private readonly cache = new Map<string, Suggestion>();

  constructor(
    private readonly storage: Storage,
    private readonly iterations: IterationService,
    private readonly engine: ClassifierEngine,
  ) {}

  /** The given images (those that exist) with the completed iteration's suggestion for each. */
  async suggest(
    projectId: string,
    iterationId: string,
    imageIds: string[],
  ): Promise<{ iteration: IterationRecord; rows: { image: ImageRecord; suggestion: Suggestion }[] }> {
    const iteration = await this.iterations.completed(projectId, iterationId);
    const images = await this.storage.images.getMany(projectId, imageIds);
    return { iteration, rows: await this.suggestionsFor(iteration, images) };
  }

  /**
   * Untagged images, newest first, with their suggestions; with `tagIds`, only those suggesting one of them at
   * `threshold` or more.
   */
  async untagged(
    projectId: string,
    iterationId: string,
    filter: { tagIds?: string[] | undefined; threshold?: number | undefined } = {},
  ): Promise<{ iteration: IterationRecord; rows: { image: ImageRecord; suggestion: Suggestion }[] }> {
    const iteration = await this.iterations.completed(projectId, iterationId);
    const images = await this.storage.images.query(projectId, { taggingStatus: 'Untagged', orderBy: 'Newest' });
    const rows = await this.suggestionsFor(iteration, images);
    const wanted = filter.tagIds?.length ? filter.tagIds : undefined;
    const threshold = filter.threshold ?? 0;
    return {
      iteration,
      rows: wanted
        ? rows.filter((r) =>
            r.suggestion.predictions.some((p) => wanted.includes(p.tagId) && p.probability >= threshold),
          )
        : rows,
    };
  }

  /**
   * GetImageRegionProposals: boxes likely to hold an object, from the project's latest trained detector; none before
   * one exists, and none for classification projects.
   */
  async regionProposals(projectId: string, imageId: string): Promise<RegionProposal[]> {
    const project = await this.storage.projects.get(projectId);
    if (!project) throw projectNotFound(projectId);
    const [image] = await this.storage.images.getMany(projectId, [imageId]);
    if (!image) throw imageNotFound(imageId);
    if (findDomain(project.settings.domainId)?.type !== 'ObjectDetection') return [];
    const latest = (await this.storage.iterations.list(projectId)).filter((i) => i.status === 'Completed').at(-1);
    const bytes = latest ? await this.storage.blobs.get(image.contentHash) : undefined;
    if (!latest || !bytes) return [];
    return this.engine.proposeRegions(await this.iterations.model(latest), await decodableBytes(bytes));
  }

  private async suggestionsFor(iteration: IterationRecord, images: ImageRecord[]) {
    const model = await this.iterations.model(iteration);
    const rows: { image: ImageRecord; suggestion: Suggestion }[] = [];
    for (const image of images) {
      const key = `${iteration.id}:${image.contentHash}`;
      let suggestion = this.cache.get(key);
      if (!suggestion) {
        suggestion = await this.compute(iteration, model, image.contentHash);
        if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
        this.cache.set(key, suggestion);
      }
      rows.push({ image, suggestion });
    }
    return rows;
  }

  private async compute(iteration: IterationRecord, model: Uint8Array, hash: string): Promise<Suggestion> {
    const bytes = await this.storage.blobs.get(hash);
    const probabilities = bytes ? await this.engine.predict(model, await decodableBytes(bytes)) : [];
    const tags = new Map(iteration.tags.map((t) => [t.id, t]));
    const predictions = probabilities
      .filter((p) => tags.has(p.tagId))
      .map((p) => ({
        tagId: p.tagId,
        tagName: tags.get(p.tagId)!.name,
        tagType: tags.get(p.tagId)!.type,
        probability: p.probability,
        ...(p.boundingBox ? { boundingBox: p.boundingBox } : {}),
      }))
      .sort((a, b) => b.probability - a.probability);
    const top = predictions[0]?.probability ?? 0;
    return { predictions, uncertainty: 1 - Math.abs(2 * top - 1) };
  }
}
