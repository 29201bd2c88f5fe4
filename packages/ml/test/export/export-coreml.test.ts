/**
 * CoreML exports. Core ML runs on Apple platforms only and coremltools cannot be installed here, so the files are
 * decoded with protobufjs against Apple's message definitions (src/export/coreml/proto/CoreML.proto) and checked:
 * Azure's own model.mlmodel first (so the definitions are shown to read an Apple-toolchain file), then cvkit's:
 * inputs, outputs, labels, every layer's weight shapes and wiring, and the numbers, by a small reference evaluator of
 * the decoded layers (helpers/coreml.ts) against TF.js in-process (the server's numbers).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildCoreMlModel,
  exportCoreMl,
  InvalidExportOptionsError,
  type LinearHead,
  type TfjsGraphBackbone,
} from '../../src/export/index.ts';
import { argmax, loadDataset, trainServerHead } from './consumers/dataset-heads.ts';
import { azureExport, sha1 } from './helpers/azure-exports.ts';
import { type Decoded, decodeMlModel, evaluateClassifier, weightValues } from './helpers/coreml.ts';
import {
  InProcessClassifier,
  initTf,
  loadMidBackbone,
  maxAbsDiff,
  preprocess,
  randomHead,
  syntheticImages,
} from './helpers/fixtures.ts';

const SIZE = 224;
const FEATURE_DIM = 1792;
/** Layers Core ML has had since specification version 1 (iOS 11). */
const V1_LAYERS = new Set([
  'convolution',
  'pooling',
  'activation',
  'innerProduct',
  'softmax',
  'unary',
  'add',
  'flatten',
]);

let backbone: TfjsGraphBackbone;
let reference: InProcessClassifier;
let treesHead: LinearHead;
let treesPhoto: Uint8Array;

beforeAll(async () => {
  await initTf();
  backbone = loadMidBackbone();
  reference = await InProcessClassifier.load(backbone);
  const trees = loadDataset('azure-cv-trees');
  treesHead = await trainServerHead(reference, trees);
  treesPhoto = trees.heldOut.find((p) => p.name.startsWith('test/'))!.bytes;
}, 120_000);

describe("Azure's own CoreML export, decoded with the same definitions", () => {
  it('reads spec v1, image input data 227×227 BGR with a scaler, outputs loss (dictionary) and classLabel, labels', () => {
    const bytes = azureExport('model.mlmodel');
    expect(sha1(bytes)).toBe('598a22f8a182a6bb3ab49d3a5feefcff467aceaa');
    const model = decodeMlModel(bytes);
    expect(model.specificationVersion).toBe(1);
    expect(model.description.input).toMatchObject([
      { name: 'data', type: { imageType: { width: 227, height: 227, colorSpace: 'BGR' } } },
    ]);
    expect(model.description.output).toMatchObject([
      { name: 'loss', type: { dictionaryType: { stringKeyType: {} } } },
      { name: 'classLabel', type: { stringType: {} } },
    ]);
    expect(model.description).toMatchObject({ predictedFeatureName: 'classLabel', predictedProbabilitiesName: 'loss' });
    const nn = model.neuralNetworkClassifier;
    expect(nn.stringClassLabels.vector).toEqual([
      'apple',
      'banana',
      'coconut',
      'orange',
      'passionfruit',
      'pineapple',
      'strawberry',
    ]);
    expect(nn.preprocessing[0]).toMatchObject({ featureName: 'data', scaler: { channelScale: 1, blueBias: -104 } });
    // The first convolution's weights are what its header says: 64 × 3 × kh × kw floats.
    const conv1 = nn.layers[0].convolution;
    expect(weightValues(conv1.weights)).toHaveLength(64 * 3 * conv1.kernelSize[0] * conv1.kernelSize[1]);
    expect(nn.layers.at(-1)).toMatchObject({ output: ['loss'], activation: { sigmoid: {} } });
  });
});

describe('cvkit CoreML exports (default = spec v1 float32, CoreMLFloat16 = spec v2)', () => {
  function checkStructure(model: Decoded, head: LinearHead, version: 1 | 2): void {
    expect(model.specificationVersion).toBe(version);
    expect(model.description.input).toMatchObject([
      { name: 'data', type: { imageType: { width: SIZE, height: SIZE, colorSpace: 'RGB' } } },
    ]);
    expect(model.description.output).toMatchObject([
      { name: 'loss', type: { dictionaryType: { stringKeyType: {} } } },
      { name: 'classLabel', type: { stringType: {} } },
    ]);
    expect(model.description).toMatchObject({ predictedFeatureName: 'classLabel', predictedProbabilitiesName: 'loss' });
    const nn = model.neuralNetworkClassifier;
    expect(nn.stringClassLabels.vector).toEqual(head.labels);
    expect(nn.preprocessing).toEqual([
      { featureName: 'data', scaler: { channelScale: Math.fround(1 / 255) }, preprocessor: 'scaler' },
    ]);
    // Wiring: every layer reads the image or an earlier layer's output; the last one writes `loss`.
    const written = new Set(['data']);
    for (const layer of nn.layers) {
      expect(V1_LAYERS, layer.name).toContain(layer.layer);
      for (const input of layer.input) expect(written, `${layer.name} reads ${input}`).toContain(input);
      written.add(layer.output[0]);
      if (layer.layer === 'convolution') {
        const c = layer.convolution;
        const weights = weightValues(c.weights);
        expect(weights.length, layer.name).toBe(
          c.outputChannels * c.kernelChannels * c.kernelSize[0] * c.kernelSize[1],
        );
        expect(weightValues(c.bias).length, layer.name).toBe(c.outputChannels);
        if (version === 2) expect(c.weights.floatValue ?? [], layer.name).toEqual([]);
      }
    }
    const last = nn.layers.at(-1);
    expect(last).toMatchObject({ output: ['loss'], layer: head.activation === 'softmax' ? 'softmax' : 'activation' });
    const dense = nn.layers.find((l: Decoded) => l.layer === 'innerProduct').innerProduct;
    expect(dense).toMatchObject({ inputChannels: FEATURE_DIM, outputChannels: head.labels.length, hasBias: true });
    expect(weightValues(dense.weights)).toHaveLength(FEATURE_DIM * head.labels.length);
  }

  it('writes the package and a well-formed classifier: image input, loss/classLabel, labels, layer shapes', async () => {
    for (const [flavor, version] of [
      [null, 1],
      ['coremlfloat16', 2],
    ] as const) {
      const files = await exportCoreMl({ backbone, head: treesHead, flavor, exportedDate: '2026-01-01T00:00:00Z' });
      expect(files.map((f) => f.path).sort()).toEqual(
        ['model.mlmodel', 'labels.txt', 'cvexport.manifest', 'metadata_properties.json', 'README.md'].sort(),
      );
      const model = files.find((f) => f.path === 'model.mlmodel')!.bytes;
      const manifest = JSON.parse(new TextDecoder().decode(files.find((f) => f.path === 'cvexport.manifest')!.bytes));
      expect(manifest).toMatchObject({
        Platform: 'CoreML',
        Flavor: version === 2 ? 'CoreMLFloat16' : null,
        ModelFileName: 'model.mlmodel',
        LabelFileName: null,
        ModelFileSHA1: sha1(model),
      });
      checkStructure(decodeMlModel(model), treesHead, version);
    }
    const sigmoid = randomHead(4, FEATURE_DIM, 'sigmoid');
    checkStructure(decodeMlModel(buildCoreMlModel({ backbone, head: sigmoid }).bytes), sigmoid, 1);
    expect(() => buildCoreMlModel({ backbone, head: treesHead, flavor: 'CoreMLFloat32' })).toThrow(
      InvalidExportOptionsError,
    );
  }, 120_000);

  it('its decoded layers, evaluated, give the server’s probabilities (1e-3; float16 3e-2) and tag', async () => {
    const random = randomHead(9, FEATURE_DIM, 'softmax');
    const synthetic = (await syntheticImages())[1]!;
    const cases = [
      { name: 'random head, synthetic image', head: random, bytes: synthetic.bytes, half: false },
      { name: 'trees head, held-out hemlock', head: treesHead, bytes: treesPhoto, half: true },
    ];
    const measured: string[] = [];
    for (const c of cases) {
      const pixels = await preprocess(Buffer.from(c.bytes));
      const expected = reference.probabilities(pixels, c.head);
      const model = decodeMlModel(buildCoreMlModel({ backbone, head: c.head }).bytes);
      const got = evaluateClassifier(model, pixels, SIZE).get('loss')!;
      expect(maxAbsDiff(got, expected), c.name).toBeLessThanOrEqual(1e-3);
      expect(argmax(got), c.name).toBe(argmax(expected));
      measured.push(`${c.name}: |Δp| ${maxAbsDiff(got, expected).toExponential(2)}`);
      if (c.half) {
        const half = decodeMlModel(buildCoreMlModel({ backbone, head: c.head, flavor: 'CoreMLFloat16' }).bytes);
        const fromHalf = evaluateClassifier(half, pixels, SIZE).get('loss')!;
        expect(maxAbsDiff(fromHalf, expected), `${c.name} float16`).toBeLessThanOrEqual(3e-2);
        expect(argmax(fromHalf), `${c.name} float16`).toBe(argmax(expected));
        measured.push(`${c.name}, float16 weights: |Δp| ${maxAbsDiff(fromHalf, expected).toExponential(2)}`);
      }
    }
    console.info(`CoreML reference evaluator vs the server:\n  ${measured.join('\n  ')}`);
  }, 240_000);
});
