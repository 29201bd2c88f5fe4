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
