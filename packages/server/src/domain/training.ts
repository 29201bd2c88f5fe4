import { randomUUID } from 'node:crypto';
import { decodableBytes } from '../imaging/inspect-image.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logging.ts';
import type { ClassifierEngine, RegionBox } from '../ml/classifier-engine.ts';
import type { IterationRecord, ProjectRecord, Storage, TagRecord } from '../storage/types.ts';
import { blobCollector } from './blob-collector.ts';
import { findDomain } from './domain-catalog.ts';
import { badRequest } from './errors.ts';
import type { Limits } from './limits.ts';
import type { ProjectService } from './projects.ts';
import type { JobEvents } from './webhooks.ts';

export interface TrainOptions {
  trainingType?: 'Regular' | 'Advanced' | undefined;
  reservedBudgetInHours?: number | undefined;
  forceTrain?: boolean | undefined;
  notificationEmailAddress?: string | undefined;
  selectedTags?: string[] | undefined;
}

/** What a training job carries: the project's settings and image set as they were when training was asked for. */
interface TrainJob {
  projectId: string;
  iterationId: string;
  settings: ProjectRecord['settings'];
  images: { id: string; contentHash: string; tagIds: string[]; regions?: RegionBox[] }[];
}

/** How old an iteration in Training with no queued job must be before recovery calls it orphaned. */
const ORPHAN_GRACE_MS = 60_000;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const EXPORT_PLATFORMS = ['CoreML', 'TensorFlow', 'DockerFile', 'ONNX', 'VAIDK', 'OpenVino'];

/**
 * TrainProject as Azure does it: validate, create the iteration in status Training, answer at once, and train in
 * the background; the iteration ends Completed, or Failed with trainingErrorDetails.
 */
export class TrainingService {
  constructor(
    private readonly storage: Storage,
    private readonly projects: ProjectService,
    private readonly engine: ClassifierEngine,
    private readonly queue: JobQueue,
    private readonly limits: Limits,
    private readonly logger: Logger,
    private readonly events?: JobEvents,
  ) {
    queue.handle('train', {
      run: (payload) => this.runJob(payload as TrainJob),
      abandon: async (payload, reason) => {
        const failed = await this.fail(payload as TrainJob, `Training was interrupted: ${reason} Train again.`);
        if (failed) this.events?.trainingFinished(failed);
      },
    });
  }

  async train(projectId: string, o: TrainOptions): Promise<IterationRecord> {
    const project = await this.projects.get(projectId);
    const domain = findDomain(project.settings.domainId);
    if (!domain) throw badRequest('BadRequestProjectUnknownDomain', 'The project has no known domain.');
    const detection = domain.type === 'ObjectDetection';
    // Length first: the pattern backtracks quadratically on long hostile input (RFC 5321 caps addresses at 254).
    const email = o.notificationEmailAddress;
    if (email && (email.length > 254 || !EMAIL.test(email)))
      throw badRequest('BadRequestInvalidEmailAddress', 'The notification email address is not valid.');
    const iterations = await this.storage.iterations.list(projectId);
    if (iterations.some((i) => i.status === 'Training'))
      throw badRequest('BadRequestTrainingAlreadyInProgress', 'This project is already training.');
    if (iterations.length >= this.limits.iterationsPerProject)
      throw badRequest(
        'BadRequestExceedIterationPerProjectLimit',
        `A project keeps at most ${this.limits.iterationsPerProject} iterations; delete one to train again.`,
      );

    const { tags, images } = detection
      ? await this.detectionSet(project, o.selectedTags)
      : await this.trainingSet(project, o.selectedTags);
    const latest = iterations.filter((i) => i.status === 'Completed').at(-1);
    const sameTags =
      latest &&
      latest.tags
        .map((t) => t.id)
        .sort()
        .join() ===
        tags
          .map((t) => t.id)
          .sort()
          .join();
    if (latest && latest.projectRevision === project.revision && sameTags && !o.forceTrain)
      throw badRequest(
        'BadRequestTrainingNotNeeded',
        'Nothing changed since the last iteration; set forceTrain to train anyway.',
      );

    const now = new Date();
    const names = new Set(iterations.map((i) => i.name));
    let n = iterations.length + 1;
    while (names.has(`Iteration ${n}`)) n++;
    const iteration: IterationRecord = {
      id: randomUUID(),
      projectId,
      name: `Iteration ${n}`,
      status: 'Training',
      created: now,
      lastModified: now,
      trainedAt: null,
      trainingType: o.trainingType ?? 'Regular',
      reservedBudgetInHours: o.reservedBudgetInHours ?? 0,
      trainingTimeInMinutes: 0,
      publishName: null,
      originalPublishResourceId: null,
      domainId: null,
      classificationType: null,
      exportable: false,
      exportableTo: null,
      trainingErrorDetails: null,
      projectRevision: project.revision,
      tags: tags.map((t) => ({ id: t.id, name: t.name, type: t.type })),
      modelKey: null,
      evaluationKey: null,
      progress: 0,
    };
    // The images' bytes must outlive a delete of the images until the job holds its own pin (runJob).
    const release = await blobCollector(this.storage).pin(images.map((i) => i.contentHash));
    try {
      await this.storage.iterations.create(
        iteration,
        images.map((i) => i.id),
      );
      const job: TrainJob = { projectId, iterationId: iteration.id, settings: project.settings, images };
      try {
        await this.queue.submit({ id: iteration.id, kind: 'train', key: projectId, payload: job });
      } catch (e) {
        await this.fail(job, 'The training could not be queued; train again.');
        throw e;
      }
    } finally {
      await release();
    }
    return iteration;
  }

  /**
   * Iterations left in Training that no job will finish (their process stopped, or died between storing the
   * iteration and queuing its job) are marked Failed so the project trains again. With a durable queue, jobs that
   * are queued or running elsewhere are live, and a fresh iteration may still be on its way into the queue.
   */
  async recoverInterrupted(): Promise<number> {
    const live = await this.queue.active('train');
    const settled = Date.now() - (this.queue.durable ? ORPHAN_GRACE_MS : 0);
    const stuck = (await this.storage.iterations.listTraining()).filter(
      (it) => !live.has(it.id) && +it.lastModified <= settled,
    );
    for (const it of stuck)
      await this.fail(
        { projectId: it.projectId, iterationId: it.id },
        'Training was interrupted because the server stopped; train again.',
      );
    return stuck.length;
  }

  private async selectedTags(project: ProjectRecord, selected: string[] | undefined): Promise<TagRecord[]> {
    const tags: TagRecord[] = await this.storage.tags.list(project.id);
    if (!selected?.length) return tags;
    const wanted = new Set(selected.map((s) => s.toLowerCase()));
    const known = new Set(tags.map((t) => t.id));
    const missing = [...wanted].find((id) => !known.has(id));
    if (missing) throw badRequest('BadRequestTrainingValidationFailed', `Selected tag ${missing} does not exist.`);
    return tags.filter((t) => wanted.has(t.id) || t.type === 'Negative');
  }

  /**
   * Object detection trains on regions: every image with a region of a trained tag, each tag on at least
   * `minImagesPerDetectionTag` images. A detector has no Negative tag (Azure refuses one at training).
   */
  private async detectionSet(project: ProjectRecord, selected: string[] | undefined) {
    const tags = await this.selectedTags(project, selected);
    const negative = new Set(tags.filter((t) => t.type === 'Negative').map((t) => t.id));
    const all = await this.storage.images.query(project.id, { taggingStatus: 'All', orderBy: 'Oldest' });
    if (all.some((i) => i.tags.some((t) => negative.has(t.tagId)) || i.regions.some((r) => negative.has(r.tagId))))
      throw badRequest(
        'BadRequestDetectionTrainingNotAllowNegativeTag',
        'Object detection projects cannot train with the Negative tag; remove it from the images.',
      );
    const tagIds = new Set(tags.filter((t) => t.type !== 'Negative').map((t) => t.id));
    const images = all
      .map((i) => ({
        id: i.id,
        contentHash: i.contentHash,
        regions: i.regions
          .filter((r) => tagIds.has(r.tagId))
          .map((r) => ({ tagId: r.tagId, left: r.left, top: r.top, width: r.width, height: r.height })),
      }))
      .filter((i) => i.regions.length)
      .map((i) => ({ ...i, tagIds: [...new Set(i.regions.map((r) => r.tagId))] }));
    const counts = new Map<string, number>();
    for (const i of images) for (const t of i.tagIds) counts.set(t, (counts.get(t) ?? 0) + 1);
    const used = tags.filter((t) => counts.has(t.id));
    const min = this.limits.minImagesPerDetectionTag;
    const thin = used.filter((t) => (counts.get(t.id) ?? 0) < min);
    if (!used.length || thin.length)
      throw badRequest(
        'BadRequestDetectionTrainingValidationFailed',
        used.length
          ? `Not enough images for training: each tag needs regions on at least ${min} images; too few for: ${thin.map((t) => t.name).join(', ')}.`
          : `Not enough images for training: tag at least ${min} images with regions.`,
      );
    return { tags: used, images };
  }

  private async runJob(job: TrainJob): Promise<void> {
    const iteration = await this.storage.iterations.get(job.projectId, job.iterationId);
    // Deleted meanwhile, or already settled by a worker that was presumed dead but finished after all.
    if (iteration?.status !== 'Training') return;
    // The images' bytes must outlive a delete of the images while the job runs.
    const release = await blobCollector(this.storage).pin(job.images.map((i) => i.contentHash));
    try {
      await this.run({ id: job.projectId, settings: job.settings }, iteration, job.images);
    } finally {
      await release();
    }
  }

  private async fail(
    job: Pick<TrainJob, 'projectId' | 'iterationId'>,
    details: string,
  ): Promise<IterationRecord | undefined> {
    const it = await this.storage.iterations.get(job.projectId, job.iterationId);
    if (it?.status !== 'Training') return undefined;
    return this.storage.iterations.patch(job.projectId, job.iterationId, {
      status: 'Failed',
      lastModified: new Date(),
      trainingErrorDetails: details,
    });
  }

  private async trainingSet(project: ProjectRecord, selected: string[] | undefined) {
    const tags = await this.selectedTags(project, selected);
    const tagIds = new Set(tags.map((t) => t.id));
    const tagged = await this.storage.images.query(project.id, { taggingStatus: 'Tagged', orderBy: 'Oldest' });
    const images = tagged
      .map((i) => ({
        id: i.id,
        contentHash: i.contentHash,
        tagIds: i.tags.map((t) => t.tagId).filter((t) => tagIds.has(t)),
      }))
      .filter((i) => i.tagIds.length);
    const counts = new Map<string, number>();
    for (const i of images) for (const t of i.tagIds) counts.set(t, (counts.get(t) ?? 0) + 1);
    const used = tags.filter((t) => counts.has(t.id));
    const code =
      project.settings.classificationType === 'Multiclass'
        ? 'BadRequestMultiClassClassificationTrainingValidationFailed'
        : 'BadRequestMultiLabelClassificationTrainingValidationFailed';
    const thin = used.filter((t) => (counts.get(t.id) ?? 0) < this.limits.minImagesPerTag);
    if (thin.length)
      throw badRequest(
        code,
        `Each tag needs at least ${this.limits.minImagesPerTag} images; too few for: ${thin.map((t) => t.name).join(', ')}.`,
      );
    if (used.length < 2)
      throw badRequest(code, `Training needs at least 2 tags with ${this.limits.minImagesPerTag} or more images each.`);
    return { tags: used, images };
  }

  private async run(
    project: Pick<ProjectRecord, 'id' | 'settings'>,
    iteration: IterationRecord,
    images: { id: string; contentHash: string; tagIds: string[]; regions?: RegionBox[] }[],
  ): Promise<void> {
    const started = Date.now();
    const domain = findDomain(project.settings.domainId)!;
    const detection = domain.type === 'ObjectDetection';
    let lastSaved = 0;
    // Progress writes run in order and are awaited before the final write, which must land last. A write that
    // fails, or finds the iteration gone (its project deleted), stops the training.
    let progressWrites: Promise<unknown> = Promise.resolve();
    let progressError: unknown;
    const stop = new AbortController();
    const patch = async (changes: Partial<IterationRecord>) => {
      const stored = await this.storage.iterations.patch(project.id, iteration.id, changes);
      if (!stored) stop.abort(new IterationGoneError());
      return stored;
    };
    try {
      const trained = await this.engine.train({
        task: detection ? 'detection' : 'classification',
        backbone: domain.backbone,
        classificationType: project.settings.classificationType ?? 'Multilabel',
        trainingType: iteration.trainingType,
        reservedBudgetInHours: iteration.reservedBudgetInHours,
        // The engine's augmentation is the mirrored view; the project's "horizontal flip" setting switches it.
        augment: project.settings.augmentationMethods['horizontal flip'] !== false,
        tags: iteration.tags,
        images,
        loadImage: async (hash) => {
          const bytes = await this.storage.blobs.get(hash);
          if (!bytes) throw new Error(`Image data ${hash} is missing.`);
          return decodableBytes(bytes);
        },
        onProgress: (fraction) => {
          // Persist progress now and then, not on every step.
          if (fraction - lastSaved < 0.1) return;
          lastSaved = fraction;
          progressWrites = progressWrites
            .then(() => patch({ progress: fraction, lastModified: new Date() }))
            .catch((e) => {
              progressError ??= e;
              stop.abort(e);
            });
        },
        signal: stop.signal,
      });
      await progressWrites;
      if (progressError) throw progressError;
      const modelKey = `model-${iteration.id}`;
      const evaluationKey = `evaluation-${iteration.id}`;
      await this.storage.blobs.put(modelKey, trained.model);
      await this.storage.blobs.put(evaluationKey, trained.evaluation);
      const now = new Date();
      const stored = await patch({
        status: 'Completed',
        progress: 1,
        lastModified: now,
        trainedAt: now,
        trainingTimeInMinutes: Math.max(1, Math.ceil((Date.now() - started) / 60_000)),
        domainId: domain.id,
        classificationType: detection ? null : project.settings.classificationType,
        exportable: domain.exportable,
        // What this server can actually produce for the domain, not every platform Azure lists for it.
        exportableTo: domain.exportablePlatforms.filter(
          (p) =>
            EXPORT_PLATFORMS.includes(p) &&
            p in (detection ? this.engine.detectionExportPlatforms : this.engine.exportPlatforms),
        ),
        modelKey,
        evaluationKey,
      });
      if (!stored) {
        await blobCollector(this.storage).collect({ contentHashes: [], blobKeys: [modelKey, evaluationKey] });
        return;
      }
      this.events?.trainingFinished(stored);
      this.logger.info('training completed', {
        projectId: project.id,
        iterationId: iteration.id,
        ms: Date.now() - started,
        images: images.length,
      });
    } catch (e) {
      await progressWrites;
      if (stop.signal.reason instanceof IterationGoneError) return;
      this.logger.error('training failed', {
        projectId: project.id,
        iterationId: iteration.id,
        error: (e as Error).stack,
      });
      const failed = await this.storage.iterations.patch(project.id, iteration.id, {
        status: 'Failed',
        lastModified: new Date(),
        trainingErrorDetails: clientDetails(e),
      });
      if (failed) this.events?.trainingFinished(failed);
    }
  }
}

/**
 * What an iteration's trainingErrorDetails says about a failure. System and database errors (they carry a `code`,
 * e.g. ENOSPC or SQLITE_FULL) name files and paths on the server: clients get the code; the log keeps the rest.
 */
function clientDetails(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string' && /^(E[A-Z]+|SQLITE_\w+)$/.test(code))
    return `Training stopped on a server error (${code}); train again.`;
  return (e as Error)?.message || 'Training failed.';
}

/** Why a training stops early: its iteration was deleted (with its project) while it ran. */
class IterationGoneError extends Error {
  constructor() {
    super('The iteration no longer exists.');
    this.name = 'IterationGoneError';
  }
}
