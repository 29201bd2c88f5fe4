import { randomUUID } from 'node:crypto';
import { zipSync } from 'fflate';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logging.ts';
import { type ClassifierEngine, UnsupportedExportError } from '../ml/classifier-engine.ts';
import type { ExportRecord, Storage } from '../storage/types.ts';
import { blobCollector } from './blob-collector.ts';
import { findDomain } from './domain-catalog.ts';
import { badRequest } from './errors.ts';
import type { IterationService } from './iterations.ts';
import type { JobEvents } from './webhooks.ts';

/** Flavors each platform may take in ExportIteration (Azure's pairing); null is the platform's default. */
const FLAVORS: Record<string, (string | null)[]> = {
  CoreML: [null, 'CoreMLFloat16'],
  TensorFlow: [
    null,
    'TensorFlowNormal',
    'TensorFlowLite',
    'TensorFlowLiteFloat16',
    'TensorFlowJs',
    'TensorFlowSavedModel',
  ],
  DockerFile: [null, 'Linux', 'Windows', 'ARM'],
  ONNX: [null, 'ONNX10', 'ONNX12'],
  VAIDK: [null],
  OpenVino: [null],
};

interface ExportJob {
  projectId: string;
  exportId: string;
}

/**
 * ExportIteration / GetExports: an export runs in the background (status Exporting → Done or Failed) and ends as a
 * zip served through a signed, expiring link. Asking again for an export that exists returns it.
 */
export class ExportService {
  constructor(
    private readonly storage: Storage,
    private readonly iterations: IterationService,
    private readonly engine: ClassifierEngine,
    private readonly queue: JobQueue,
    private readonly logger: Logger,
    private readonly events?: JobEvents,
  ) {
    queue.handle('export', {
      run: (payload) => this.runJob(payload as ExportJob),
      abandon: (payload, reason) => this.fail(payload as ExportJob, `The export was interrupted: ${reason}`),
    });
  }

  async list(projectId: string, iterationId: string): Promise<ExportRecord[]> {
    await this.iterations.get(projectId, iterationId);
    return this.storage.exports.list(projectId, iterationId);
  }

  async start(
    projectId: string,
    iterationId: string,
    platform: string,
    requested: string | null,
  ): Promise<ExportRecord> {
    const it = await this.iterations.get(projectId, iterationId);
    if (it.status === 'Training') throw badRequest('BadRequestExportWhileTraining', 'The iteration is still training.');
    if (it.status !== 'Completed')
      throw badRequest('BadRequestIterationIsNotTrained', `Iteration ${it.name} is not trained.`);
    const domain = it.domainId ? findDomain(it.domainId) : undefined;
    if (!domain?.exportable)
      throw badRequest(
        'BadRequestExportValidationFailed',
        'Only iterations trained on a compact domain can be exported.',
      );
    if (!domain.exportablePlatforms.includes(platform))
      throw badRequest('BadRequestExportValidationFailed', `Domain '${domain.name}' does not export to ${platform}.`);
    // Flavor names are matched case-insensitively (Microsoft's samples spell both TensorFlowJs and TensorFlowjs).
    const flavor = (FLAVORS[platform] ?? [null]).find(
      (f) => f === requested || f?.toLowerCase() === requested?.toLowerCase(),
    );
    if (flavor === undefined)
      throw badRequest('BadRequestExportValidationFailed', `${platform} has no flavor ${requested}.`);
    if (domain.type === 'ObjectDetection' && !this.engine.detectionExportPlatforms[platform]?.includes(flavor))
      throw badRequest(
        'BadRequestNotSupported',
        'This server exports object detection iterations to ONNX and TensorFlow (flavor TensorFlowJs) only; see docs/detection.md.',
      );
    if (!this.engine.exportPlatforms[platform]?.includes(flavor))
      throw badRequest(
        'BadRequestNotSupported',
        `This server does not export ${platform}${flavor ? ` (${flavor})` : ''}; see docs/exports.md for what it supports.`,
      );
    const existing = (await this.storage.exports.list(projectId, iterationId)).find(
      (e) => e.platform === platform && e.flavor === flavor && e.status !== 'Failed',
    );
    if (existing) return existing;
    const record: ExportRecord = {
      id: randomUUID(),
      projectId,
      iterationId,
      platform,
      flavor,
      status: 'Exporting',
      created: new Date(),
      blobKey: null,
      error: null,
    };
    await this.storage.exports.put(record);
    await this.queue.submit({
      id: record.id,
      kind: 'export',
      key: projectId,
      payload: { projectId, exportId: record.id },
    });
    return record;
  }

  /**
   * Exports left Exporting that no job will finish are marked Failed so a new request starts over (with a durable
   * queue, those queued or running elsewhere are live; see TrainingService.recoverInterrupted).
   */
  async recoverInterrupted(): Promise<void> {
    const live = await this.queue.active('export');
    const settled = Date.now() - (this.queue.durable ? 60_000 : 0);
    for (const e of await this.storage.exports.listExporting())
      if (!live.has(e.id) && +e.created <= settled)
        await this.fail({ projectId: e.projectId, exportId: e.id }, 'The server stopped during the export.');
  }

  private async runJob(job: ExportJob): Promise<void> {
    const record = await this.storage.exports.get(job.projectId, job.exportId);
    if (record?.status === 'Exporting') await this.run(record);
  }

  private async fail(job: ExportJob, error: string): Promise<void> {
    const e = await this.storage.exports.get(job.projectId, job.exportId);
    if (e?.status === 'Exporting') await this.storage.exports.put({ ...e, status: 'Failed', error });
  }

  private async run(record: ExportRecord): Promise<void> {
    try {
      const it = await this.iterations.get(record.projectId, record.iterationId);
      const model = await this.iterations.model(it);
      const files = await this.engine.exportModel(model, {
        platform: record.platform,
        flavor: record.flavor,
        iterationId: it.id,
      });
      const zip = zipSync(Object.fromEntries(files.map((f) => [f.path, f.bytes])), { level: 6 });
      const blobKey = `export-${record.id}.zip`;
      await this.storage.blobs.put(blobKey, zip);
      const done: ExportRecord = { ...record, status: 'Done', blobKey };
      let orphaned = true;
      try {
        await this.storage.exports.put(done);
      } finally {
        orphaned = await this.discardIfOrphaned(record, blobKey);
      }
      if (!orphaned) this.events?.exportFinished(done);
    } catch (e) {
      const message = e instanceof UnsupportedExportError ? e.message : `Export failed: ${(e as Error).message}`;
      if (!(e instanceof UnsupportedExportError))
        this.logger.error('export failed', { exportId: record.id, error: (e as Error).stack });
      if (!(await this.storage.iterations.get(record.projectId, record.iterationId))) return;
      const failed: ExportRecord = { ...record, status: 'Failed', error: message };
      await this.storage.exports.put(failed);
      this.events?.exportFinished(failed);
    }
  }

  /**
   * The iteration (or its project) may have been deleted while the zip was built, and the write above put the
   * export back: then neither the row nor the zip may stay.
   */
  private async discardIfOrphaned(record: ExportRecord, blobKey: string): Promise<boolean> {
    if (await this.storage.iterations.get(record.projectId, record.iterationId)) return false;
    const released = await this.storage.iterations.delete(record.projectId, record.iterationId);
    await blobCollector(this.storage).collect({ ...released, blobKeys: [...released.blobKeys, blobKey] });
    return true;
  }
}
