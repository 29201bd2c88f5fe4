import { createHash } from 'node:crypto';
import {
  BACKBONE_SPECS,
  type Backbone,
  classify,
  type Detector,
  DOMAIN_BACKBONES,
  type EmbedRuntime,
  type EngineInfo,
  embedViews,
  exportCoreMl,
  exportDocker,
  exportOnnx,
  exportTensorFlow,
  getBackboneWithRuntime,
  type Head,
  HeadFormatError,
  ImageDecodeError,
  type ImageFeatures,
  InvalidExportOptionsError,
  InvalidHeadError,
  initEngine,
  linearHeadFromTrained,
  loadBundledModel,
  metricsAt,
  trainHeadOffThread,
  trainingViews,
  type ViewName,
} from '@cvkit/ml';
import type { Logger } from '../logging.ts';
import { mapLimited } from '../map-limited.ts';
import type { FeatureStore } from '../storage/types.ts';
import {
  type ClassifierEngine,
  type EvaluationReport,
  type ExportTarget,
  type TagProbability,
  type TrainingJob,
  UndecodableImageError,
  UnsupportedExportError,
} from './classifier-engine.ts';
import { createDetectionEngine, DETECTION_EXPORTS } from './detection-engine.ts';
import {
  decodeStoredDetectionEvaluation,
  decodeStoredDetector,
  decodeStoredEvaluation,
  decodeStoredModel,
  encodeStoredEvaluation,
  encodeStoredModel,
} from './stored-formats.ts';

/**
 * The ClassifierEngine on @cvkit/ml. The project's domain picks the backbone (compact domains the exportable
 * MobileNetV2 features, general domains the more accurate bilinear ones); features are cached per image content,
 * backbone and view, so a retraining embeds only new images; `trainHead` fits the head and cross-validates it on a
 * worker thread; the head and the evaluation are stored as JSON.
 *
 * Compact-domain heads predict on the centre view alone, which is exactly what their exported models compute;
 * general-domain heads (not exportable, as in Azure) also average the mirrored view.
 */

/** Advanced training spends at most the reserved budget, capped so one request cannot hold the queue for hours. */
function advancedBudgetMs(reservedBudgetInHours: number): number {
  return Math.min(Math.max(reservedBudgetInHours, 0) * 3_600_000 || 60_000, 10 * 60_000);
}

/**
 * Images a training embeds at once. Embedding one at a time left the backbone idle about 40 % of an Advanced
 * training on flowers (--cpu-prof) while this thread decoded, cropped and cached; two overlap those steps.
 */
const EMBED_IN_FLIGHT = 2;

/** Share of the progress bar spent embedding (the rest is fitting and cross-validation). */
const EMBED_SHARE = 0.6;

/** The engine reads and fills the feature cache; freeing entries is the domain's (blob-collector.ts). */
export function createMlEngine(opts: {
  logger: Logger;
  features: Pick<FeatureStore, 'getMany' | 'put' | 'putMany'>;
}): ClassifierEngine {
  let engine: Promise<EngineInfo> | undefined;
  const startEngine = () => {
    engine ??= initEngine();
    return engine;
  };
  const logged = new Set<string>();
  async function backboneFor(domainOrId: string): Promise<{ backbone: Backbone; runtime: EmbedRuntime }> {
    const info = await startEngine();
    const loaded = await getBackboneWithRuntime(domainOrId);
    if (!logged.has(loaded.backbone.cacheKey)) {
      logged.add(loaded.backbone.cacheKey);
      opts.logger.info('backbone ready', {
        backbone: loaded.backbone.cacheKey,
        embedding: loaded.runtime.description,
        ...(loaded.runtime.fallback ? { embeddingFallback: loaded.runtime.fallback } : {}),
        tfjsBackend: info.backend,
        loadMs: Math.round(loaded.runtime.loadMs),
      });
    }
    return loaded;
  }

  /** Features of every image under `views`, embedding only what the cache lacks. */
  async function featuresOf(
    backbone: Backbone,
    job: TrainingJob,
    views: readonly ViewName[],
    onEach: () => void,
  ): Promise<Map<string, ImageFeatures>> {
    const hashes = [...new Set(job.images.map((i) => i.contentHash))];
    const out = new Map<string, ImageFeatures>(hashes.map((h) => [h, {}]));
    for (const view of views) {
      const cached = await opts.features.getMany(featureKey(backbone, view), hashes);
      for (const [hash, [vector]] of cached) if (vector) out.get(hash)![view] = vector;
    }
    // Two images in flight: one decodes and crops on this thread while the other runs on the backbone's threads.
    await mapLimited(hashes, EMBED_IN_FLIGHT, async (hash) => {
      const have = out.get(hash)!;
      const missing = views.filter((v) => !have[v]);
      if (missing.length) {
        let embedded: ImageFeatures;
        try {
          ({ features: embedded } = await embedViews(backbone, await job.loadImage(hash), missing));
        } catch (e) {
          if (e instanceof ImageDecodeError) throw new UndecodableImageError(e.message);
          throw e;
        }
        for (const view of missing) have[view] = embedded[view]!;
        await opts.features.putMany(
          missing.map((view) => ({ backboneKey: featureKey(backbone, view), hash, views: [embedded[view]!] })),
        );
      }
      onEach();
      if (job.signal?.aborted) throw job.signal.reason ?? new Error('training aborted');
    });
    return out;
  }

  type Decoded =
    | { head: Head; labels: string[]; detector?: undefined }
    | { detector: Detector; labels: string[]; head?: undefined };
  const models = new Map<string, Decoded>();
  // The domain hands out the same bytes object for the same stored model: skip hashing it again.
  const byObject = new WeakMap<Uint8Array, Decoded>();
  async function decodedOf(modelBytes: Uint8Array): Promise<Decoded> {
    const known = byObject.get(modelBytes);
    if (known) return known;
    // The whole content: two iterations of one project share their first kilobytes (tags, settings).
    const key = createHash('sha256').update(modelBytes).digest('hex');
    let model = models.get(key);
    if (!model) {
      model =
        decodeStoredDetector(modelBytes) ??
        (await decodeStoredModel(modelBytes, async () => (await backboneFor('compact')).backbone));
      if (models.size > 32) models.clear();
      models.set(key, model);
    }
    byObject.set(modelBytes, model);
    return model;
  }
  async function modelOf(modelBytes: Uint8Array): Promise<{ head: Head; labels: string[] }> {
    const model = await decodedOf(modelBytes);
    if (!model.head) throw new UnsupportedExportError('Object detection models cannot be exported by this server yet.');
    return model;
  }
  const detection = createDetectionEngine(opts);

  return {
    exportPlatforms: {
      TensorFlow: [null, 'TensorFlowNormal', 'TensorFlowLite', 'TensorFlowLiteFloat16', 'TensorFlowJs'],
      CoreML: [null, 'CoreMLFloat16'],
      ONNX: [null, 'ONNX12'],
      DockerFile: [null, 'Linux', 'ARM'],
    },
    detectionExportPlatforms: DETECTION_EXPORTS,

    async describe() {
      return describeRuntime(await startEngine(), backboneFor);
    },

    async train(job) {
      if (job.task === 'detection') return detection.train(job);
      const { backbone } = await backboneFor(job.backbone);
      const views = trainingViews(job.trainingType, job.augment, job.images.length);
      const distinct = new Set(job.images.map((i) => i.contentHash)).size;
      let embedded = 0;
      const features = await featuresOf(backbone, job, views, () =>
        job.onProgress?.((EMBED_SHARE * ++embedded) / distinct),
      );
      const tagIndex = new Map(job.tags.map((t, i) => [t.id, i]));
      const { head, evaluation } = await trainHeadOffThread(
        {
          backbone: { ...backbone, defaultL2: backbone.spec.defaultL2 },
          tagIds: job.tags.map((t) => t.id),
          tagTypes: job.tags.map((t) => t.type),
          images: job.images.map((img) => ({
            features: features.get(img.contentHash)!,
            tags: img.tagIds.filter((t) => tagIndex.has(t)).map((t) => tagIndex.get(t)!),
          })),
          classificationType: job.classificationType,
          trainingType: job.trainingType,
          augment: job.augment,
          seed: 1,
          budgetMs: advancedBudgetMs(job.reservedBudgetInHours ?? 0),
          // An exported model computes the centre view only; compact heads predict the same way.
          ...(job.backbone === 'compact' ? { predictionViews: ['centre' as const] } : {}),
          onProgress: ({ done, total }) => job.onProgress?.(EMBED_SHARE + ((1 - EMBED_SHARE) * done) / (total + 1)),
          ...(job.signal ? { signal: job.signal } : {}),
        },
        // Fitting runs on a worker thread so requests are not held up (≈ 100–400 ms stalls in-process).
        { onFallback: (reason) => opts.logger.warn('head fitting runs on the main thread', { reason }) },
      );
      return {
        model: encodeStoredModel(
          head,
          job.tags.map((t) => t.name),
        ),
        evaluation: encodeStoredEvaluation(
          job.images.map((i) => i.id),
          evaluation!,
        ),
      };
    },

    async predict(modelBytes, image): Promise<TagProbability[]> {
      const decoded = await decodedOf(modelBytes);
      if (decoded.detector) return detection.predict(decoded.detector, image);
      const { head } = decoded;
      const { backbone } = await backboneFor(head.backbone.id);
      try {
        return await classify(head, backbone, image);
      } catch (e) {
        if (e instanceof ImageDecodeError) throw new UndecodableImageError(e.message);
        if (e instanceof HeadFormatError) throw new Error(`stored model cannot run: ${e.message}`);
        throw e;
      }
    },

    async exportModel(modelBytes, target: ExportTarget) {
      const decoded = await decodedOf(modelBytes);
      if (decoded.detector) return detection.exportModel(decoded.detector, decoded.labels, target);
      const { head, labels } = await modelOf(modelBytes);
      const spec = BACKBONE_SPECS[head.backbone.id];
      const tap = spec?.taps.length === 1 ? spec.taps[0] : undefined;
      if (!spec || !tap || (tap.pooling ?? 'mean') !== 'mean') {
        throw new UnsupportedExportError(`Models on backbone ${head.backbone.id} cannot be exported.`);
      }
      let source: Parameters<typeof exportOnnx>[0];
      try {
        source = {
          backbone: {
            artifacts: loadBundledModel(spec.model).artifacts as never,
            featureNode: tap.name,
            inputSize: spec.inputSize,
            inputScale: spec.inputScale,
            inputOffset: spec.inputOffset,
            name: spec.description,
          },
          head: linearHeadFromTrained(head, labels),
          iterationId: target.iterationId,
        };
        if (target.platform === 'TensorFlow' && target.flavor !== 'TensorFlowSavedModel')
          return await exportTensorFlow({ ...source, flavor: target.flavor });
        if (target.platform === 'CoreML') return await exportCoreMl({ ...source, flavor: target.flavor });
        if (target.platform === 'DockerFile' && target.flavor !== 'Windows')
          return await exportDocker({ ...source, flavor: target.flavor === 'ARM' ? 'ARM' : 'Linux' });
        if (target.platform === 'ONNX' && target.flavor !== 'ONNX10')
          return await exportOnnx({ ...source, flavor: target.flavor === 'ONNX12' ? 'ONNX12' : null });
      } catch (e) {
        if (e instanceof InvalidExportOptionsError || e instanceof InvalidHeadError)
          throw new UnsupportedExportError(e.message);
        throw e;
      }
      throw new UnsupportedExportError(
        `Export to ${target.platform}${target.flavor ? ` (${target.flavor})` : ''} is not supported by this server; see docs/exports.md.`,
      );
    },

    async proposeRegions(modelBytes, image) {
      const decoded = await decodedOf(modelBytes);
      return decoded.detector ? detection.proposeRegions(decoded.detector, image) : [];
    },

    async performance(evaluationBytes, threshold, overlapThreshold): Promise<EvaluationReport> {
      const detections = decodeStoredDetectionEvaluation(evaluationBytes);
      if (detections) return detection.performance(detections, threshold, overlapThreshold);
      const { imageIds, data } = decodeStoredEvaluation(evaluationBytes);
      const metrics = metricsAt(data, threshold);
      return {
        precision: metrics.precision,
        precisionStdDeviation: metrics.precisionStdDeviation,
        recall: metrics.recall,
        recallStdDeviation: metrics.recallStdDeviation,
        averagePrecision: metrics.averagePrecision ?? 0,
        perTag: metrics.perTag.map((t) => ({
          tagId: t.tagId,
          precision: t.precision,
          precisionStdDeviation: t.precisionStdDeviation,
          recall: t.recall,
          recallStdDeviation: t.recallStdDeviation,
          averagePrecision: t.averagePrecision ?? 0,
        })),
        images: imageIds.map((imageId, i) => ({
          imageId,
          predictions: data.tagIds.map((tagId, k) => ({ tagId, probability: data.probabilities[i]![k]! })),
        })),
      };
    },
  };
}

function featureKey(backbone: Backbone, view: ViewName): string {
  return `${backbone.cacheKey}#${view}`;
}

/** The TF.js backend, why faster ones were skipped, and which runtime embeds for each domain kind. */
async function describeRuntime(
  info: EngineInfo,
  load: (kind: string) => Promise<{ backbone: Backbone; runtime: EmbedRuntime }>,
): Promise<Record<string, unknown>> {
  const backbones: Record<string, string> = {};
  for (const kind of Object.keys(DOMAIN_BACKBONES)) {
    const { backbone, runtime } = await load(kind);
    backbones[kind] = `${backbone.cacheKey} on ${runtime.description}`;
  }
  return {
    tfjsBackend: info.backend,
    threads: info.threads,
    simd: info.simd,
    ...(info.fallbacks.length ? { tfjsFallbacks: info.fallbacks } : {}),
    backbones,
  };
}

/** For benchmarks: what `describe()` reports, without an engine instance. */
export async function describeEngine(): Promise<Record<string, unknown>> {
  return describeRuntime(await initEngine(), getBackboneWithRuntime);
}
