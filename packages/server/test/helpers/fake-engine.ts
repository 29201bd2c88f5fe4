import sharp from 'sharp';
import {
  type ClassifierEngine,
  type EvaluationReport,
  type ExportTarget,
  type TagProbability,
  UndecodableImageError,
  UnsupportedExportError,
} from '../../src/ml/classifier-engine.ts';
import type { FeatureStore } from '../../src/storage/types.ts';

/**
 * A stand-in for the real engine in HTTP and domain tests: nearest-centroid on an image's mean colour.
 * It is fast and deterministic, so tests of routing, validation and persistence do not pay for a neural network.
 * End-to-end tests use the real engine.
 */
export function fakeEngine(
  opts: {
    trainDelayMs?: number;
    failWith?: string;
    /** Caches each image's mean colour here, as the real engine caches embeddings (for tests of the cache). */
    features?: Pick<FeatureStore, 'getMany' | 'put'>;
  } = {},
): ClassifierEngine & { trained: number } {
  const engine = {
    trained: 0,
    exportPlatforms: { TensorFlow: [null, 'TensorFlowJs'] },
    detectionExportPlatforms: {},
    async describe() {
      return { backend: 'fake' };
    },
    async train(job: Parameters<ClassifierEngine['train']>[0]) {
      if (opts.trainDelayMs) await new Promise((r) => setTimeout(r, opts.trainDelayMs));
      if (opts.failWith) throw new Error(opts.failWith);
      const feats = new Map<string, number[]>();
      const cached =
        (await opts.features?.getMany(
          FAKE_BACKBONE,
          job.images.map((i) => i.contentHash),
        )) ?? new Map();
      for (const img of job.images) {
        const known = cached.get(img.contentHash)?.[0];
        const colour = known ? [...known] : await meanColour(await job.loadImage(img.contentHash));
        if (!known) await opts.features?.put(FAKE_BACKBONE, img.contentHash, [Float32Array.from(colour)]);
        feats.set(img.id, colour);
      }
      const centroid = (tagId: string, except?: string) => {
        const members = job.images
          .filter((i) => i.tagIds.includes(tagId) && i.id !== except)
          .map((i) => feats.get(i.id)!);
        return [0, 1, 2].map((c) => members.reduce((s, m) => s + m[c]!, 0) / Math.max(1, members.length));
      };
      const model = { centroids: job.tags.map((t) => ({ tagId: t.id, c: centroid(t.id) })) };
      // Leave-one-out predictions stand in for cross-validation.
      const images = job.images.map((img) => ({
        imageId: img.id,
        truth: img.tagIds,
        predictions: score(
          job.tags.map((t) => ({ tagId: t.id, c: centroid(t.id, img.id) })),
          feats.get(img.id)!,
        ),
      }));
      job.onProgress?.(1);
      engine.trained++;
      return {
        model: Buffer.from(JSON.stringify(model)),
        evaluation: Buffer.from(JSON.stringify({ tags: job.tags.map((t) => t.id), images })),
      };
    },
    async exportModel(model: Uint8Array, target: ExportTarget) {
      if (target.platform !== 'TensorFlow')
        throw new UnsupportedExportError(`The stand-in engine cannot export ${target.platform}.`);
      const m = JSON.parse(Buffer.from(model).toString()) as { centroids: { tagId: string }[] };
      return [
        { path: 'model.json', bytes: new Uint8Array(model) },
        { path: 'labels.txt', bytes: new TextEncoder().encode(m.centroids.map((c) => c.tagId).join('\n')) },
      ];
    },
    async predict(model: Uint8Array, image: Uint8Array): Promise<TagProbability[]> {
      const m = JSON.parse(Buffer.from(model).toString()) as { centroids: { tagId: string; c: number[] }[] };
      const colour = await meanColour(image).catch((e: Error) => {
        throw new UndecodableImageError(e.message);
      });
      return score(m.centroids, colour);
    },
    async proposeRegions() {
      return [];
    },
    async performance(evaluation: Uint8Array, threshold: number): Promise<EvaluationReport> {
      const e = JSON.parse(Buffer.from(evaluation).toString()) as {
        tags: string[];
        images: { imageId: string; truth: string[]; predictions: TagProbability[] }[];
      };
      const perTag = e.tags.map((tagId) => {
        let tp = 0;
        let fp = 0;
        let fn = 0;
        for (const img of e.images) {
          const predicted = (img.predictions.find((p) => p.tagId === tagId)?.probability ?? 0) >= threshold;
          const actual = img.truth.includes(tagId);
          if (predicted && actual) tp++;
          else if (predicted) fp++;
          else if (actual) fn++;
        }
        const precision = tp + fp ? tp / (tp + fp) : 0;
        const recall = tp + fn ? tp / (tp + fn) : 0;
        return {
          tagId,
          precision,
          precisionStdDeviation: 0,
          recall,
          recallStdDeviation: 0,
          averagePrecision: precision,
        };
      });
      const mean = (k: 'precision' | 'recall') => perTag.reduce((s, t) => s + t[k], 0) / Math.max(1, perTag.length);
      return {
        perTag,
        precision: mean('precision'),
        precisionStdDeviation: 0,
        recall: mean('recall'),
        recallStdDeviation: 0,
        averagePrecision: mean('precision'),
        images: e.images.map((i) => ({ imageId: i.imageId, predictions: i.predictions })),
      };
    },
  };
  return engine;
}

const FAKE_BACKBONE = 'fake/mean-colour';

async function meanColour(bytes: Uint8Array): Promise<number[]> {
  const { data } = await sharp(bytes, { failOn: 'error' })
    .resize(4, 4, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const sums = [0, 0, 0];
  for (let i = 0; i < data.length; i++) sums[i % 3]! += data[i]!;
  return sums.map((s) => s / (data.length / 3) / 255);
}

function score(centroids: { tagId: string; c: number[] }[], f: number[]): TagProbability[] {
  const logits = centroids.map(({ c }) => -20 * Math.hypot(c[0]! - f[0]!, c[1]! - f[1]!, c[2]! - f[2]!));
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return centroids
    .map((c, i) => ({ tagId: c.tagId, probability: exps[i]! / sum }))
    .sort((a, b) => b.probability - a.probability);
}
