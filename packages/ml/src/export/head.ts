import type { Head } from '../heads/head.ts';
import { CANONICAL_VIEW } from '../preprocess/views.ts';
import { InvalidHeadError } from './errors.ts';
import type { LinearHead } from './types.ts';

/** Checks the head's shapes against the feature size and returns the number of tags. */
export function validateHead(head: LinearHead, featureDim: number): number {
  const numTags = head.b.length;
  if (numTags === 0) throw new InvalidHeadError('head has no tags');
  if (head.labels.length !== numTags) {
    throw new InvalidHeadError(`head has ${numTags} biases but ${head.labels.length} labels`);
  }
  if (!Number.isInteger(featureDim) || head.W.length !== featureDim * numTags) {
    throw new InvalidHeadError(`W has ${head.W.length} values; expected ${featureDim} × ${numTags}`);
  }
  if (head.activation !== 'softmax' && head.activation !== 'sigmoid') {
    throw new InvalidHeadError(`unknown activation ${String(head.activation)}`);
  }
  const layout = head.weightLayout ?? 'featuresByTags';
  if (layout !== 'featuresByTags' && layout !== 'tagsByFeatures') {
    throw new InvalidHeadError(`unknown weight layout ${String(layout)}`);
  }
  for (const label of head.labels) {
    // labels.txt has one label per line: a line break inside a label would shift every tag after it.
    if (/[\r\n]/.test(label)) throw new InvalidHeadError(`label ${JSON.stringify(label)} contains a line break`);
  }
  // ZipMap (ONNX12's `loss` output) keys probabilities by label.
  if (new Set(head.labels).size !== numTags) throw new InvalidHeadError('labels are not distinct');
  for (const array of [head.W, head.b]) {
    if (!array.every(Number.isFinite)) throw new InvalidHeadError('head has non-finite weights');
  }
  return numTags;
}

/** The head's weights as [featureDim × numTags] row-major, the layout MatMul/Gemm take. */
export function weightsFeaturesByTags(head: LinearHead, featureDim: number): Float32Array {
  if ((head.weightLayout ?? 'featuresByTags') === 'featuresByTags') return head.W;
  const numTags = head.b.length;
  const out = new Float32Array(featureDim * numTags);
  for (let t = 0; t < numTags; t++) {
    for (let f = 0; f < featureDim; f++) out[f * numTags + t] = head.W[t * featureDim + f]!;
  }
  return out;
}

/**
 * A trained head (`trainHead`) as the exporters' `LinearHead`, one output per tag in the head's tag order, named by
 * `labels`. The exported model computes the canonical view only, so a head that averages other views at prediction
 * is refused: its export would not give the server's answers. Tags the head does not score (no training images)
 * get zero weights and a very negative bias, i.e. probability 0 to within 1e-13.
 */
export function linearHeadFromTrained(head: Head, labels: readonly string[]): LinearHead {
  if (labels.length !== head.tagIds.length) {
    throw new InvalidHeadError(`${labels.length} labels for ${head.tagIds.length} tags`);
  }
  if (head.predictionViews.length !== 1 || head.predictionViews[0] !== CANONICAL_VIEW) {
    throw new InvalidHeadError(
      `the head averages the views ${head.predictionViews.join(', ')} at prediction; an exported model sees the ${CANONICAL_VIEW} view only`,
    );
  }
  if (head.negative?.source === 'none-of-the-tags') {
    throw new InvalidHeadError(
      'the Negative tag of this head is computed from the other tags (it had no training images), which a linear export cannot express',
    );
  }
  const { inputDim: dim, weights, bias, activation } = head.model;
  const W = new Float32Array(head.tagIds.length * dim);
  const b = new Float32Array(head.tagIds.length).fill(UNSCORED_BIAS);
  head.outputTags.forEach((tag, o) => {
    W.set(weights.subarray(o * dim, (o + 1) * dim), tag * dim);
    b[tag] = bias[o]!;
  });
  return { W, b, weightLayout: 'tagsByFeatures', activation, labels: [...labels] };
}

/** exp(-30) ≈ 1e-13: an unscored tag's logit, far below any trained one. */
const UNSCORED_BIAS = -30;
