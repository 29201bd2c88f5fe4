/**
 * The backbones cvkit ships and which one a project's domain uses.
 *
 * Only nsfwjs's networks install offline. Of its three, only the MobileNetV2 ×1.4 graph ("mid") transfers: its
 * final pooled features reach 0.79 on mlnet-flowers-small (5-fold, linear head) where InceptionV3 and the plain
 * MobileNetV2 were fine-tuned away from general features (0.58–0.74 at their best layers).
 *
 * - General domains use `mnv2-140-b12-msqrt`: the mid network cut after block `expanded_conv_12` (14×14×136) with
 *   bilinear (second-order) pooling normalised by the matrix square root. The most accurate option measured
 *   (README: flowers 0.84–0.855 Regular against 0.785 for the final pooled features, 0.95–1.0 on the three easy
 *   sets), and the 7×7 stage is skipped. Plain bilinear pooling (`mnv2-140-b12-bilinear`, element-wise square
 *   root) scores about the same on flowers but reads colour statistics so strongly that it calls the Azure
 *   quickstart's held-out hemlock (a branch on a large grey background) a Japanese cherry; the matrix square root
 *   evens out such dominant directions and gets it right.
 * - Compact domains use `mnv2-140-gap`: the same network's final global-average-pooled 1792 features, a
 *   MobileNetV2-class model that the ONNX / TF.js exporters reproduce exactly (Custom Vision only exports compact
 *   domains) and that onnxruntime runs in ≈5 ms.
 */
import { EngineError } from '../errors.ts';
import { ANTIALIASED_PREPROCESSING, CUSTOMVISION_TFJS_PREPROCESSING } from '../preprocess/preprocess.ts';
import type { Backbone, BackboneSpec } from './backbone.ts';
import { type BestBackbone, loadBestBackbone } from './onnx-backbone.ts';

const MID_NODE_PREFIX =
  'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/';

export const BACKBONE_SPECS: Record<string, BackboneSpec> = {
  'mnv2-140-b12-msqrt': {
    id: 'mnv2-140-b12-msqrt',
    featureRevision: 1,
    description:
      'MobileNetV2 x1.4 (nsfwjs "mid" graph), output of block expanded_conv_12 (14x14x136), bilinear pooling with matrix square root and L2 normalisation: 9316 features',
    model: 'mobilenet_v2_mid',
    format: 'graph',
    inputSize: 224,
    inputScale: 1 / 255,
    inputOffset: 0,
    taps: [{ name: `${MID_NODE_PREFIX}MobilenetV2/expanded_conv_12/add`, channels: 136, pooling: 'bilinear-msqrt' }],
    defaultL2: 1e-2,
    // Not exportable, so no consumer to imitate; with crop_and_resize it misreads the quickstart's held-out hemlock.
    preprocessing: ANTIALIASED_PREPROCESSING,
    // Not exportable either, so onnxruntime may run it quantized: 3.4 instead of 6.4 ms of CPU per view.
    onnxPrecision: 'int8',
  },
  'mnv2-140-b12-bilinear': {
    id: 'mnv2-140-b12-bilinear',
    featureRevision: 1,
    description:
      'MobileNetV2 x1.4 (nsfwjs "mid" graph), output of block expanded_conv_12 (14x14x136), bilinear pooling with signed square root and L2 normalisation: 9316 features',
    model: 'mobilenet_v2_mid',
    format: 'graph',
    inputSize: 224,
    // The graph rescales [0, 1] to [-1, 1] itself (hub_input/Mul, Sub).
    inputScale: 1 / 255,
    inputOffset: 0,
    taps: [{ name: `${MID_NODE_PREFIX}MobilenetV2/expanded_conv_12/add`, channels: 136, pooling: 'bilinear' }],
    defaultL2: 1e-2,
    preprocessing: ANTIALIASED_PREPROCESSING,
  },
  'mnv2-140-gap': {
    id: 'mnv2-140-gap',
    featureRevision: 1,
    description:
      'MobileNetV2 x1.4 (nsfwjs "mid" graph), global average of the last convolution (Conv_1/Relu6): 1792 features',
    model: 'mobilenet_v2_mid',
    format: 'graph',
    inputSize: 224,
    inputScale: 1 / 255,
    inputOffset: 0,
    // The graph's own global average pool (what the exporter and the ONNX runtime path read too).
    taps: [{ name: `${MID_NODE_PREFIX}feature_vector/SpatialSqueeze`, channels: 1792 }],
    defaultL2: 1e-2,
    // Exportable: fed exactly what @microsoft/customvision-tfjs feeds the exported model.
    preprocessing: CUSTOMVISION_TFJS_PREPROCESSING,
  },
};

export type DomainKind = 'compact' | 'general';

export const DOMAIN_BACKBONES: Record<DomainKind, string> = {
  general: 'mnv2-140-b12-msqrt',
  compact: 'mnv2-140-gap',
};

const loaded = new Map<string, Promise<BestBackbone>>();

function resolveSpec(domainOrId: DomainKind | string): BackboneSpec {
  const id = domainOrId in DOMAIN_BACKBONES ? DOMAIN_BACKBONES[domainOrId as DomainKind] : domainOrId;
  const spec = BACKBONE_SPECS[id];
  if (!spec) throw new EngineError(`unknown backbone or domain kind ${JSON.stringify(domainOrId)}`);
  return spec;
}

/**
 * Load (once per process) the backbone for a domain kind or backbone id, with the runtime that embeds: onnxruntime
 * when it loads and the features are ones it can compute (mean-pooled), else TF.js (`initEngine()` is called).
 */
export function getBackboneWithRuntime(domainOrId: DomainKind | string): Promise<BestBackbone> {
  let spec: BackboneSpec;
  try {
    spec = resolveSpec(domainOrId);
  } catch (error) {
    return Promise.reject(error);
  }
  let entry = loaded.get(spec.id);
  if (!entry) {
    entry = loadBestBackbone(spec);
    loaded.set(spec.id, entry);
    entry.catch(() => loaded.delete(spec.id));
  }
  return entry;
}

export async function getBackbone(domainOrId: DomainKind | string): Promise<Backbone> {
  return (await getBackboneWithRuntime(domainOrId)).backbone;
}
