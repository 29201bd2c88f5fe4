/**
 * The TF.js graph → ONNX converter on small synthetic graphs that use every supported op with
 * awkward geometry (odd sizes, strides 2, asymmetric SAME padding, depth multiplier 2,
 * dilation), run by TF.js and by onnxruntime on the same input, at opsets 13 and 7.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidBackboneError, UnsupportedOpError } from '../../src/export/errors.ts';
import { appendTfjsGraph } from '../../src/export/onnx/from-tfjs-graph.ts';
import { OnnxGraphBuilder } from '../../src/export/onnx/graph-builder.ts';
import { encodeModel, OnnxDataType } from '../../src/export/onnx/onnx-writer.ts';
import type { TfjsAttrValue, TfjsNodeDef, TfjsWeightSpec } from '../../src/export/tfjs/graph-def.ts';
import { indexWeights } from '../../src/export/tfjs/weights.ts';
import { initTf, maxAbsDiff, seededRandom } from './helpers/fixtures.ts';
import { ort, ortOrNull } from './helpers/onnxruntime.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ints = (values: number[]): TfjsAttrValue => ({ list: { i: values.map(String) } });
const str = (s: string): TfjsAttrValue => ({ s: b64(s) });
const FLOAT: TfjsAttrValue = { type: 'DT_FLOAT' };

/** Builds a GraphDef + weights the way tfjs-converter lays them out. */
class GraphFixture {
  readonly nodes: TfjsNodeDef[] = [];
  private readonly specs: TfjsWeightSpec[] = [];
  private readonly chunks: Uint8Array[] = [];
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  placeholder(name: string, shape: number[]): string {
    this.nodes.push({
      name,
      op: 'Placeholder',
      attr: { dtype: FLOAT, shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } } },
    });
    return name;
  }

  /** A float32 constant (random in [-scale, scale] unless values are given), optionally uint8-quantized. */
  constant(name: string, shape: number[], options: { scale?: number; values?: number[]; quantize?: boolean } = {}) {
    const count = shape.reduce((n, d) => n * d, 1);
    const scale = options.scale ?? 0.5;
    const values = options.values ?? Array.from({ length: count }, () => (this.random() * 2 - 1) * scale);
    const dtype = Number.isInteger(values[0]) && options.values && name.endsWith('axes') ? 'int32' : 'float32';
    if (options.quantize) {
      const min = Math.min(...values);
      const max = Math.max(...values);
      const step = (max - min) / 255 || 1;
      this.chunks.push(Uint8Array.from(values, (v) => Math.round((v - min) / step)));
      this.specs.push({ name, shape, dtype, quantization: { dtype: 'uint8', min, scale: step } });
    } else {
      const typed = dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
      this.chunks.push(new Uint8Array(typed.buffer));
      this.specs.push({ name, shape, dtype });
    }
    const tfType = dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT';
    this.nodes.push({
      name,
      op: 'Const',
      attr: {
        value: { tensor: { dtype: tfType, tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } },
        dtype: { type: tfType },
      },
    });
    return name;
  }

  op(name: string, op: string, input: string[], attr: Record<string, TfjsAttrValue> = {}): string {
    this.nodes.push({ name, op, input, attr: { T: FLOAT, ...attr } });
    return name;
  }

  artifacts() {
    const total = this.chunks.reduce((n, c) => n + c.length, 0);
    const data = new Uint8Array(total);
    let offset = 0;
    for (const c of this.chunks) {
      data.set(c, offset);
      offset += c.length;
    }
    return { modelTopology: { node: this.nodes, versions: {} }, weightSpecs: this.specs, weightData: data.buffer };
  }
}

const conv = (strides: number, padding: string, fused?: string[], dilation = 1): Record<string, TfjsAttrValue> => ({
  strides: ints([1, strides, strides, 1]),
  dilations: ints([1, dilation, dilation, 1]),
  padding: str(padding),
  data_format: str('NHWC'),
  ...(fused ? { fused_ops: { list: { s: fused.map(b64) } }, num_args: { i: '1' } } : {}),
});

/** A MobileNet-like graph over a [1, 9, 11, 3] input, with three outputs of different ranks. */
function miniNet() {
  const g = new GraphFixture(42);
  const x = g.placeholder('input', [-1, 9, 11, 3]);
  // hub_input-style rescaling: x * 2 - 1.
  const scaled = g.op('scale/Mul', 'Mul', [g.constant('scale/y', [], { values: [2] }), x]);
  const shifted = g.op('scale/Sub', 'Sub', [scaled, g.constant('shift/y', [], { values: [1] })]);
  const c1 = g.op(
    'c1',
    '_FusedConv2D',
    [shifted, g.constant('c1/w', [3, 3, 3, 8], { quantize: true }), g.constant('c1/b', [8])],
    conv(2, 'SAME', ['BiasAdd', 'Relu6']),
  ); // [1, 5, 6, 8]
  const d1 = g.op(
    'd1',
    'FusedDepthwiseConv2dNative',
    [c1, g.constant('d1/w', [3, 3, 8, 1]), g.constant('d1/b', [8])],
    conv(1, 'SAME', ['BiasAdd', 'Relu6']),
  );
  const p1 = g.op(
    'p1',
    '_FusedConv2D',
    [d1, g.constant('p1/w', [1, 1, 8, 8]), g.constant('p1/b', [8])],
    conv(1, 'SAME', ['BiasAdd']),
  );
  const res = g.op('res', 'AddV2', [c1, p1]);
  const d2 = g.op('d2', 'DepthwiseConv2dNative', [res, g.constant('d2/w', [3, 3, 8, 2])], conv(2, 'SAME')); // [1,3,3,16]
  const bias = g.op('d2/bias', 'BiasAdd', [d2, g.constant('d2/b', [16])], { data_format: str('NHWC') });
  const relu = g.op('d2/relu', 'Relu', [bias]);
  const dil = g.op('dil', 'Conv2D', [relu, g.constant('dil/w', [2, 2, 16, 12])], conv(1, 'SAME', undefined, 2));
  const gain = g.op('gain', 'Mul', [dil, g.constant('gain/y', [12])]);
  const relu6 = g.op('relu6', 'Relu6', [gain]);
  const maxPool = g.op('maxpool', 'MaxPool', [relu6], {
    ksize: ints([1, 2, 2, 1]),
    strides: ints([1, 1, 1, 1]),
    padding: str('SAME'),
    data_format: str('NHWC'),
  });
  // 3×3 window, stride 2, SAME over 3×3: TF averages only the real pixels at the borders.
  const avgPool = g.op('avgpool', 'AvgPool', [maxPool], {
    ksize: ints([1, 3, 3, 1]),
    strides: ints([1, 2, 2, 1]),
    padding: str('SAME'),
    data_format: str('NHWC'),
  }); // [1, 2, 2, 12]
  const mean = g.op('mean', 'Mean', [avgPool, g.constant('mean/axes', [2], { values: [1, 2] })], {
    keep_dims: { b: false },
    Tidx: { type: 'DT_INT32' },
  });
  const logits = g.op('dense', '_FusedMatMul', [mean, g.constant('dense/w', [12, 5]), g.constant('dense/b', [5])], {
    transpose_a: { b: false },
    transpose_b: { b: false },
    fused_ops: { list: { s: [b64('BiasAdd')] } },
    num_args: { i: '1' },
  });
  const softmax = g.op('softmax', 'Softmax', [logits]);
  const valid = g.op('validpool', 'AvgPool', [relu6], {
    ksize: ints([1, 3, 3, 1]),
    strides: ints([1, 1, 1, 1]),
    padding: str('VALID'),
    data_format: str('NHWC'),
  });
  const squeezed = g.op('squeeze', 'Squeeze', [valid], { squeeze_dims: ints([1, 2]) });
  const sigmoid = g.op('sigmoid', 'Sigmoid', [g.op('out', 'Identity', [squeezed])]);
  return { g, outputs: { softmax, sigmoid, avgPool } };
}

async function runBoth(opset: number, outputNames: string[]) {
  const { g } = miniNet();
  const artifacts = g.artifacts();
  const random = seededRandom(opset);
  const x = Float32Array.from({ length: 9 * 11 * 3 }, () => random());

  const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
  const expected = outputNames.map((name) =>
    tf.tidy(() => {
      const t = model.execute(tf.tensor4d(x, [1, 9, 11, 3]), name) as tf.Tensor;
      return { data: t.dataSync() as Float32Array, shape: t.shape };
    }),
  );
  model.dispose();

  const b = new OnnxGraphBuilder(opset);
  b.addInput({ name: 'x', type: { kind: 'tensor', elemType: OnnxDataType.FLOAT, shape: [1, 3, 9, 11] } });
  const weights = indexWeights(artifacts.weightSpecs, artifacts.weightData);
  for (const name of outputNames) {
    const out = appendTfjsGraph(
      b,
      artifacts.modelTopology,
      weights,
      { input: { tensor: 'x', tfShape: [1, 9, 11, 3], layout: 'nchw' } },
      name,
    );
    const final = b.op('Identity', [out.tensor], `out/${name}`, undefined, { name: `y_${name}`, exact: true });
    b.addOutput({ name: final, type: { kind: 'tensor', elemType: OnnxDataType.FLOAT } });
  }
  const bytes = encodeModel({
    irVersion: 7,
    opsetImports: [{ domain: '', version: opset }],
    producerName: 'cvkit-test',
    producerVersion: '0',
    graph: b.build('mini'),
    metadataProps: [],
  });
  const session = await ort().InferenceSession.create(bytes);
  const nchw = tf.tidy(() => tf.tensor4d(x, [1, 9, 11, 3]).transpose([0, 3, 1, 2]).dataSync() as Float32Array);
  const result = await session.run({ x: new (ort().Tensor)('float32', nchw, [1, 3, 9, 11]) });
  await session.release();
  return outputNames.map((name, i) => {
    const got = result[`y_${name}`]!;
    const exp = expected[i]!;
    // Rank-4 values come back NCHW: transpose to TF's NHWC to compare.
    const data =
      got.dims.length === 4
        ? tf.tidy(() =>
            tf
              .tensor4d(got.data as Float32Array, got.dims as [number, number, number, number])
              .transpose([0, 2, 3, 1])
              .dataSync(),
          )
        : (got.data as Float32Array);
    const shape = got.dims.length === 4 ? [got.dims[0], got.dims[2], got.dims[3], got.dims[1]] : [...got.dims];
    return { name, shape, expectedShape: exp.shape, diff: maxAbsDiff(data, exp.data), values: exp.data };
  });
}

describe('TF.js graph → ONNX converter on synthetic graphs', () => {
  beforeAll(initTf);

  for (const opset of [13, 12, 7]) {
    it.skipIf(!ortOrNull)(
      `matches TF.js on every supported op, opset ${opset}`,
      async () => {
        const results = await runBoth(opset, ['softmax', 'sigmoid', 'avgpool']);
        for (const r of results) {
          expect(r.shape, r.name).toEqual(r.expectedShape);
          expect(r.diff, r.name).toBeLessThan(1e-5);
          // Outputs are not degenerate (all equal), so the comparison says something.
          expect(Math.max(...r.values) - Math.min(...r.values), r.name).toBeGreaterThan(1e-3);
        }
      },
      30_000,
    );
  }

  it('refuses ops it does not translate, naming them', () => {
    const g = new GraphFixture(1);
    const x = g.placeholder('input', [-1, 4, 4, 3]);
    g.op('tanh', 'Tanh', [x]);
    const artifacts = g.artifacts();
    const b = new OnnxGraphBuilder(13);
    const run = () =>
      appendTfjsGraph(
        b,
        artifacts.modelTopology,
        indexWeights(artifacts.weightSpecs, artifacts.weightData),
        { input: { tensor: 'x', tfShape: [1, 4, 4, 3], layout: 'nchw' } },
        'tanh',
      );
    expect(run).toThrow(UnsupportedOpError);
    expect(run).toThrow(/Tanh node 'tanh'/);
  });

  it('refuses unbound placeholders and missing nodes', () => {
    const { g } = miniNet();
    const artifacts = g.artifacts();
    const weights = indexWeights(artifacts.weightSpecs, artifacts.weightData);
    const b = new OnnxGraphBuilder(13);
    expect(() => appendTfjsGraph(b, artifacts.modelTopology, weights, {}, 'softmax')).toThrow(InvalidBackboneError);
    expect(() =>
      appendTfjsGraph(
        b,
        artifacts.modelTopology,
        weights,
        { input: { tensor: 'x', tfShape: [1, 9, 11, 3], layout: 'nchw' } },
        'nope',
      ),
    ).toThrow(/no node 'nope'/);
  });
});
