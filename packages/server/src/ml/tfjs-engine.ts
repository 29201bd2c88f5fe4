import {
  activate,
  type Backbone,
  type BackboneSpec,
  type EmbedRuntime,
  type EngineInfo,
  exportDocker,
  exportOnnx,
  exportTfjs,
  fitLinear,
  ImageDecodeError,
  InvalidExportOptionsError,
  initEngine,
  type LinearModel,
  loadBestBackbone,
  loadBundledModel,
  mirrorHorizontally,
  preprocess,
} from '@cvkit/ml';
import type { Logger } from '../logging.ts';
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
import { type EvaluatedImage, type Evaluation, figuresAt } from './evaluation-metrics.ts';

/**
 * The ClassifierEngine on TensorFlow.js: a pretrained backbone embeds each image (features cached per image content),
 * a linear head is fitted on the features of the original and mirrored views, and k-fold cross-validation gives
 * the evaluation. Prediction uses the centre view only, exactly what the exported models compute.
 */

/** nsfwjs's MobileNetV2 ×1.4: the only bundled network whose final features are general-purpose (see ml notes). */
const MID: BackboneSpec = {
  id: 'mobilenetv2-mid',
  featureRevision: 1,
  description: 'MobileNetV2 ×1.4 (nsfwjs 4 "mid"), global-pooled features',
  model: 'mobilenet_v2_mid',
  format: 'graph',
  inputSize: 224,
  inputScale: 1 / 255,
  inputOffset: 0,
  taps: [
    {
      name: 'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/feature_vector/SpatialSqueeze',
      channels: 1792,
    },
  ],
};

const L2 = 0.01;
/** L2 strengths an Advanced training compares by cross-validation. */
const ADVANCED_L2 = [0.001, 0.003, 0.01, 0.03, 0.1];

/** Advanced training spends at most the reserved budget, capped so one request cannot hold the queue for hours. */
function advancedBudgetMs(reservedBudgetInHours: number): number {
  return Math.min(Math.max(reservedBudgetInHours, 0) * 3_600_000 || 60_000, 10 * 60_000);
}

function logLoss(p: number[], truth: number[], activation: 'softmax' | 'sigmoid'): number {
  const eps = 1e-7;
  if (activation === 'softmax') return -Math.log(Math.max(eps, p[truth[0]!] ?? eps));
  return p.reduce((s, q, k) => s - Math.log(Math.max(eps, truth.includes(k) ? q : 1 - q)), 0) / p.length;
}
const MAX_FOLDS = 5;

interface StoredModel {
  format: 'cvkit-linear-v1';
  backbone: string;
  tagIds: string[];
  labels: string[];
  activation: 'softmax' | 'sigmoid';
  inputDim: number;
  outputs: number;
  weights: string;
  bias: string;
}

export function createTfjsEngine(opts: { logger: Logger; features: FeatureStore }): ClassifierEngine {
  let ready: Promise<{ info: EngineInfo; backbone: Backbone; runtime: EmbedRuntime }> | undefined;
  const start = () => {
    ready ??= (async () => {
      const info = await initEngine();
      // onnxruntime-node when it loads (≈4× faster on 2 cores), else TF.js; same features and cacheKey either way.
      const { backbone, runtime } = await loadBestBackbone(MID);
      opts.logger.info('ML engine ready', {
        embedding: runtime.description,
        ...(runtime.fallback ? { embeddingFallback: runtime.fallback } : {}),
        backend: info.backend,
        threads: info.threads,
        simd: info.simd,
        backbone: backbone.cacheKey,
        initMs: info.initMs,
      });
      return { info, backbone, runtime };
    })();
    return ready;
  };
  const models = new Map<string, { model: LinearModel; tagIds: string[] }>();

  async function viewsOf(backbone: Backbone, bytes: Uint8Array): Promise<Float32Array[]> {
    const centre = await preprocess(bytes, { size: backbone.inputSize });
    return backbone.embed([centre.data, mirrorHorizontally(centre).data]);
  }

  async function cachedViews(
    backbone: Backbone,
    job: TrainingJob,
    onEach: () => void,
  ): Promise<Map<string, Float32Array[]>> {
    const hashes = [...new Set(job.images.map((i) => i.contentHash))];
    const cached = await opts.features.getMany(backbone.cacheKey, hashes);
    for (const hash of hashes) {
      if (!cached.has(hash)) {
        const views = await viewsOf(backbone, await job.loadImage(hash));
        await opts.features.put(backbone.cacheKey, hash, views);
        cached.set(hash, views);
      }
      onEach();
    }
    return cached;
  }

  function decodeModel(bytes: Uint8Array): { model: LinearModel; tagIds: string[]; stored: StoredModel } {
    const stored = JSON.parse(Buffer.from(bytes).toString('utf8')) as StoredModel;
    const f32 = (b64: string) => {
      const buf = Buffer.from(b64, 'base64');
      return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    };
    return {
      model: {
        activation: stored.activation,
        inputDim: stored.inputDim,
        outputs: stored.outputs,
        weights: f32(stored.weights),
        bias: f32(stored.bias),
      },
      tagIds: stored.tagIds,
      stored,
    };
  }

  return {
    exportPlatforms: {
      TensorFlow: [null, 'TensorFlowNormal'],
      ONNX: [null, 'ONNX12'],
      DockerFile: [null, 'Linux', 'ARM'],
    },
    async describe() {
      const { info, backbone, runtime } = await start();
      return {
        backend: info.backend,
        threads: info.threads,
        simd: info.simd,
        backbone: backbone.cacheKey,
        embedding: runtime.name,
        embeddingDetail: runtime.description,
        ...(runtime.fallback ? { embeddingFallback: runtime.fallback } : {}),
      };
    },

    async train(job) {
      const { backbone } = await start();
      const total = new Set(job.images.map((i) => i.contentHash)).size;
      let done = 0;
      const views = await cachedViews(backbone, job, () => job.onProgress?.(0.7 * (++done / total)));
      const activation = job.classificationType === 'Multiclass' ? 'softmax' : 'sigmoid';
      const tagIndex = new Map(job.tags.map((t, i) => [t.id, i]));
      const K = job.tags.length;
      const samples = job.images.map((img) => ({
        id: img.id,
        truth: img.tagIds.filter((t) => tagIndex.has(t)),
        views: views.get(img.contentHash)!,
      }));
      const primary = (s: (typeof samples)[number]) => tagIndex.get(s.truth[0]!)!;
      const classCounts = new Array<number>(K).fill(0);
      for (const s of samples) for (const t of s.truth) classCounts[tagIndex.get(t)!]!++;

      const fit = async (train: typeof samples, l2: number) => {
        const rows: Float32Array[] = [];
        const targets: number[] = [];
        const weights: number[] = [];
        for (const s of train) {
          const viewsUsed = job.augment ? s.views : s.views.slice(0, 1);
          for (const v of viewsUsed) {
            rows.push(v);
            const target = new Array<number>(K).fill(0);
            if (activation === 'softmax') target[primary(s)] = 1;
            else for (const t of s.truth) target[tagIndex.get(t)!] = 1;
            targets.push(...target);
            // Class balance: each class weighs the same in total, each image once however many views it has.
            const balance = activation === 'softmax' ? samples.length / (K * classCounts[primary(s)]!) : 1;
            if (activation === 'softmax') weights.push(balance / viewsUsed.length);
            else
              for (let k = 0; k < K; k++) {
                const positives = classCounts[k]!;
                const w = target[k]
                  ? samples.length / (2 * positives)
                  : samples.length / (2 * Math.max(1, samples.length - positives));
                weights.push(w / viewsUsed.length);
              }
          }
        }
        const { model } = await fitLinear({
          activation,
          rows,
          targets: Float32Array.from(targets),
          outputs: K,
          weights: Float32Array.from(weights),
          l2,
        });
        return model;
      };

      // Stratified folds by each image's first tag, so every fold sees every tag.
      const folds = Math.max(2, Math.min(MAX_FOLDS, ...classCounts.filter((c) => c > 0)));
      const foldOf = new Map<string, number>();
      const byClass = new Map<number, typeof samples>();
      for (const s of samples) byClass.set(primary(s), [...(byClass.get(primary(s)) ?? []), s]);
      for (const members of byClass.values())
        members.forEach((s, i) => {
          foldOf.set(s.id, i % folds);
        });
      const crossValidate = async (l2: number, progress: (fraction: number) => void) => {
        const evaluated: EvaluatedImage[] = [];
        let loss = 0;
        for (let f = 0; f < folds; f++) {
          const model = await fit(
            samples.filter((s) => foldOf.get(s.id) !== f),
            l2,
          );
          for (const s of samples.filter((x) => foldOf.get(x.id) === f)) {
            const probabilities = Array.from(activate(model, s.views[0]!));
            evaluated.push({ imageId: s.id, fold: f, truth: s.truth, probabilities });
            loss += logLoss(
              probabilities,
              s.truth.map((t) => tagIndex.get(t)!),
              activation,
            );
          }
          progress((f + 1) / folds);
          await new Promise((r) => setImmediate(r));
        }
        return { evaluated, loss: loss / samples.length, l2 };
      };
      // Regular: one cross-validation at the default strength. Advanced: a bounded search over the L2 strength,
      // chosen by out-of-fold log loss; the search stops early when its time budget is spent.
      const candidates = job.trainingType === 'Advanced' ? ADVANCED_L2 : [L2];
      const deadline = Date.now() + advancedBudgetMs(job.reservedBudgetInHours ?? 0);
      let best: Awaited<ReturnType<typeof crossValidate>> | undefined;
      for (const [i, l2] of candidates.entries()) {
        const result = await crossValidate(l2, (fraction) =>
          job.onProgress?.(0.7 + (0.25 * (i + fraction)) / candidates.length),
        );
        if (!best || result.loss < best.loss) best = result;
        if (Date.now() > deadline) break;
      }
      const { evaluated, l2: chosenL2 } = best!;
      const final = await fit(samples, chosenL2);
      const stored: StoredModel = {
        format: 'cvkit-linear-v1',
        backbone: backbone.cacheKey,
        tagIds: job.tags.map((t) => t.id),
        labels: job.tags.map((t) => t.name),
        activation,
        inputDim: final.inputDim,
        outputs: final.outputs,
        weights: Buffer.from(final.weights.buffer, final.weights.byteOffset, final.weights.byteLength).toString(
          'base64',
        ),
        bias: Buffer.from(final.bias.buffer, final.bias.byteOffset, final.bias.byteLength).toString('base64'),
      };
      const evaluation: Evaluation = {
        classificationType: job.classificationType,
        tags: job.tags.map((t) => ({ id: t.id, negative: t.type === 'Negative' })),
        folds,
        images: evaluated,
      };
      return { model: Buffer.from(JSON.stringify(stored)), evaluation: Buffer.from(JSON.stringify(evaluation)) };
    },

    async predict(modelBytes, image): Promise<TagProbability[]> {
      const { backbone } = await start();
      const key = Buffer.from(modelBytes).subarray(0, 4096).toString('base64') + modelBytes.length;
      let entry = models.get(key);
      if (!entry) {
        entry = decodeModel(modelBytes);
        if (models.size > 32) models.clear();
        models.set(key, entry);
      }
      let centre: Awaited<ReturnType<typeof preprocess>>;
      try {
        centre = await preprocess(image, { size: backbone.inputSize });
      } catch (e) {
        if (e instanceof ImageDecodeError) throw new UndecodableImageError(e.message);
        throw e;
      }
      const [features] = await backbone.embed([centre.data]);
      const p = activate(entry.model, features!);
      return entry.tagIds
        .map((tagId, i) => ({ tagId, probability: p[i]! }))
        .sort((a, b) => b.probability - a.probability);
    },

    async exportModel(modelBytes, target: ExportTarget) {
      const { model, stored } = decodeModel(modelBytes);
      const bundled = loadBundledModel(MID.model);
      const source = {
        backbone: {
          artifacts: bundled.artifacts as never,
          featureNode: MID.taps[0]!.name,
          inputSize: MID.inputSize,
          inputScale: MID.inputScale,
          inputOffset: MID.inputOffset,
          name: MID.description,
        },
        head: {
          W: model.weights,
          b: model.bias,
          weightLayout: 'tagsByFeatures' as const,
          activation: model.activation,
          labels: stored.labels,
        },
        iterationId: target.iterationId,
      };
      try {
        if (target.platform === 'TensorFlow' && (target.flavor === null || target.flavor === 'TensorFlowNormal'))
          return await exportTfjs(source);
        if (target.platform === 'DockerFile' && target.flavor !== 'Windows')
          return await exportDocker({ ...source, flavor: target.flavor === 'ARM' ? 'ARM' : 'Linux' });
        if (target.platform === 'ONNX' && target.flavor !== 'ONNX10')
          return await exportOnnx({ ...source, flavor: target.flavor === 'ONNX12' ? 'ONNX12' : null });
      } catch (e) {
        if (e instanceof InvalidExportOptionsError) throw new UnsupportedExportError(e.message);
        throw e;
      }
      throw new UnsupportedExportError(
        `Export to ${target.platform}${target.flavor ? ` (${target.flavor})` : ''} is not supported by this server; see docs/exports.md.`,
      );
    },

    async performance(evaluationBytes, threshold): Promise<EvaluationReport> {
      const e = JSON.parse(Buffer.from(evaluationBytes).toString('utf8')) as Evaluation;
      const figures = figuresAt(e, threshold);
      return {
        ...figures,
        images: e.images.map((img) => ({
          imageId: img.imageId,
          predictions: e.tags.map((t, i) => ({ tagId: t.id, probability: img.probabilities[i]! })),
        })),
      };
    },
  };
}

/** For benchmarks and logs: which compute backend the engine runs on. */
export async function describeEngine(): Promise<EngineInfo> {
  return initEngine();
}
