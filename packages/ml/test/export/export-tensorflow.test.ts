/**
 * TensorFlow platform exports run by runtimes that are not cvkit's: `model.tflite` by Google's LiteRT.js
 * (`@litertjs/core`, TFLite's own kernels in wasm) and the frozen `model.pb` by OpenCV's TensorFlow importer
 * (`@techstark/opencv-js`). The same harness first runs Azure's real exports (test/fixtures/azure-exports), so it is
 * shown to read Azure's files and to feed them as Azure's models expect.
 *
 * cvkit's models carry the nsfwjs MobileNetV2 ×1.4 backbone with heads the server's trainer fits on azure-cv-trees
 * and ai102-fruit (data/datasets): on the held-out photos both runtimes must give TF.js' in-process probabilities
 * (the server's numbers) within 1e-3 when handed the server's pixels in BGR, and, with Microsoft's own preprocessing
 * (the TensorFlow / TFLite scripts: Pillow resize of the whole image, BGR), the server's tag on every photo the
 * server is sure about (≥ 0.9).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTensorFlowModel,
  type ExportFile,
  exportTensorFlow,
  InvalidExportOptionsError,
  type LinearHead,
  type TfjsGraphBackbone,
} from '../../src/export/index.ts';
import { argmax, type Dataset, loadDataset, trainServerHead } from './consumers/dataset-heads.ts';
import { microsoftTensorFlowInput, reverseChannels } from './consumers/tensorflow-sample.ts';
import { AZURE_EXPORTS_DIR, azureExport, sha1 } from './helpers/azure-exports.ts';
import {
  InProcessClassifier,
  initTf,
  loadMidBackbone,
  maxAbsDiff,
  preprocess,
  randomHead,
  syntheticImages,
} from './helpers/fixtures.ts';
import { attrShape, attrTensor, attrType, readGraphDef, sinkNodes } from './helpers/graph-def-reader.ts';
import { LiteRtModel } from './helpers/litert.ts';
import { OpenCvTfNet } from './helpers/opencv.ts';

const EXACT = 1e-3;
/** float16 weights move probabilities by a few 1e-3 (measured ≤ 7e-3 on a random head). */
const FLOAT16 = 3e-2;
const CONFIDENT = 0.9;
const FEATURE_DIM = 1792;
const SIZE = 224;
const measured: string[] = [];

const file = (files: ExportFile[], name: string) => {
  const found = files.find((f) => f.path === name);
  if (!found) throw new Error(`no ${name} in ${files.map((f) => f.path)}`);
  return found.bytes;
};

let backbone: TfjsGraphBackbone;
let reference: InProcessClassifier;
const datasets: Dataset[] = [];
const heads = new Map<string, LinearHead>();
const serverAnswers = new Map<string, { rgb: Float32Array; probabilities: Float32Array }>();

/** The server's pixels and probabilities for a photo (computed once: both runtime tests use them). */
async function server(bytes: Uint8Array, head: LinearHead) {
  const key = `${sha1(bytes)} ${head.labels.join()}`;
  let answer = serverAnswers.get(key);
  if (!answer) {
    const rgb = await preprocess(Buffer.from(bytes));
    answer = { rgb, probabilities: reference.probabilities(rgb, head) };
    serverAnswers.set(key, answer);
  }
  return answer;
}

beforeAll(async () => {
  await initTf();
  backbone = loadMidBackbone();
  reference = await InProcessClassifier.load(backbone);
  for (const name of ['azure-cv-trees', 'ai102-fruit']) {
    const dataset = loadDataset(name);
    datasets.push(dataset);
    heads.set(name, await trainServerHead(reference, dataset));
  }
}, 120_000);

afterAll(() => {
  reference?.dispose();
  console.info(`TensorFlow exports in LiteRT.js and OpenCV:\n  ${measured.join('\n  ')}`);
});

describe("Azure's own TensorFlow exports, through the same harness", () => {
  const labels = readFileSync(path.join(AZURE_EXPORTS_DIR, 'labels.txt'), 'utf8').trim().split('\n');

  it('LiteRT runs model.tflite and OpenCV model.pb: Placeholder [1,227,227,3] → loss [1,7], the same numbers, the right fruit', async () => {
    const tflite = azureExport('model.tflite');
    const pb = azureExport('model.pb');
    expect(sha1(tflite)).toBe('2919b56069a09b933f259c61588656b506974d19');
    expect(sha1(pb)).toBe('281affb743cf95cbaee43cbc5c3962adeb3c4d12');
    const lite = await LiteRtModel.load(tflite);
    const net = await OpenCvTfNet.load(pb);
    expect(lite.inputs).toEqual([{ name: 'Placeholder', shape: [1, 227, 227, 3], dtype: 'float32' }]);
    expect(lite.outputs).toEqual([{ name: 'loss', shape: [1, 7], dtype: 'float32' }]);
    const nodes = readGraphDef(pb);
    expect(attrShape(nodes.find((n) => n.name === 'Placeholder')?.attrs.get('shape'))).toEqual([-1, 227, 227, 3]);
    expect(sinkNodes(nodes)).toEqual(['loss']);

    // Azure's fruit model knows apples, bananas and oranges: ai102-fruit's photos, as Microsoft's scripts feed them.
    const fruit = datasets.find((d) => d.name === 'ai102-fruit')!;
    const photos = fruit.heldOut.filter((_, i) => i % 3 === 0);
    let worst = 0;
    let right = 0;
    let rightRgb = 0;
    for (const photo of photos) {
      const bgr = await microsoftTensorFlowInput(photo.bytes, 227);
      const fromLite = await lite.run(bgr);
      const fromCv = net.run(bgr, 227);
      worst = Math.max(worst, maxAbsDiff(fromLite, fromCv));
      const expected = fruit.tags[photo.tag]!.toLowerCase();
      if (labels[argmax(fromLite)]!.toLowerCase() === expected) right++;
      if (labels[argmax(await lite.run(reverseChannels(bgr)))]!.toLowerCase() === expected) rightRgb++;
    }
    lite.dispose();
    net.dispose();
    measured.push(
      `Azure's models on ${photos.length} ai102-fruit photos (BGR): LiteRT vs OpenCV max |Δp| ${worst.toExponential(2)}; right fruit ${right} (fed RGB instead: ${rightRgb})`,
    );
    expect(worst).toBeLessThan(1e-4);
    expect(right).toBeGreaterThanOrEqual(Math.ceil(photos.length * 0.75));
  }, 120_000);
});

describe('cvkit TensorFlow exports (TensorFlowNormal, TensorFlowLite, TensorFlowLiteFloat16)', () => {
  it('writes Azure’s package: model file, labels.txt, manifest with Platform/Flavor/SHA-1, BGR 0–255 metadata', async () => {
    const head = heads.get('azure-cv-trees')!;
    for (const [flavor, model] of [
      [null, 'model.pb'],
      ['TensorFlowNormal', 'model.pb'],
      ['tensorflowlite', 'model.tflite'],
      ['TensorFlowLiteFloat16', 'model.tflite'],
    ] as const) {
      const files = await exportTensorFlow({ backbone, head, flavor, exportedDate: '2026-01-01T00:00:00Z' });
      expect(files.map((f) => f.path).sort()).toEqual(
        [model, 'labels.txt', 'cvexport.manifest', 'metadata_properties.json', 'README.md'].sort(),
      );
      const manifest = JSON.parse(new TextDecoder().decode(file(files, 'cvexport.manifest')));
      expect(manifest).toMatchObject({
        DomainType: 'Classification',
        Platform: 'TensorFlow',
        Flavor: flavor === null ? 'TensorFlowNormal' : flavor.replace('tensorflowlite', 'TensorFlowLite'),
        ModelFileName: model,
        LabelFileName: 'labels.txt',
        ModelFileSHA1: sha1(file(files, model)),
        SchemaVersion: '1.0',
      });
      expect(new TextDecoder().decode(file(files, 'labels.txt'))).toBe(`${head.labels.join('\n')}\n`);
      const metadata = JSON.parse(new TextDecoder().decode(file(files, 'metadata_properties.json')));
      expect(metadata['Image.BitmapPixelFormat']).toBe('Bgr8');
      expect(metadata['Image.NominalPixelRange']).toBe('NominalRange_0_255');
    }
    await expect(exportTensorFlow({ backbone, head, flavor: 'TensorFlowSavedModel' })).rejects.toThrow(
      InvalidExportOptionsError,
    );
    const tfjs = await exportTensorFlow({ backbone, head, flavor: 'TensorFlowjs' });
    expect(tfjs.map((f) => f.path)).toContain('model.json');
  }, 60_000);

  it('model.pb is a frozen graph of stock ops: Placeholder [-1,224,224,3], float32 Consts, one sink `loss`', () => {
    const { bytes } = buildTensorFlowModel(
      { backbone, head: randomHead(3, FEATURE_DIM, 'sigmoid') },
      'TensorFlowNormal',
    );
    const nodes = readGraphDef(bytes);
    const stock = new Set([
      'Placeholder',
      'Const',
      'Conv2D',
      'DepthwiseConv2dNative',
      'BiasAdd',
      'Relu6',
      'Add',
      'Mul',
      'AvgPool',
      'Reshape',
      'MatMul',
      'Sigmoid',
    ]);
    expect([...new Set(nodes.map((n) => n.op))].filter((op) => !stock.has(op))).toEqual([]);
    const placeholders = nodes.filter((n) => n.op === 'Placeholder');
    expect(placeholders.map((n) => n.name)).toEqual(['Placeholder']);
    expect(attrType(placeholders[0]!.attrs.get('dtype'))).toBe(1);
    expect(attrShape(placeholders[0]!.attrs.get('shape'))).toEqual([-1, SIZE, SIZE, 3]);
    expect(sinkNodes(nodes)).toEqual(['loss']);
    // Microsoft's Android sample subtracts mean pixel values unless some op name contains data_bn or BatchNorm1.
    expect(nodes.some((n) => n.name.includes('data_bn'))).toBe(true);
    for (const c of nodes.filter((n) => n.op === 'Const')) {
      const tensor = attrTensor(c.attrs.get('value'))!;
      const count = tensor.shape.reduce((a, d) => a * d, 1);
      // DT_FLOAT weights; DT_INT32 only for the Reshape's target shape.
      expect([1, 3], c.name).toContain(tensor.dtype);
      expect(tensor.contentBytes, c.name).toBe(count * 4);
    }
  });

  it('LiteRT and OpenCV give the server’s probabilities within 1e-3 on held-out photos (server pixels, BGR)', async () => {
    const synthetic = await syntheticImages();
    let worstLite = 0;
    let worstCv = 0;
    let worstHalf = 0;
    let count = 0;
    let rgbMoves = 0;
    const random = { name: 'random head', heldOut: synthetic, head: randomHead(5, FEATURE_DIM, 'softmax') };
    for (const dataset of [...datasets.map((d) => ({ ...d, head: heads.get(d.name)! })), random]) {
      const head = dataset.head;
      const source = { backbone, head };
      const lite = await LiteRtModel.load(buildTensorFlowModel(source, 'TensorFlowLite').bytes);
      const half = await LiteRtModel.load(buildTensorFlowModel(source, 'TensorFlowLiteFloat16').bytes);
      const net = await OpenCvTfNet.load(buildTensorFlowModel(source, 'TensorFlowNormal').bytes);
      expect(lite.inputs).toEqual([{ name: 'Placeholder', shape: [1, SIZE, SIZE, 3], dtype: 'float32' }]);
      expect(lite.outputs).toEqual([{ name: 'loss', shape: [1, head.labels.length], dtype: 'float32' }]);
      for (const image of dataset.heldOut) {
        const { rgb, probabilities: expected } = await server(image.bytes, head);
        const bgr = reverseChannels(rgb);
        const fromLite = await lite.run(bgr);
        const fromCv = net.run(bgr, SIZE);
        expect(maxAbsDiff(fromLite, expected), `${dataset.name} ${image.name} LiteRT`).toBeLessThanOrEqual(EXACT);
        expect(maxAbsDiff(fromCv, expected), `${dataset.name} ${image.name} OpenCV`).toBeLessThanOrEqual(EXACT);
        worstLite = Math.max(worstLite, maxAbsDiff(fromLite, expected));
        worstCv = Math.max(worstCv, maxAbsDiff(fromCv, expected));
        // float16 weights on every third photo: the same runtime, so a sample shows the precision lost.
        if (count % 3 === 0) {
          const fromHalf = await half.run(bgr);
          expect(maxAbsDiff(fromHalf, expected), `${dataset.name} ${image.name} float16`).toBeLessThanOrEqual(FLOAT16);
          expect(argmax(fromHalf), `${dataset.name} ${image.name} float16 tag`).toBe(argmax(expected));
          worstHalf = Math.max(worstHalf, maxAbsDiff(fromHalf, expected));
        }
        count++;
        if (dataset === random) rgbMoves = Math.max(rgbMoves, maxAbsDiff(await lite.run(rgb), expected));
      }
      lite.dispose();
      half.dispose();
      net.dispose();
    }
    measured.push(
      `server pixels (BGR) on ${count} images: LiteRT max |Δp| ${worstLite.toExponential(2)}, OpenCV ${worstCv.toExponential(2)}, LiteRT float16 ${worstHalf.toExponential(2)}; RGB fed instead moves the random head's by up to ${rgbMoves.toExponential(2)}`,
    );
    // The tolerance can tell a channel-order mistake: RGB instead of BGR moves some probability by more.
    expect(rgbMoves).toBeGreaterThan(EXACT);
  }, 240_000);

  it('with Microsoft’s TensorFlow/TFLite script preprocessing, both give the server’s tag where the server is sure', async () => {
    let confident = 0;
    let agreeing = 0;
    const report: string[] = [];
    for (const dataset of datasets) {
      const head = heads.get(dataset.name)!;
      const source = { backbone, head };
      const lite = await LiteRtModel.load(buildTensorFlowModel(source, 'TensorFlowLite').bytes);
      const net = await OpenCvTfNet.load(buildTensorFlowModel(source, 'TensorFlowNormal').bytes);
      for (const photo of dataset.heldOut) {
        const expected = (await server(photo.bytes, head)).probabilities;
        if (Math.max(...expected) < CONFIDENT) {
          report.push(`${dataset.name} ${photo.name}: server unsure (${Math.max(...expected).toFixed(3)})`);
          continue;
        }
        const input = await microsoftTensorFlowInput(photo.bytes, SIZE);
        const fromLite = await lite.run(input);
        const fromCv = net.run(input, SIZE);
        confident++;
        if (argmax(fromLite) === argmax(expected) && argmax(fromCv) === argmax(expected)) agreeing++;
        else
          report.push(
            `${dataset.name} ${photo.name}: server ${argmax(expected)}, LiteRT ${argmax(fromLite)}, OpenCV ${argmax(fromCv)}`,
          );
      }
      lite.dispose();
      net.dispose();
    }
    measured.push(`Microsoft's preprocessing: server's tag on ${agreeing} of ${confident} confident photos`, ...report);
    expect(confident).toBeGreaterThanOrEqual(20);
    expect(agreeing).toBe(confident);
  }, 240_000);
});
