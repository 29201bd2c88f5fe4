/**
 * Heads as plain JSON: weights and biases are little-endian float32 in base64 (exact round trip, about a third
 * the size of decimal text), everything else is readable.
 */
import { HeadFormatError } from '../errors.ts';
import type { Head } from './head.ts';

interface SerializedHead extends Omit<Head, 'model'> {
  model: Omit<Head['model'], 'weights' | 'bias'> & { weights: string; bias: string; encoding: 'float32-le-base64' };
}

function toBase64(values: Float32Array): string {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => {
    bytes.writeFloatLE(v, i * 4);
  });
  return bytes.toString('base64');
}

function fromBase64(text: string, expected: number, what: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== expected * 4) {
    throw new HeadFormatError(`${what}: ${bytes.length / 4} values, expected ${expected}`);
  }
  const out = new Float32Array(expected);
  for (let i = 0; i < expected; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

export function serializeHead(head: Head): string {
  const { model, ...rest } = head;
  const serialized: SerializedHead = {
    ...rest,
    model: {
      activation: model.activation,
      inputDim: model.inputDim,
      outputs: model.outputs,
      encoding: 'float32-le-base64',
      weights: toBase64(model.weights),
      bias: toBase64(model.bias),
    },
  };
  return JSON.stringify(serialized);
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new HeadFormatError(`not a cvkit head: ${message}`);
}

export function deserializeHead(text: string | Uint8Array): Head {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
  } catch (error) {
    throw new HeadFormatError(`not a cvkit head: invalid JSON (${String(error)})`);
  }
  const h = raw as SerializedHead;
  check(h && typeof h === 'object', 'not an object');
  check(h.format === 'cvkit-head', 'format is not cvkit-head');
  check(h.formatVersion === 1, `unsupported formatVersion ${String(h.formatVersion)}`);
  check(h.classificationType === 'Multiclass' || h.classificationType === 'Multilabel', 'classificationType');
  check(Array.isArray(h.tagIds) && Array.isArray(h.tagTypes) && h.tagIds.length === h.tagTypes.length, 'tags');
  check(h.backbone && typeof h.backbone.cacheKey === 'string', 'backbone');
  check(Array.isArray(h.predictionViews) && h.predictionViews.length > 0, 'predictionViews');
  const m = h.model;
  check(m && m.encoding === 'float32-le-base64', 'model encoding');
  check(m.activation === 'softmax' || m.activation === 'sigmoid', 'model activation');
  check(Number.isInteger(m.inputDim) && Number.isInteger(m.outputs), 'model shape');
  check(m.inputDim === h.backbone.dim, 'model input size differs from the backbone dimension');
  check(
    Array.isArray(h.outputTags) &&
      h.outputTags.length === m.outputs &&
      h.outputTags.every((t) => Number.isInteger(t) && t >= 0 && t < h.tagIds.length),
    'outputTags',
  );
  return {
    ...h,
    model: {
      activation: m.activation,
      inputDim: m.inputDim,
      outputs: m.outputs,
      weights: fromBase64(m.weights, m.inputDim * m.outputs, 'weights'),
      bias: fromBase64(m.bias, m.outputs, 'bias'),
    },
  };
}
