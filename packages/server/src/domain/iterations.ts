import type { ClassifierEngine, EvaluationReport } from '../ml/classifier-engine.ts';
import type { IterationRecord, Storage } from '../storage/types.ts';
import { blobCollector } from './blob-collector.ts';
import { badRequest, iterationNotFound, notFound } from './errors.ts';
import type { ProjectService } from './projects.ts';

/** Iterations after training: naming, deletion, publishing, and their evaluation. */
/** Model blobs kept in memory (a General head is a few hundred kilobytes). */
const MODELS_KEPT = 32;

export class IterationService {
  private readonly models = new Map<string, Uint8Array>();

  constructor(
    private readonly storage: Storage,
    private readonly projects: ProjectService,
    private readonly engine: ClassifierEngine,
  ) {}

  async list(projectId: string): Promise<IterationRecord[]> {
    await this.projects.get(projectId);
    return this.storage.iterations.list(projectId);
  }

  async get(projectId: string, iterationId: string): Promise<IterationRecord> {
    await this.projects.get(projectId);
    const it = await this.storage.iterations.get(projectId, iterationId);
    if (!it) throw iterationNotFound(iterationId);
    return it;
  }

  /** The iteration QuickTest uses when none is named: the newest completed one. */
  async latestCompleted(projectId: string): Promise<IterationRecord> {
    const done = (await this.list(projectId)).filter((i) => i.status === 'Completed');
    const latest = done.at(-1);
    if (!latest) throw notFound('NotFoundProjectDefaultIteration', 'The project has no trained iteration yet.');
    return latest;
  }

  async completed(projectId: string, iterationId: string | undefined): Promise<IterationRecord> {
    if (!iterationId) return this.latestCompleted(projectId);
    const it = await this.get(projectId, iterationId);
    if (it.status !== 'Completed')
      throw badRequest('BadRequestIterationIsNotTrained', `Iteration ${it.name} is not trained.`);
    return it;
  }

  async rename(projectId: string, iterationId: string, name: unknown): Promise<IterationRecord> {
    const it = await this.get(projectId, iterationId);
    if (name === undefined) return it;
    if (typeof name !== 'string' || !name.trim() || name.length > 256)
      throw badRequest('BadRequestIterationName', 'An iteration name needs 1 to 256 characters.');
    const others = (await this.storage.iterations.list(projectId)).filter((i) => i.id !== iterationId);
    if (others.some((i) => i.name.toLowerCase() === name.trim().toLowerCase()))
      throw badRequest('BadRequestIterationNameNotUnique', `An iteration named '${name}' already exists.`);
    const next = await this.storage.iterations.patch(projectId, iterationId, {
      name: name.trim(),
      lastModified: new Date(),
    });
    if (!next) throw iterationNotFound(iterationId);
    return next;
  }

  async delete(projectId: string, iterationId: string): Promise<void> {
    const it = await this.get(projectId, iterationId);
    if (it.publishName)
      throw badRequest('BadRequestIterationIsPublished', 'Unpublish the iteration before deleting it.');
    if (it.status === 'Training')
      throw badRequest('BadRequestTrainingAlreadyInProgress', 'The iteration is still training.');
    await blobCollector(this.storage).collect(await this.storage.iterations.delete(projectId, iterationId));
  }

  async publish(
    projectId: string,
    iterationId: string,
    o: { publishName: string; predictionId: string; overwrite?: boolean | undefined },
  ) {
    const it = await this.get(projectId, iterationId);
    if (it.status !== 'Completed')
      throw badRequest('BadRequestIterationIsNotTrained', `Iteration ${it.name} is not trained.`);
    const name = o.publishName.trim();
    if (!name || name.length > 256 || /[/\\?#]/.test(name))
      throw badRequest('BadRequestInvalidPublishName', 'A publish name needs 1 to 256 characters and no / \\ ? #.');
    if (!o.predictionId.trim())
      throw badRequest('BadRequestInvalidPublishTarget', 'predictionId names the prediction resource.');
    const holder = await this.storage.iterations.findPublished(projectId, name);
    if (holder && holder.id !== it.id) {
      if (!o.overwrite)
        throw badRequest('BadRequestInvalidPublishName', `Another iteration is published as '${name}'.`);
      await this.storage.iterations.patch(projectId, holder.id, {
        publishName: null,
        originalPublishResourceId: null,
        lastModified: new Date(),
      });
    }
    await this.storage.iterations.patch(projectId, iterationId, {
      publishName: name,
      originalPublishResourceId: o.predictionId,
      lastModified: new Date(),
    });
  }

  async unpublish(projectId: string, iterationId: string): Promise<void> {
    const it = await this.get(projectId, iterationId);
    if (!it.publishName) throw badRequest('BadRequestIterationNotPublished', `Iteration ${it.name} is not published.`);
    await this.storage.iterations.patch(projectId, iterationId, {
      publishName: null,
      originalPublishResourceId: null,
      lastModified: new Date(),
    });
  }

  async performance(
    projectId: string,
    iterationId: string,
    threshold: number,
    overlapThreshold?: number,
  ): Promise<{ iteration: IterationRecord; report: EvaluationReport }> {
    const it = await this.get(projectId, iterationId);
    if (it.status !== 'Completed' || !it.evaluationKey)
      throw notFound('NotFoundIterationPerformance', `Iteration ${it.name} has no evaluation yet.`);
    const evaluation = await this.storage.blobs.get(it.evaluationKey);
    if (!evaluation) throw notFound('NotFoundIterationPerformance', 'The evaluation data is missing.');
    return { iteration: it, report: await this.engine.performance(evaluation, threshold, overlapThreshold) };
  }

  /**
   * The images an iteration was evaluated on (those still stored; with `tagIds`, those carrying one of them), oldest
   * first, each with its out-of-fold predictions, most probable first.
   */
  async imagePerformances(projectId: string, iterationId: string, tagIds: string[] | undefined) {
    const { report } = await this.performance(projectId, iterationId, 0.5);
    const images = new Map(
      (
        await this.storage.images.getMany(
          projectId,
          report.images.map((i) => i.imageId),
        )
      ).map((i) => [i.id, i]),
    );
    const wanted = tagIds?.length ? new Set(tagIds) : undefined;
    return report.images
      .flatMap((r) => {
        const image = images.get(r.imageId);
        if (!image) return [];
        // A detection image's tags are its regions' tags.
        if (wanted && ![...image.tags, ...image.regions].some((t) => wanted.has(t.tagId))) return [];
        return [{ image, predictions: [...r.predictions].sort((a, b) => b.probability - a.probability) }];
      })
      .sort((a, b) => +a.image.created - +b.image.created || a.image.seq - b.image.seq);
  }

  /**
   * The trained model's bytes. Model blobs are content-addressed and never rewritten, so the same object is handed
   * out again for a key: predictions neither read the file nor re-identify the model on every request.
   */
  async model(it: IterationRecord): Promise<Uint8Array> {
    const cached = it.modelKey ? this.models.get(it.modelKey) : undefined;
    if (cached) return cached;
    const bytes = it.modelKey ? await this.storage.blobs.get(it.modelKey) : undefined;
    if (!bytes) throw notFound('NotFoundIteration', `Iteration ${it.name} has no trained model.`);
    if (this.models.size >= MODELS_KEPT) this.models.delete(this.models.keys().next().value!);
    this.models.set(it.modelKey!, bytes);
    return bytes;
  }
}
