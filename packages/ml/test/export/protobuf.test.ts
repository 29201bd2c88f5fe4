/**
 * The protobuf writer and ONNX message encoders: byte-exact wire format checks, a decode of an
 * encoded model with an independent reader, and tiny models run by onnxruntime against TF.js.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { OnnxEncodingError } from '../../src/export/errors.ts';
import { OnnxGraphBuilder } from '../../src/export/onnx/graph-builder.ts';
import { hwioToOihw, tfPads } from '../../src/export/onnx/layout.ts';
import { encodeModel, OnnxDataType, type OnnxModel } from '../../src/export/onnx/onnx-writer.ts';
import { ProtoWriter } from '../../src/export/onnx/protobuf.ts';
import { initTf, maxAbsDiff, seededRandom } from './helpers/fixtures.ts';
import { ort, ortOrNull } from './helpers/onnxruntime.ts';
import { messages, readFields, strings, summarizeModel } from './helpers/protobuf-reader.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('ProtoWriter wire format', () => {
  it('encodes varints as the protobuf spec examples do', () => {
    expect(hex(new ProtoWriter().int(1, 150).finish())).toBe('089601');
    expect(hex(new ProtoWriter().int(1, 1).finish())).toBe('0801');
    // Field 20 needs a two-byte key: (20 << 3 | 0) = 160.
    expect(hex(new ProtoWriter().int(20, 2).finish())).toBe('a00102');
    // int64 beyond 32 bits.
    expect(hex(new ProtoWriter().int(1, 2 ** 40).finish())).toBe('088080808080' + '20');
  });

  it('writes negative int64 as ten-byte two’s complement', () => {
    expect(hex(new ProtoWriter().int(3, -1).finish())).toBe('18ffffffffffffffffff01');
    expect(hex(new ProtoWriter().int(3, -2).finish())).toBe('18feffffffffffffffff01');
  });

  it('writes floats as little-endian fixed32 and strings as UTF-8 length-delimited', () => {
    expect(hex(new ProtoWriter().float(2, 1.5).finish())).toBe('150000c03f');
    expect(hex(new ProtoWriter().string(4, 'hé').finish())).toBe('220368c3a9');
    expect(hex(new ProtoWriter().packedInts(7, [1, 300]).finish())).toBe('3a0301ac02');
  });

  it('prefixes long nested messages with a multi-byte length', () => {
    const child = new ProtoWriter().bytes(1, new Uint8Array(200).fill(7)).finish();
    const parent = new ProtoWriter().message(2, child).int(3, 1).finish();
    const fields = readFields(parent);
    expect(fields.map((f) => f.field)).toEqual([2, 3]);
    expect(readFields(fields[0]!.bytes!)[0]!.bytes).toEqual(new Uint8Array(200).fill(7));
  });

  it('rejects values protobuf cannot carry', () => {
    expect(() => new ProtoWriter().int(1, 1.5)).toThrow(OnnxEncodingError);
    expect(() => new ProtoWriter().int(0, 1)).toThrow(OnnxEncodingError);
    expect(() => new ProtoWriter().int(1, 2n ** 64n)).toThrow(OnnxEncodingError);
  });
});

/** x [1, c, h, w] → Conv (weights from a TF HWIO filter, TF padding) → y. */
function convModel(
  opset: number,
  input: [number, number, number],
  filter: { values: Float32Array; shape: [number, number, number, number] },
  strides: [number, number],
  padding: 'SAME' | 'VALID',
): { model: Uint8Array; outHW: [number, number]; pads: number[] } {
  const [h, w, c] = input;
  const b = new OnnxGraphBuilder(opset);
  b.addInput({ name: 'x', type: { kind: 'tensor', elemType: OnnxDataType.FLOAT, shape: [1, c, h, w] } });
  const weight = hwioToOihw(filter.values, filter.shape);
  const { pads, outHW } = tfPads(
    [h, w],
    { kernel: [filter.shape[0], filter.shape[1]], strides, dilations: [1, 1] },
    padding,
  );
  const y = b.op(
    'Conv',
    ['x', b.floatConst('w', weight.shape, weight.values)],
    'conv',
    [
      { name: 'kernel_shape', kind: 'ints', value: [filter.shape[0], filter.shape[1]] },
      { name: 'strides', kind: 'ints', value: strides },
      { name: 'pads', kind: 'ints', value: pads },
    ],
    { name: 'y', exact: true },
  );
  b.addOutput({ name: y, type: { kind: 'tensor', elemType: OnnxDataType.FLOAT } });
  const model: OnnxModel = {
    irVersion: 7,
    opsetImports: [{ domain: '', version: opset }],
    producerName: 'cvkit-test',
    producerVersion: '0',
    graph: b.build('conv'),
    metadataProps: [
      ['Image.BitmapPixelFormat', 'Rgb8'],
      ['ünïcödé', 'välüé'],
    ],
  };
  return { model: encodeModel(model), outHW, pads };
}

function randomArray(random: () => number, length: number): Float32Array {
  return Float32Array.from({ length }, () => random() * 2 - 1);
}

describe('a tiny ONNX model written from scratch', () => {
  beforeAll(initTf);

  it('decodes back to the fields it was built from', () => {
    const random = seededRandom(1);
    const { model } = convModel(
      13,
      [8, 10, 3],
      { values: randomArray(random, 108), shape: [3, 3, 3, 4] },
      [2, 2],
      'SAME',
    );
    const summary = summarizeModel(model);
    expect(summary.irVersion).toBe(7);
    expect(summary.opsets).toEqual({ '': 13 });
    expect(summary.metadataKeys).toEqual(['Image.BitmapPixelFormat', 'ünïcödé']);
    expect(summary.metadata['ünïcödé']).toBe('välüé');
    expect(summary.inputs).toEqual(['x']);
    expect(summary.nodes.map((n) => n.opType)).toEqual(['Conv']);
    const pads = summary.nodes[0]!.attributes.find((a) => strings(a, 1)[0] === 'pads')!;
    // AttributeProto: type (20) = INTS (7), values in field 8.
    expect(pads.find((f) => f.field === 20)!.varint).toBe(7n);
    expect(pads.filter((f) => f.field === 8).map((f) => Number(f.varint))).toEqual([0, 0, 1, 1]);
    const weight = messages(readFields(model), 7).flatMap((g) => messages(g, 5))[0]!;
    expect(weight.filter((f) => f.field === 1).map((f) => Number(f.varint))).toEqual([4, 3, 3, 3]);
  });

  for (const opset of [7, 13]) {
    it.skipIf(!ortOrNull)(
      `runs a SAME-padded stride-2 Conv (asymmetric pads) like tf.conv2d, opset ${opset}`,
      async () => {
        const random = seededRandom(opset);
        const [h, w, c, k] = [8, 10, 3, 4];
        const filter = {
          values: randomArray(random, 3 * 3 * c * k),
          shape: [3, 3, c, k] as [number, number, number, number],
        };
        const x = randomArray(random, h * w * c);
        const { model, outHW, pads } = convModel(opset, [h, w, c], filter, [2, 2], 'SAME');
        // 8 rows, stride 2, kernel 3: TF pads 0 above and 1 below; the same for the 10 columns.
        expect(pads).toEqual([0, 0, 1, 1]);
        expect(outHW).toEqual([4, 5]);

        const expected = tf.tidy(() =>
          tf
            .conv2d(tf.tensor4d(x, [1, h, w, c]), tf.tensor4d(filter.values, filter.shape), 2, 'same')
            .transpose([0, 3, 1, 2])
            .dataSync(),
        );
        const nchw = tf.tidy(() => tf.tensor4d(x, [1, h, w, c]).transpose([0, 3, 1, 2]).dataSync() as Float32Array);
        const session = await ort().InferenceSession.create(model);
        const out = await session.run({ x: new (ort().Tensor)('float32', nchw, [1, c, h, w]) });
        expect(out.y!.dims).toEqual([1, k, 4, 5]);
        expect(maxAbsDiff(out.y!.data as Float32Array, expected)).toBeLessThan(1e-5);

        // Symmetric padding would shift every output by one pixel: the check above can fail.
        const symmetric = tf.tidy(() =>
          tf
            .conv2d(tf.tensor4d(x, [1, h, w, c]), tf.tensor4d(filter.values, filter.shape), 2, [
              [0, 0],
              [1, 1],
              [1, 1],
              [0, 0],
            ])
            .transpose([0, 3, 1, 2])
            .dataSync(),
        );
        expect(maxAbsDiff(out.y!.data as Float32Array, symmetric)).toBeGreaterThan(1e-2);
        await session.release();
      },
    );
  }

  it('rejects duplicate metadata keys', () => {
    const b = new OnnxGraphBuilder(13);
    const graph = b.build('empty');
    expect(() =>
      encodeModel({
        irVersion: 7,
        opsetImports: [{ domain: '', version: 13 }],
        producerName: 't',
        producerVersion: '0',
        graph,
        metadataProps: [
          ['k', '1'],
          ['k', '2'],
        ],
      }),
    ).toThrow(OnnxEncodingError);
  });
});
