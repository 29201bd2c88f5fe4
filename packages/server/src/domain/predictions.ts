import { decodableBytes, inspectImage } from '../imaging/inspect-image.ts';
import type { ClassifierEngine } from '../ml/classifier-engine.ts';
import type { IterationRecord, PredictionQuery, PredictionRecord, Storage } from '../storage/types.ts';
import { blobCollector } from './blob-collector.ts';
import { findDomain } from './domain-catalog.ts';
import { badRequest, notFound, projectNotFound } from './errors.ts';
import { sha256 } from './images.ts';
import type { IterationService } from './iterations.ts';
import { imageRequestError } from './library-errors.ts';
import type { Limits } from './limits.ts';

export interface PredictOptions {
  /** Becomes the prediction's id: Azure uses the request id. */
  id: string;
  store: boolean;
  application?: string | undefined;
}

export interface PredictionQueryInput {
  continuation?: string | null | undefined;
  maxCount?: number | null | undefined;
  orderBy?: 'Newest' | 'Oldest' | 'Suggested' | null | undefined;
  tags?:
    | { id?: string | undefined; minThreshold?: number | undefined; maxThreshold?: number | undefined }[]
    | null
    | undefined;
  iterationId?: string | null | undefined;
  startTime?: string | null | undefined;
  endTime?: string | null | undefined;
  application?: string | null | undefined;
}

const APPLICATION = /^[A-Za-z0-9_.-]{1,64}$/;

/** Running iterations on images (quick test, the prediction API), and the stored predictions they leave. */
export class PredictionService {
  constructor(
    private readonly storage: Storage,
    private readonly iterations: IterationService,
    private readonly engine: ClassifierEngine,
    private readonly limits: Limits,
  ) {}

  async predict(iteration: IterationRecord, bytes: Uint8Array, o: PredictOptions): Promise<PredictionRecord> {
    if (o.application !== undefined && !APPLICATION.test(o.application))
      throw badRequest(
        'BadRequestPredictionInvalidApplicationName',
        'The application name may use letters, digits, _ . - (up to 64).',
      );
    if (bytes.length > this.limits.predictionImageBytes)
      throw badRequest(
        'BadRequestImageSizeBytes',
        `Prediction images are limited to ${this.limits.predictionImageBytes} bytes.`,
      );
    let size: { width: number; height: number };
    try {
      // Header checks only: the engine decodes the pixels next, and reports data that turns out corrupt.
      size = await inspectImage(
        bytes,
        { maxSide: this.limits.maxImageSide, maxPixels: this.limits.maxImagePixels },
        { fullDecode: false },
      );
    } catch (e) {
      throw imageRequestError(e) ?? e;
    }
    const model = await this.iterations.model(iteration);
    let probabilities: Awaited<ReturnType<ClassifierEngine['predict']>>;
    try {
      probabilities = await this.engine.predict(model, await decodableBytes(bytes));
    } catch (e) {
      throw imageRequestError(e) ?? e;
    }
    const byId = new Map(iteration.tags.map((t) => [t.id, t]));
    const record: PredictionRecord = {
      id: o.id,
      projectId: iteration.projectId,
      iterationId: iteration.id,
      created: new Date(),
      contentHash: sha256(bytes),
      width: size.width,
      height: size.height,
      application: o.application ?? null,
      predictions: probabilities
        .filter((p) => byId.has(p.tagId))
        .map((p) => ({
          tagId: p.tagId,
          tagName: byId.get(p.tagId)!.name,
          tagType: byId.get(p.tagId)!.type,
          probability: p.probability,
          ...(p.boundingBox ? { boundingBox: p.boundingBox } : {}),
        }))
        .sort((a, b) => b.probability - a.probability),
    };
    if (o.store)
      await blobCollector(this.storage).pinned([record.contentHash], async () => {
        await this.storage.blobs.put(record.contentHash, bytes);
        await this.storage.predictions.add(record);
      });
    return record;
  }

  /**
   * The prediction API's lookup: a project's iteration by the name it was published under, checked against the
   * kind of call (classify or detect) since a classifier cannot detect nor a detector classify.
   */
  async published(
    projectId: string,
    publishedName: string,
    kind?: 'Classification' | 'ObjectDetection',
  ): Promise<IterationRecord> {
    if (!(await this.storage.projects.get(projectId))) throw projectNotFound(projectId);
    const it = await this.storage.iterations.findPublished(projectId, publishedName);
    if (!it)
      throw notFound('NotFoundIteration', `No iteration is published as '${publishedName}' in project ${projectId}.`);
    const type = it.domainId ? findDomain(it.domainId)?.type : undefined;
    if (kind && type && type !== kind)
      throw badRequest(
        'BadRequestNotSupported',
        kind === 'ObjectDetection'
          ? 'This iteration is a classifier: use the classify calls.'
          : 'This iteration is an object detector: use the detect calls.',
      );
    return it;
  }

  async query(
    projectId: string,
    input: PredictionQueryInput,
  ): Promise<{ results: PredictionRecord[]; continuation: string | null }> {
    await this.iterations.list(projectId);
    const maxCount = input.maxCount || 50;
    if (!Number.isInteger(maxCount) || maxCount < 0 || maxCount > 256)
      throw badRequest('BadRequestPredictionResultsExceededCount', 'maxCount is limited to 256.');
    const tags = input.tags ?? [];
    if (tags.length > 2)
      throw badRequest('BadRequestPredictionTagsExceededCount', 'A query can combine at most 2 tags.');
    const q: PredictionQuery = {
      orderBy: input.orderBy === 'Oldest' ? 'Oldest' : 'Newest',
      limit: maxCount + 1,
      iterationId: input.iterationId ?? undefined,
      application: input.application ?? undefined,
      startTime: date(input.startTime, 'startTime'),
      endTime: date(input.endTime, 'endTime'),
      tags: tags.map((t) => ({
        id: String(t.id).toLowerCase(),
        minThreshold: t.minThreshold ?? 0,
        maxThreshold: t.maxThreshold ?? 1,
      })),
    };
    if (input.continuation) q.after = decodeContinuation(input.continuation);
    const rows = await this.storage.predictions.query(projectId, q);
    const page = rows.slice(0, maxCount);
    const last = page.at(-1);
    const continuation =
      rows.length > maxCount && last
        ? Buffer.from(JSON.stringify({ c: +last.created, i: last.id })).toString('base64url')
        : null;
    return { results: page, continuation };
  }

  async delete(projectId: string, ids: string[]): Promise<void> {
    await this.iterations.list(projectId);
    if (!ids.length) throw badRequest('BadRequestPredictionIdsMissing', 'Name the predictions to delete.');
    await blobCollector(this.storage).collect(await this.storage.predictions.delete(projectId, ids));
  }
}

function date(v: string | null | undefined, what: string): Date | undefined {
  if (v === null || v === undefined) return undefined;
  const d = new Date(v);
  if (Number.isNaN(+d)) throw badRequest('BadRequestPredictionInvalidQueryParameters', `${what} is not a date.`);
  return d;
}

function decodeContinuation(token: string): { created: number; id: string } {
  try {
    const { c, i } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof c === 'number' && typeof i === 'string') return { created: c, id: i };
  } catch {
    // fall through
  }
  throw badRequest('BadRequestPredictionInvalidQueryParameters', 'The continuation token is not valid.');
}
