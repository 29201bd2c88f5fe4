/**
 * Exports run outside the server give the server's probabilities: train through the API on a compact domain,
 * export ONNX and TensorFlow (TF.js graph model) through ExportIteration, download the zips from their signed links,
 * run them with onnxruntime-node and @tensorflow/tfjs on the test photos, and compare with ClassifyImage.
 */
import { createRequire } from 'node:module';
import { PredictionClient, TrainingClient } from '@cvkit/sdk';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetImages } from '../helpers/datasets.ts';
import { PREDICTION_KEY, startTestServer, type TestServer, TRAINING_KEY } from '../helpers/test-server.ts';

const COMPACT = '0732100f-1a38-4e49-a514-c9b44c697ab5';
const datasets = ['azure-cv-trees', 'ai102-fruit'];
const ort = (() => {
  try {
    return createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
  } catch {
    return undefined;
  }
})();

/**
 * The preprocessing every export documents, as customvision-tfjs does it: EXIF orientation, sRGB, its unrounded
 * centre square, TF.js' crop_and_resize (bilinear), RGB 0–255.
 */
async function pixels(bytes: Buffer, size: number): Promise<Float32Array> {
  const { data, info } = await sharp(bytes)
    .rotate()
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width: w, height: h } = info;
  const top = h > w ? (h - w) / 2 : 0;
  const left = h > w ? 0 : (w - h) / 2;
  const side = Math.min(w, h);
  return tf.tidy(
    () =>
      tf.image
        .cropAndResize(
          tf.tensor4d(Float32Array.from(data), [1, h, w, 3]),
          [[top / h, left / w, (top + side) / h, (left + side) / w]],
          [0],
          [size, size],
        )
        .dataSync() as Float32Array,
  );
}

describe('exports agree with the server', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({}, { engine: 'real' });
  }, 60_000);
  afterAll(() => s?.stop());

  it.each(datasets)(
    '%s: ONNX and TF.js exports match ClassifyImage within 1e-3',
    async (name) => {
      const trainer = new TrainingClient({ endpoint: s.url, trainingKey: TRAINING_KEY });
      const predictor = new PredictionClient({ endpoint: s.url, predictionKey: PREDICTION_KEY });
      const project = await trainer.createProject({
        name: `export-${name}`,
        domainId: COMPACT,
        classificationType: 'Multiclass',
      });
      for (const [tag, files] of datasetImages(name, 'train')) {
        const t = await trainer.createTag(project.id!, { name: tag });
        await trainer.uploadImages(
          project.id!,
          files.map((f) => new File([new Uint8Array(f.bytes)], f.file)),
          { tagIds: [t.id!] },
        );
      }
      const it0 = await trainer.trainProject(project.id!);
      const done = await trainer.waitForTraining(project.id!, it0.id!, { intervalMs: 200, timeoutMs: 120_000 });
      await trainer.publishIteration(project.id!, done.id!, { publishName: 'p', predictionId: 'x' });
      const download = async (platform: 'ONNX' | 'TensorFlow', flavor?: 'TensorFlowJs') => {
        await trainer.exportIteration(project.id!, done.id!, { platform, ...(flavor ? { flavor } : {}) });
        const e = await trainer.waitForExport(project.id!, done.id!, platform, {
          intervalMs: 100,
          timeoutMs: 120_000,
          ...(flavor ? { flavor } : {}),
        });
        const res = await fetch(e.downloadUri!);
        return unzipSync(new Uint8Array(await res.arrayBuffer()));
      };
      const onnxZip = await download('ONNX');
      const tfjsZip = await download('TensorFlow', 'TensorFlowJs');
      const labels = new TextDecoder().decode(onnxZip['labels.txt']).trim().split('\n');
      expect(new TextDecoder().decode(tfjsZip['labels.txt']).trim().split('\n')).toEqual(labels);

      const session = ort ? await ort.InferenceSession.create(onnxZip['model.onnx']!) : undefined;
      const manifest = JSON.parse(new TextDecoder().decode(tfjsZip['model.json']));
      const weightData = Object.keys(tfjsZip)
        .filter((f) => f.endsWith('.bin'))
        .sort()
        .map((f) => tfjsZip[f]!);
      const joined = new Uint8Array(weightData.reduce((n, w) => n + w.length, 0));
      let at = 0;
      for (const w of weightData) {
        joined.set(w, at);
        at += w.length;
      }
      const graph = await tf.loadGraphModel(
        tf.io.fromMemory({
          modelTopology: manifest.modelTopology,
          weightSpecs: manifest.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights),
          weightData: joined.buffer,
        }),
      );
      const size = graph.inputs[0]!.shape![1]!;
      let worst = 0;
      const photos = [
        ...datasetImages(name, 'test').values(),
        ...[...datasetImages(name, 'train').values()].map((f) => f.slice(0, 2)),
      ].flat();
      for (const photo of photos) {
        const server = await predictor.classifyImageWithNoStore(project.id!, 'p', new Uint8Array(photo.bytes));
        const byName = new Map(server.predictions!.map((p) => [p.tagName!, p.probability!]));
        const x = await pixels(photo.bytes, size);
        const tfjsOut = tf.tidy(() => (graph.execute(tf.tensor4d(x, [1, size, size, 3])) as tf.Tensor).dataSync());
        labels.forEach((label, i) => {
          worst = Math.max(worst, Math.abs(tfjsOut[i]! - byName.get(label)!));
        });
        if (session) {
          // NCHW for ONNX.
          const nchw = new Float32Array(3 * size * size);
          for (let c = 0; c < 3; c++) for (let p = 0; p < size * size; p++) nchw[c * size * size + p] = x[p * 3 + c]!;
          const out = await session.run({
            [session.inputNames[0]!]: new ort!.Tensor('float32', nchw, [1, 3, size, size]),
          });
          const probs = out[session.outputNames[0]!]!.data as Float32Array;
          labels.forEach((label, i) => {
            worst = Math.max(worst, Math.abs(probs[i]! - byName.get(label)!));
          });
        }
      }
      graph.dispose();
      expect(worst).toBeLessThanOrEqual(1e-3);
    },
    300_000,
  );
});
