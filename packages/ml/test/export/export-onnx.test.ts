/**
 * exportOnnx on the real backbone (nsfwjs MobileNetV2 ×1.4 mid) with seeded random heads:
 * onnxruntime-node running model.onnx vs TF.js running backbone + head in-process, on images made
 * with sharp and (when the shared data set is there) azure-cv-trees photos; plus the contract the
 * Custom Vision export samples' loaders rely on, read back from the bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildOnnxModel,
  type ExportFile,
  exportOnnx,
  InvalidExportOptionsError,
  InvalidHeadError,
  type LinearHead,
  type OnnxFlavor,
  type TfjsGraphBackbone,
} from '../../src/export/index.ts';
import {
  InProcessClassifier,
  initTf,
  loadMidBackbone,
  maxAbsDiff,
  preprocess,
  randomHead,
  syntheticImages,
  TEST_LABELS,
  type TestImage,
  toNchw,
  treeImages,
} from './helpers/fixtures.ts';
import { ort, ortOrNull } from './helpers/onnxruntime.ts';

type OrtSession = import('onnxruntime-node').InferenceSession;

import { messages, strings, summarizeModel, varints } from './helpers/protobuf-reader.ts';

const TOLERANCE = 1e-3;
const FEATURE_DIM = 1792;

interface Sample {
  name: string;
  pixels: Float32Array;
}

let backbone: TfjsGraphBackbone;
let reference: InProcessClassifier;
let samples: Sample[];
let treeSamples: Sample[] = [];
const softmaxHead = () => randomHead(11, FEATURE_DIM, 'softmax');
const sigmoidHead = () => randomHead(12, FEATURE_DIM, 'sigmoid');
const measured: string[] = [];
const TREES = treeImages();
const sessions = new Map<string, Promise<OrtSession>>();

beforeAll(async () => {
  const backend = await initTf();
  backbone = loadMidBackbone();
  reference = await InProcessClassifier.load(backbone);
  const prepare = (images: TestImage[]) =>
    Promise.all(images.map(async (i) => ({ name: i.name, pixels: await preprocess(i.bytes) })));
  samples = await prepare(await syntheticImages());
  treeSamples = await prepare(TREES);
  measured.push(`tfjs backend ${backend}`);
}, 60_000);

afterAll(async () => {
  reference?.dispose();
  for (const session of sessions.values()) await (await session).release();
  console.info(`ONNX parity:\n  ${measured.join('\n  ')}`);
});

function file(files: ExportFile[], path: string): Uint8Array {
  const found = files.find((f) => f.path === path);
  if (!found) throw new Error(`no ${path} in ${files.map((f) => f.path)}`);
  return found.bytes;
}

async function onnxProbabilities(session: OrtSession, nchw: Float32Array): Promise<Float32Array> {
  const out = await session.run({ data: new (ort().Tensor)('float32', nchw, [1, 3, 224, 224]) }, ['model_output']);
  return out.model_output!.data as Float32Array;
}

/** One exported model per configuration, shared by the synthetic-image and photo tests. */
function sessionFor(head: LinearHead, flavor: OnnxFlavor | null, label: string): Promise<OrtSession> {
  let session = sessions.get(label);
  if (!session) {
    session = exportOnnx({ backbone, head, flavor, exportedDate: '2026-01-01T00:00:00.000Z' }).then((files) =>
      // One thread: the test files run side by side on two cores, next to TF.js wasm.
      ort().InferenceSession.create(file(files, 'model.onnx'), { intraOpNumThreads: 1 }),
    );
    sessions.set(label, session);
  }
  return session;
}

async function parity(head: LinearHead, flavor: OnnxFlavor | null, label: string, set: Sample[], setName: string) {
  const session = await sessionFor(head, flavor, label);
  let worst = 0;
  for (const sample of set) {
    const got = await onnxProbabilities(session, toNchw(sample.pixels));
    const expected = reference.probabilities(sample.pixels, head);
    const diff = maxAbsDiff(got, expected);
    expect(diff, `${label} ${sample.name}`).toBeLessThanOrEqual(TOLERANCE);
    worst = Math.max(worst, diff);
  }
  measured.push(`${label}, ${setName}: max |Δp| = ${worst.toExponential(2)} over ${set.length} images`);
  return session;
}

const CONFIGS: [label: string, head: () => LinearHead, flavor: OnnxFlavor | null][] = [
  ['default/softmax', softmaxHead, null],
  ['default/sigmoid', sigmoidHead, null],
  ['ONNX12/softmax', softmaxHead, 'ONNX12'],
];

describe('exportOnnx on the nsfwjs mid backbone', () => {
  it.skipIf(!ortOrNull)(
    'default flavor, softmax head: onnxruntime matches TF.js in-process within 1e-3',
    async () => {
      const head = softmaxHead();
      const session = await parity(head, null, 'default/softmax', samples, 'synthetic');

      // The tolerance is tight enough to catch an input mistake: BGR instead of RGB, or 0–1 pixels.
      const sample = samples[0]!;
      const expected = reference.probabilities(sample.pixels, head);
      const bgr = await onnxProbabilities(session, toNchw(sample.pixels, 224, true));
      const unit = await onnxProbabilities(
        session,
        toNchw(sample.pixels).map((v) => v / 255),
      );
      expect(maxAbsDiff(bgr, expected)).toBeGreaterThan(10 * TOLERANCE);
      expect(maxAbsDiff(unit, expected)).toBeGreaterThan(10 * TOLERANCE);
    },
    60_000,
  );

  it.skipIf(!ortOrNull)(
    'default flavor, sigmoid (multilabel) head matches too',
    async () => {
      await parity(sigmoidHead(), null, 'default/sigmoid', samples, 'synthetic');
    },
    60_000,
  );

  it.skipIf(!ortOrNull)(
    'ONNX12 flavor: same probabilities, and classLabel is the top tag',
    async () => {
      const head = softmaxHead();
      const session = await parity(head, 'ONNX12', 'ONNX12/softmax', samples, 'synthetic');
      for (const sample of samples.slice(0, 3)) {
        const out = await session.run(
          { data: new (ort().Tensor)('float32', toNchw(sample.pixels), [1, 3, 224, 224]) },
          ['model_output', 'classLabel'],
        );
        const p = Array.from(out.model_output!.data as Float32Array);
        expect(out.classLabel!.data).toEqual([TEST_LABELS[p.indexOf(Math.max(...p))]]);
      }
    },
    60_000,
  );

  it.skipIf(!ortOrNull)(
    'azure-cv-trees photos (one stored upside down): every configuration matches within 1e-3',
    async () => {
      for (const [label, head, flavor] of CONFIGS) await parity(head(), flavor, label, treeSamples, 'azure-cv-trees');
    },
    60_000,
  );

  it('a head given as [numTags × featureDim] (heads/LinearModel layout) exports the same model', async () => {
    const head = softmaxHead();
    const transposed = new Float32Array(head.W.length);
    const numTags = head.b.length;
    for (let f = 0; f < FEATURE_DIM; f++) {
      for (let t = 0; t < numTags; t++) transposed[t * FEATURE_DIM + f] = head.W[f * numTags + t]!;
    }
    const a = buildOnnxModel({ backbone, head }).bytes;
    const b = buildOnnxModel({ backbone, head: { ...head, W: transposed, weightLayout: 'tagsByFeatures' } }).bytes;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    // Without inputNode, the single Placeholder the feature node depends on is the input.
    const { inputNode: _, ...withoutInputNode } = backbone;
    const c = buildOnnxModel({ backbone: withoutInputNode, head }).bytes;
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(true);
  }, 30_000);
});

describe('what the Custom Vision samples’ ONNX loaders read', () => {
  it.skipIf(!ortOrNull)(
    'one NCHW input, metadata that says RGB 0–255, and model_output first (default flavor)',
    async () => {
      const head = softmaxHead();
      const files = await exportOnnx({ backbone, head, exportedDate: '2026-01-01T00:00:00.000Z', iterationId: 'it-1' });
      const bytes = file(files, 'model.onnx');
      const session = await ort().InferenceSession.create(bytes);
      // Python: assert len(get_inputs()) == 1; shape[2:] is the resize target. C#: Dimensions[2].
      expect(session.inputNames).toEqual(['data']);
      expect(session.inputMetadata[0]).toMatchObject({ isTensor: true, type: 'float32', shape: [1, 3, 224, 224] });
      // C#: outputs.First().AsTensor<float>(); ML.NET: column model_output.
      expect(session.outputNames).toEqual(['model_output']);
      expect(session.outputMetadata[0]).toMatchObject({
        isTensor: true,
        type: 'float32',
        shape: [1, TEST_LABELS.length],
      });

      const model = summarizeModel(bytes);
      expect(model.irVersion).toBe(7);
      expect(model.opsets).toEqual({ '': 13 });
      // The loaders' rules: reverse channels iff Bgr8; divide by 255 unless NominalRange_0_255.
      expect(model.metadata['Image.BitmapPixelFormat']).toBe('Rgb8');
      expect(model.metadata['Image.NominalPixelRange']).toBe('NominalRange_0_255');
      expect(model.metadata['Image.ColorSpaceGamma']).toBe('SRGB');
      expect(model.metadata['CustomVision.Postprocess.Method']).toBe('ClassificationMultiClass');
      expect(model.metadata['CustomVision.Preprocess.TargetWidth']).toBe('224');
      expect(model.initializers.length).toBeGreaterThan(100);
      expect(model.inputs).toEqual(['data']); // IR 7: initializers are not graph inputs

      expect(new TextDecoder().decode(file(files, 'labels.txt'))).toBe(`${TEST_LABELS.join('\n')}\n`);
      const manifest = JSON.parse(new TextDecoder().decode(file(files, 'cvexport.manifest')));
      expect(manifest).toMatchObject({
        DomainType: 'Classification',
        Platform: 'ONNX',
        Flavor: '',
        ModelFileName: 'model.onnx',
        LabelFileName: 'labels.txt',
        IterationId: 'it-1',
        ExportedDate: '2026-01-01T00:00:00.000Z',
      });
      expect(manifest.Cvkit.Input).toEqual({
        Name: 'data',
        Shape: [1, 3, 224, 224],
        Layout: 'NCHW',
        DType: 'float32',
        ChannelOrder: 'RGB',
        PixelRange: [0, 255],
      });
      expect(manifest.Cvkit.Preprocess).toMatchObject({
        Crop: 'center-square',
        Resize: { Method: 'crop_and_resize', Width: 224 },
      });
      const properties = JSON.parse(new TextDecoder().decode(file(files, 'metadata_properties.json')));
      expect(properties).toEqual(model.metadata);
      expect(new TextDecoder().decode(file(files, 'README.md'))).toContain('[1,3,224,224]');
      await session.release();
    },
    60_000,
  );

  it.skipIf(!ortOrNull)(
    'ONNX12: ONNX 1.2 (IR 3, opset 7), initializers listed as inputs, WinML classLabel/loss outputs',
    async () => {
      const head = softmaxHead();
      const { bytes } = buildOnnxModel({ backbone, head, flavor: 'ONNX12' });
      const model = summarizeModel(bytes);
      expect(model.irVersion).toBe(3);
      expect(model.opsets).toEqual({ '': 7, 'ai.onnx.ml': 1 });
      expect(model.inputs[0]).toBe('data');
      expect(new Set(model.inputs.slice(1))).toEqual(new Set(model.initializers));
      expect(model.outputs.map((o) => o.name)).toEqual(['model_output', 'classLabel', 'loss']);
      const zipMap = model.nodes.find((n) => n.opType === 'ZipMap')!;
      expect(zipMap.domain).toBe('ai.onnx.ml');
      expect(strings(zipMap.attributes[0]!, 9)).toEqual(TEST_LABELS);
      // loss: TypeProto.sequence_type (4) → elem_type (1) → map_type (5) with key_type STRING (8).
      const lossType = model.outputs[2]!.typeFields;
      const mapType = messages(messages(lossType, 4)[0]!, 1).flatMap((t) => messages(t, 5))[0]!;
      expect(varints(mapType, 1)).toEqual([8n]);

      // onnxruntime-node cannot fetch map outputs, but it type-checks declared outputs at load:
      // the session loads, so `loss` is the seq(map(string, float)) ZipMap produces.
      const session = await ort().InferenceSession.create(bytes);
      expect(session.inputNames).toEqual(['data']);
      expect(session.outputMetadata.map((o) => o.isTensor)).toEqual([true, true, false]);
      await session.release();
    },
    60_000,
  );

  it('refuses ONNX10 and inconsistent heads with typed errors', () => {
    const head = softmaxHead();
    expect(() => buildOnnxModel({ backbone, head, flavor: 'ONNX10' })).toThrow(InvalidExportOptionsError);
    const short: LinearHead = { ...head, W: head.W.subarray(1) };
    expect(() => buildOnnxModel({ backbone, head: short })).toThrow(InvalidHeadError);
    const mislabelled: LinearHead = { ...head, labels: TEST_LABELS.slice(1) };
    expect(() => buildOnnxModel({ backbone, head: mislabelled })).toThrow(/labels/);
    const multiline: LinearHead = { ...head, labels: ['a\nb', ...TEST_LABELS.slice(1)] };
    expect(() => buildOnnxModel({ backbone, head: multiline })).toThrow(InvalidHeadError);
  }, 30_000);
});
