/**
 * The classifier as a StockGraph: image input → (channel order and range) → backbone cut at its feature node →
 * [global mean] → dense head → softmax/sigmoid named as the target format's consumers expect.
 *
 * The input step is one 1×1 convolution whose filter is the channel permutation times the backbone's input scale
 * and whose bias is its input offset: it turns BGR (or RGB) 0–255 pixels into what the backbone takes, exactly
 * (each output is one product plus exact zeros plus the offset, as TF.js computes `x · scale + offset`), with an
 * op every format and runtime has. CoreML, whose image input applies a scale and bias itself, skips it.
 */
import { InvalidExportOptionsError } from '../errors.ts';
import { validateHead, weightsFeaturesByTags } from '../head.ts';
import { resolveInputNode } from '../tfjs/cut.ts';
import { graphDefOf } from '../tfjs/graph-def.ts';
import { indexWeights } from '../tfjs/weights.ts';
import type { ExportSource, TfjsGraphBackbone } from '../types.ts';
import { appendTfjsNodes, StockGraphBuilder } from './from-tfjs.ts';
import type { StockGraph, StockValue } from './graph.ts';

export interface StockClassifierOptions {
  inputName: string;
  outputName: string;
  /** Channel order of the input pixels (0–255). Ignored with `inputStep: 'none'`. */
  channelOrder: 'BGR' | 'RGB';
  /** -1 for any batch (TensorFlow), 1 (TFLite, CoreML). */
  batch: number;
  /**
   * 'conv' (default): the 1×1 channel-order-and-scale convolution. 'none': the input is already RGB scaled to the
   * backbone's range (CoreML's image preprocessing does it).
   */
  inputStep?: 'conv' | 'none';
}

export interface StockClassifier {
  graph: StockGraph;
  featureDim: number;
  numTags: number;
}

export function buildStockClassifier(source: ExportSource, options: StockClassifierOptions): StockClassifier {
  const { backbone, head } = source;
  const b = new StockGraphBuilder();
  const input: StockValue = {
    name: b.exact(options.inputName),
    shape: [options.batch, backbone.inputSize, backbone.inputSize, 3],
  };
  b.add({ op: 'input', out: input });
  const reserved = b.exact(options.outputName);
  let features = appendStockBackbone(b, backbone, input, options.inputStep ?? 'conv', options.channelOrder)[0]!;
  if (features.shape.length === 4) {
    features = b.add({
      op: 'globalMean',
      input: features,
      out: { name: b.name('cvkit/pool_features'), shape: [options.batch, features.shape[3]!] },
    });
  }
  const featureDim = features.shape[1]!;
  const numTags = validateHead(head, featureDim);
  const logits = b.add({
    op: 'dense',
    input: features,
    weights: weightsFeaturesByTags(head, featureDim),
    bias: head.b,
    out: { name: b.name('cvkit/head/logits'), shape: [options.batch, numTags] },
  });
  const output = b.add({
    op: head.activation === 'softmax' ? 'softmax' : 'sigmoid',
    input: logits,
    out: { name: reserved, shape: [options.batch, numTags] },
  });
  return { graph: b.build([input], [output]), featureDim, numTags };
}

/**
 * The backbone from `input` (0–255 pixels in `channelOrder`) to each of `nodes` (default: its feature node),
 * unpooled. Shared by every stock-graph export, classifiers and detectors alike.
 */
export function appendStockBackbone(
  b: StockGraphBuilder,
  backbone: TfjsGraphBackbone,
  input: StockValue,
  inputStep: 'conv' | 'none',
  channelOrder: 'BGR' | 'RGB',
  nodes: readonly string[] = [backbone.featureNode],
): StockValue[] {
  const size = backbone.inputSize;
  if (!Number.isInteger(size) || size <= 0) throw new InvalidExportOptionsError(`invalid input size ${size}`);
  if (!(backbone.inputScale > 0)) throw new InvalidExportOptionsError(`invalid input scale ${backbone.inputScale}`);
  const graph = graphDefOf(backbone.artifacts);
  const weights = indexWeights(backbone.artifacts.weightSpecs, backbone.artifacts.weightData);
  let scaled = input;
  if (inputStep === 'conv') {
    // filter[0][0][in][out]: output channel `out` (RGB) reads input channel `out` (RGB) or `2 − out` (BGR).
    const filter = new Float32Array(9);
    for (let out = 0; out < 3; out++) filter[(channelOrder === 'BGR' ? 2 - out : out) * 3 + out] = backbone.inputScale;
    scaled = b.add({
      op: 'conv',
      input,
      filter,
      filterShape: [1, 1, 3, 3],
      bias: new Float32Array(3).fill(backbone.inputOffset ?? 0),
      strides: [1, 1],
      dilations: [1, 1],
      padding: 'VALID',
      activation: 'none',
      // Microsoft's Android sample subtracts ImageNet means from the pixels unless an op name contains `data_bn`
      // (its "data normalization layer" test): this layer is that normalization, so it carries the name.
      out: { name: b.name('data_bn'), shape: [...input.shape] },
    });
  }
  const inputNode = resolveInputNode(graph, nodes[0]!, backbone.inputNode);
  return appendTfjsNodes(b, graph, weights, { [inputNode]: scaled }, nodes);
}
