import {
  DEFAULT_OVERLAP_THRESHOLD,
  type DetectionBackbone,
  type DetectionEvaluation,
  type DetectionPrecision,
  type Detector,
  detectionExportBackbone,
  detectionMetricsAt,
  detectOnMap,
  exportOnnxDetector,
  exportTfjsDetector,
  type FeatureMap,
  getDetectionBackbone,
  ImageDecodeError,
  INT8_VERSION_MARK,
  proposeRegions,
  sameFeatureFamily,
  trainDetectorOffThread,
} from '@cvkit/ml';
import type { Logger } from '../logging.ts';
import type { FeatureStore } from '../storage/types.ts';
import {
  type EvaluationReport,
  type ExportTarget,
  type RegionProposal,
  type TagProbability,
  type TrainedClassifier,
  type TrainingJob,
  UndecodableImageError,
  UnsupportedExportError,
} from './classifier-engine.ts';

/**
 * What a detection iteration exports to (platform → flavors): ONNX and TF.js (docs/detection.md). TensorFlow's
 * default flavor is a frozen `model.pb`, which the detector's writer does not make yet, so only TensorFlowJs.
 */
export const DETECTION_EXPORTS: Readonly<Record<string, readonly (string | null)[]>> = {
  ONNX: [null],
  TensorFlow: ['TensorFlowJs'],
};

import { encodeStoredDetectionEvaluation, encodeStoredDetector } from './stored-formats.ts';

/** Share of the progress bar spent computing feature maps (the rest is fitting and cross-validation). */
const EMBED_SHARE = 0.3;

/**
 * Object detection on @cvkit/ml: feature maps of the whole image (cached per image content and backbone, like
 * classification's features), a detector fitted and cross-validated on the fitting worker, boxes and metrics.
 */
export function createDetectionEngine(opts: { logger: Logger; features: Pick<FeatureStore, 'getMany' | 'put'> }) {
  const logged = new Set<DetectionPrecision>();
  async function backbone(precision: DetectionPrecision): Promise<DetectionBackbone> {
    const b = await getDetectionBackbone(precision);
    if (!logged.has(precision)) {
      logged.add(precision);
      opts.logger.info('detection backbone ready', {
        backbone: b.cacheKey,
        embedding: b.runtime.description,
        ...(b.runtime.fallback ? { embeddingFallback: b.runtime.fallback } : {}),
        loadMs: Math.round(b.runtime.loadMs),
      });
    }
    return b;
  }

  async function mapOf(b: DetectionBackbone, bytes: Uint8Array): Promise<FeatureMap> {
    try {
      return await b.featureMap(bytes);
    } catch (e) {
      if (e instanceof ImageDecodeError) throw new UndecodableImageError(e.message);
      throw e;
    }
  }

  return {
    async train(job: TrainingJob): Promise<TrainedClassifier> {
      // General domains never export, so they may run the quantized network; compact ones keep their exports' maps.
      const b = await backbone(job.backbone === 'general' ? 'int8' : 'float32');
      const key = `${b.cacheKey}#map`;
      const hashes = [...new Set(job.images.map((i) => i.contentHash))];
      const maps = new Map<string, FeatureMap>();
      for (const [hash, [values]] of await opts.features.getMany(key, hashes))
        if (values) maps.set(hash, { grid: b.grid, channels: b.channels, values });
      let done = 0;
      for (const hash of hashes) {
        if (!maps.has(hash)) {
          const map = await mapOf(b, await job.loadImage(hash));
          await opts.features.put(key, hash, [map.values]);
          maps.set(hash, map);
        }
        job.onProgress?.((EMBED_SHARE * ++done) / hashes.length);
        if (job.signal?.aborted) throw job.signal.reason ?? new Error('training aborted');
      }
      const tagIndex = new Map(job.tags.map((t, i) => [t.id, i]));
      const images = job.images.map((img) => ({
        map: maps.get(img.contentHash)!,
        boxes: (img.regions ?? [])
          .filter((r) => tagIndex.has(r.tagId))
          .map((r) => ({ tag: tagIndex.get(r.tagId)!, left: r.left, top: r.top, width: r.width, height: r.height })),
      }));
      const tagIds = job.tags.map((t) => t.id);
      const { weights, evaluation } = await trainDetectorOffThread(
        {
          tagIds,
          images,
          seed: 1,
          onProgress: ({ done, total }) => job.onProgress?.(EMBED_SHARE + ((1 - EMBED_SHARE) * done) / (total + 1)),
          ...(job.signal ? { signal: job.signal } : {}),
        },
        { onFallback: (reason) => opts.logger.warn('detector fitting runs on the main thread', { reason }) },
      );
      const detector: Detector = {
        format: 'cvkit-detector',
        formatVersion: 1,
        backbone: { id: b.id, version: b.version },
        tagIds,
        weights,
      };
      return {
        model: encodeStoredDetector(
          detector,
          job.tags.map((t) => t.name),
        ),
        evaluation: encodeStoredDetectionEvaluation(
          job.images.map((i) => i.id),
          evaluation!,
        ),
      };
    },

    async predict(detector: Detector, image: Uint8Array): Promise<TagProbability[]> {
      const map = await mapOf(await checked(detector), image);
      return detectOnMap(detector, map).map((d) => ({
        tagId: detector.tagIds[d.tag]!,
        probability: d.probability,
        boundingBox: { left: d.left, top: d.top, width: d.width, height: d.height },
      }));
    },

    async proposeRegions(detector: Detector, image: Uint8Array): Promise<RegionProposal[]> {
      const map = await mapOf(await checked(detector), image);
      return proposeRegions(detector, map).map((d) => ({
        confidence: d.probability,
        boundingBox: { left: d.left, top: d.top, width: d.width, height: d.height },
      }));
    },

    async exportModel(detector: Detector, labels: string[], target: ExportTarget) {
      if (!DETECTION_EXPORTS[target.platform]?.includes(target.flavor))
        throw new UnsupportedExportError(
          'Object detection iterations export to ONNX and TensorFlow (TensorFlowJs flavor) on this server; see docs/detection.md.',
        );
      await checked(detector);
      const backbone = detectionExportBackbone();
      if (target.platform === 'TensorFlow') return exportTfjsDetector({ detector, labels, backbone });
      return exportOnnxDetector({ detector, labels, iterationId: target.iterationId, backbone });
    },

    performance(
      stored: { imageIds: string[]; data: DetectionEvaluation },
      threshold: number,
      overlap: number = DEFAULT_OVERLAP_THRESHOLD,
    ): EvaluationReport {
      const m = detectionMetricsAt(stored.data, threshold, overlap);
      const { tagIds } = stored.data;
      return {
        // One evaluation (out-of-fold over every image): no spread to report.
        precision: m.precision,
        precisionStdDeviation: 0,
        recall: m.recall,
        recallStdDeviation: 0,
        averagePrecision: m.averagePrecision,
        perTag: m.perTag.map((t) => ({ ...t, precisionStdDeviation: 0, recallStdDeviation: 0 })),
        images: stored.imageIds.map((imageId, i) => ({
          imageId,
          predictions: stored.data.images[i]!.detections.map((d) => ({
            tagId: tagIds[d.tag]!,
            probability: d.probability,
            boundingBox: { left: d.left, top: d.top, width: d.width, height: d.height },
          })),
        })),
      };
    },
  };

  /** The backbone a stored detector was trained on: the int8 maps for int8-trained detectors, else the float ones. */
  async function checked(detector: Detector): Promise<DetectionBackbone> {
    const b = await backbone(detector.backbone.version.includes(INT8_VERSION_MARK) ? 'int8' : 'float32');
    // An int8 detector on a server where int8 cannot run gets the float maps, a few per cent away.
    if (detector.backbone.id !== b.id || !sameFeatureFamily(detector.backbone.version, b.version))
      throw new Error(
        `stored model cannot run: trained on ${detector.backbone.id}@${detector.backbone.version}, this server has ${b.cacheKey}`,
      );
    return b;
  }
}
