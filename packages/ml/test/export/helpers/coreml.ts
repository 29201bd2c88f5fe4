/**
 * Core ML cannot run off Apple platforms, so the tests decode `model.mlmodel` with protobufjs against Apple's message
 * definitions (src/export/coreml/proto/CoreML.proto) and evaluate the decoded layers with this small reference
 * evaluator: blobs are [C, H, W] (float64 arithmetic), each layer computed as Apple's NeuralNetwork.proto documents
 * it. It knows the layers a spec-v1/v2 image classifier needs: convolution (grouped, dilated, valid/same), pooling
 * (max/average, valid/same, global), activation (linear, ReLU, sigmoid), unary THRESHOLD, add, flatten, inner
 * product, softmax; anything else throws.
 */
import path from 'node:path';
import protobuf from 'protobufjs';
import { float16ToFloat32 } from '../../../src/export/tfjs/weights.ts';
import { REPO_ROOT } from './fixtures.ts';

const PROTO = path.join(REPO_ROOT, 'packages/ml/src/export/coreml/proto/CoreML.proto');

// biome-ignore lint/suspicious/noExplicitAny: the decoded message is plain JSON-like data checked by the tests
export type Decoded = any;

let modelType: protobuf.Type | undefined;

export function decodeMlModel(bytes: Uint8Array): Decoded {
  modelType ??= protobuf.loadSync(PROTO).lookupType('CoreML.Specification.Model');
  const message = modelType.decode(bytes);
  return modelType.toObject(message, { longs: Number, enums: String, bytes: Array, defaults: false, oneofs: true });
}

interface Blob {
  c: number;
  h: number;
  w: number;
  data: Float64Array;
}

/** WeightParams → values (floatValue, or float16Value as little-endian halves). */
export function weightValues(params: Decoded): Float64Array {
  if (params?.floatValue?.length) return Float64Array.from(params.floatValue as number[]);
  const bytes = params?.float16Value as number[] | undefined;
  if (bytes?.length) {
    const out = new Float64Array(bytes.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = float16ToFloat32(bytes[2 * i]! | (bytes[2 * i + 1]! << 8));
    return out;
  }
  throw new Error('weights with neither floatValue nor float16Value');
}

function outputSize(size: number, k: number, s: number, d: number, same: boolean): number {
  return same ? Math.ceil(size / s) : Math.floor((size - d * (k - 1) - 1) / s) + 1;
}

function padBefore(size: number, k: number, s: number, d: number, same: boolean): number {
  if (!same) return 0;
  const out = Math.ceil(size / s);
  return Math.floor(Math.max(0, (out - 1) * s + d * (k - 1) + 1 - size) / 2);
}

function convolution(x: Blob, p: Decoded): Blob {
  const outC = p.outputChannels as number;
  const kc = p.kernelChannels as number;
  const groups = (p.nGroups as number) || 1;
  const [kh, kw] = p.kernelSize as [number, number];
  const [sh, sw] = ((p.stride as number[] | undefined)?.length ? p.stride : [1, 1]) as [number, number];
  const [dh, dw] = ((p.dilationFactor as number[] | undefined)?.length ? p.dilationFactor : [1, 1]) as [number, number];
  const same = p.same !== undefined;
  if (p.valid?.paddingAmounts) throw new Error('explicit padding amounts are not evaluated');
  if (kc * groups !== x.c) throw new Error(`kernel channels ${kc} × groups ${groups} ≠ input channels ${x.c}`);
  const w = weightValues(p.weights);
  if (w.length !== outC * kc * kh * kw) throw new Error(`weights have ${w.length} values`);
  const bias = p.hasBias ? weightValues(p.bias) : new Float64Array(outC);
  const oh = outputSize(x.h, kh, sh, dh, same);
  const ow = outputSize(x.w, kw, sw, dw, same);
  const top = padBefore(x.h, kh, sh, dh, same);
  const left = padBefore(x.w, kw, sw, dw, same);
  const out = new Float64Array(outC * oh * ow);
  const perGroup = outC / groups;
  for (let o = 0; o < outC; o++) {
    const plane = out.subarray(o * oh * ow, (o + 1) * oh * ow);
    plane.fill(bias[o]!);
    const g = Math.floor(o / perGroup);
    for (let ic = 0; ic < kc; ic++) {
      const input = x.data.subarray((g * kc + ic) * x.h * x.w, (g * kc + ic + 1) * x.h * x.w);
      if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && oh === x.h && ow === x.w) {
        // Pointwise: the bulk of a MobileNet's work, as one tight loop.
        const weight = w[o * kc + ic]!;
        for (let j = 0; j < plane.length; j++) plane[j]! += weight * input[j]!;
        continue;
      }
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          const weight = w[((o * kc + ic) * kh + ky) * kw + kx]!;
          for (let y = 0; y < oh; y++) {
            const iy = y * sh - top + ky * dh;
            if (iy < 0 || iy >= x.h) continue;
            const row = iy * x.w;
            const outRow = y * ow;
            for (let xx = 0; xx < ow; xx++) {
              const ix = xx * sw - left + kx * dw;
              if (ix >= 0 && ix < x.w) plane[outRow + xx]! += weight * input[row + ix]!;
            }
          }
        }
      }
    }
  }
  return { c: outC, h: oh, w: ow, data: out };
}

function pooling(x: Blob, p: Decoded): Blob {
  const average = p.type === 'AVERAGE';
  if (p.type !== 'AVERAGE' && p.type !== 'MAX' && p.type !== undefined) throw new Error(`pooling ${p.type}`);
  if (p.globalPooling) {
    const out = new Float64Array(x.c);
    for (let c = 0; c < x.c; c++) {
      const plane = x.data.subarray(c * x.h * x.w, (c + 1) * x.h * x.w);
      out[c] = average ? plane.reduce((a, v) => a + v, 0) / plane.length : Math.max(...plane);
    }
    return { c: x.c, h: 1, w: 1, data: out };
  }
  if (p.includeLastPixel) throw new Error('includeLastPixel pooling is not evaluated');
  const [kh, kw] = p.kernelSize as [number, number];
  const [sh, sw] = p.stride as [number, number];
  const same = p.same !== undefined;
  const oh = outputSize(x.h, kh, sh, 1, same);
  const ow = outputSize(x.w, kw, sw, 1, same);
  const top = padBefore(x.h, kh, sh, 1, same);
  const left = padBefore(x.w, kw, sw, 1, same);
  const out = new Float64Array(x.c * oh * ow);
  for (let c = 0; c < x.c; c++) {
    for (let y = 0; y < oh; y++) {
      for (let xx = 0; xx < ow; xx++) {
        let acc = average ? 0 : Number.NEGATIVE_INFINITY;
        let n = 0;
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const iy = y * sh - top + ky;
            const ix = xx * sw - left + kx;
            if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
            const v = x.data[(c * x.h + iy) * x.w + ix]!;
            acc = average ? acc + v : Math.max(acc, v);
            n++;
          }
        }
        out[(c * oh + y) * ow + xx] = average ? acc / (p.avgPoolExcludePadding ? n : kh * kw) : acc;
      }
    }
  }
  return { c: x.c, h: oh, w: ow, data: out };
}

function map(x: Blob, f: (v: number) => number): Blob {
  return { ...x, data: x.data.map(f) };
}

function layerOutput(layer: Decoded, inputs: Blob[]): Blob {
  const x = inputs[0]!;
  switch (layer.layer) {
    case 'convolution':
      return convolution(x, layer.convolution);
    case 'pooling':
      return pooling(x, layer.pooling);
    case 'activation': {
      const a = layer.activation;
      if (a.linear) return map(x, (v) => (a.linear.alpha ?? 0) * v + (a.linear.beta ?? 0));
      if (a.ReLU) return map(x, (v) => Math.max(0, v));
      if (a.sigmoid) return map(x, (v) => 1 / (1 + Math.exp(-v)));
      throw new Error(`activation ${Object.keys(a)}`);
    }
    case 'unary': {
      const u = layer.unary;
      if (u.type !== 'THRESHOLD') throw new Error(`unary ${u.type}`);
      return map(x, (v) => Math.max((u.scale ?? 0) * v + (u.shift ?? 0), u.alpha ?? 0));
    }
    case 'add': {
      const out = new Float64Array(x.data.length);
      for (const input of inputs) {
        if (input.data.length !== out.length) throw new Error('add of blobs of different sizes');
        for (let i = 0; i < out.length; i++) out[i]! += input.data[i]!;
      }
      return { ...x, data: out };
    }
    case 'flatten':
      return { c: x.c * x.h * x.w, h: 1, w: 1, data: x.data };
    case 'innerProduct': {
      const p = layer.innerProduct;
      if (x.data.length !== p.inputChannels) throw new Error(`inner product of ${x.data.length} values`);
      const w = weightValues(p.weights);
      const b = p.hasBias ? weightValues(p.bias) : new Float64Array(p.outputChannels);
      const out = new Float64Array(p.outputChannels);
      for (let o = 0; o < out.length; o++) {
        let acc = b[o]!;
        for (let i = 0; i < p.inputChannels; i++) acc += w[o * p.inputChannels + i]! * x.data[i]!;
        out[o] = acc;
      }
      return { c: out.length, h: 1, w: 1, data: out };
    }
    case 'softmax': {
      const max = Math.max(...x.data);
      const e = x.data.map((v) => Math.exp(v - max));
      const sum = e.reduce((a, v) => a + v, 0);
      return { ...x, data: e.map((v) => v / sum) };
    }
    default:
      throw new Error(`layer ${layer.name}: ${layer.layer} is not evaluated`);
  }
}

/**
 * Runs a decoded neural network classifier on an RGB image (NHWC float 0–255, `size`×`size`) and returns every blob
 * by name; the classifier's probabilities are the blob named by the description's predictedProbabilitiesName.
 */
export function evaluateClassifier(model: Decoded, rgb: Float32Array, size: number): Map<string, Float64Array> {
  const nn = model.neuralNetworkClassifier;
  const inputName = model.description.input[0].name as string;
  const scaler = nn.preprocessing?.find((p: Decoded) => p.featureName === inputName)?.scaler ?? {};
  const scale = scaler.channelScale ?? 1;
  const image = model.description.input[0].type.imageType;
  const bgr = image.colorSpace === 'BGR';
  const biases = bgr
    ? [scaler.blueBias ?? 0, scaler.greenBias ?? 0, scaler.redBias ?? 0]
    : [scaler.redBias ?? 0, scaler.greenBias ?? 0, scaler.blueBias ?? 0];
  const data = new Float64Array(3 * size * size);
  for (let i = 0; i < size * size; i++) {
    for (let c = 0; c < 3; c++) {
      const source = rgb[i * 3 + (bgr ? 2 - c : c)]!;
      data[c * size * size + i] = Math.fround(source * scale) + biases[c]!;
    }
  }
  const blobs = new Map<string, Blob>([[inputName, { c: 3, h: size, w: size, data }]]);
  for (const layer of nn.layers as Decoded[]) {
    const inputs = (layer.input as string[]).map((name) => {
      const blob = blobs.get(name);
      if (!blob) throw new Error(`layer ${layer.name} reads ${name}, which no earlier layer writes`);
      return blob;
    });
    blobs.set(layer.output[0], layerOutput(layer, inputs));
  }
  return new Map([...blobs].map(([name, blob]) => [name, blob.data]));
}
