/**
 * A trained detector as a TF.js graph model with the ONNX export's contract (onnx-detector.ts): input `data`
 * [1, 224, 224, 3] NHWC RGB 0–255 (the whole image resized, no crop), outputs `detected_boxes` [1, N, 4] (x1, y1,
 * x2, y2), `detected_classes` [1, N] (int32) and `detected_scores` [1, N], highest first. NonMaxSuppressionV5 makes
 * it an async graph: run it with `model.executeAsync`.
 *
 * The backbone part (its nodes, quantized weights and input scaling) is the classification exporter's own
 * (`buildTfjsGraphModel`, cut at the detection map): its pooled linear head is dropped and the detector's nodes are
 * appended, so the two exports never differ in how they copy the backbone.
 */
import type { Detector } from '../../detection/detector.ts';
import { jsonFile, textFile } from '../package-files.ts';
import { buildTfjsGraphModel } from '../tfjs/export-tfjs.ts';
import { encodeBase64String, type TfjsAttrValue, type TfjsNodeDef, type TfjsWeightSpec } from '../tfjs/graph-def.ts';
import { storedByteLength } from '../tfjs/weights.ts';
import type { ExportFile, TfjsGraphBackbone } from '../types.ts';
import { cellCentres, foldedKernel } from './detector-graph.ts';
import { DETECTED_BOXES, DETECTED_CLASSES, DETECTED_SCORES } from './onnx-detector.ts';

const FLOAT: TfjsAttrValue = { type: 'DT_FLOAT' };
const INT32: TfjsAttrValue = { type: 'DT_INT32' };
const SHARD_BYTES = 4 * 1024 * 1024;

export function buildTfjsDetector(
  detector: Detector,
  backbone: TfjsGraphBackbone,
): { modelJson: Record<string, unknown>; shards: ExportFile[] } {
  const w = detector.weights;
  const { grid: G, channels: C, tags: T } = w;
  // The classification exporter with a throwaway head, cut at the map; its head (pooling, MatMul, activation,
  // output) is removed below.
  const base = buildTfjsGraphModel({
    backbone,
    head: { W: new Float32Array(C), b: new Float32Array(1), activation: 'sigmoid', labels: ['x'] },
  });
  const topology = base.modelJson.modelTopology as { node: TfjsNodeDef[] };
  const manifest = (base.modelJson.weightsManifest as { weights: TfjsWeightSpec[] }[])[0]!;
  const isHead = (name: string) =>
    name.startsWith('cvkit/head/') || name === 'cvkit/pool_features' || name === 'cvkit/pool_axes';
  const nodes = topology.node.filter((n) => !isHead(n.name) && n.name !== 'model_output');
  const buffer = concat(base.shards.map((s) => s.bytes));
  const keptSpecs: TfjsWeightSpec[] = [];
  let keptBytes = 0;
  let offset = 0;
  // Head weights come last; everything before them is kept byte for byte.
  for (const spec of manifest.weights) {
    const size = storedByteLength(spec);
    if (!isHead(spec.name)) {
      if (offset !== keptBytes) throw new Error('tfjs detector: backbone weights are not contiguous');
      keptSpecs.push(spec);
      keptBytes += size;
    }
    offset += size;
  }
  const weights: { spec: TfjsWeightSpec; bytes: Uint8Array }[] = [];
  const constant = (
    name: string,
    shape: number[],
    values: ArrayLike<number>,
    dtype: 'float32' | 'int32' = 'float32',
  ) => {
    const tfType = dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32';
    nodes.push({
      name,
      op: 'Const',
      attr: {
        value: { tensor: { dtype: tfType, tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } },
        dtype: { type: tfType },
      },
    });
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++)
      dtype === 'float32' ? view.setFloat32(i * 4, values[i]!, true) : view.setInt32(i * 4, values[i]!, true);
    weights.push({ spec: { name, shape, dtype }, bytes });
    return name;
  };
  const op = (name: string, opName: string, input: string[], attr: Record<string, TfjsAttrValue> = { T: FLOAT }) => {
    nodes.push({ name, op: opName, input, attr });
    return name;
  };
  const feat = backbone.featureNode;
  // A 1×1 convolution of the map with the standardisation folded in (as in the ONNX export).
  const conv = (name: string, weight: (c: number) => number, bias: number) => {
    const folded = foldedKernel(w, weight, bias);
    const k = constant(`${name}/kernel`, [1, 1, C, 1], folded.kernel);
    const b = constant(`${name}/bias`, [1], [folded.bias]);
    op(`${name}/conv`, 'Conv2D', [feat, k], {
      T: FLOAT,
      strides: { list: { i: ['1', '1', '1', '1'] } },
      padding: { s: encodeBase64String('VALID') },
      data_format: { s: encodeBase64String('NHWC') },
      dilations: { list: { i: ['1', '1', '1', '1'] } },
    });
    return op(name, 'BiasAdd', [`${name}/conv`, b], { T: FLOAT, data_format: { s: encodeBase64String('NHWC') } });
  };
  const scalar = (name: string, v: number) => constant(name, [], [v]);
  const clip = (name: string, x: string, lo: number, hi: number) =>
    op(name, 'ClipByValue', [x, scalar(`${name}/lo`, lo), scalar(`${name}/hi`, hi)]);

  // Boxes: one map per component, decoded as detectorOutputs does.
  const { x: gx, y: gy } = cellCentres(G);
  const component = (k: number) => conv(`cvkit/box${k}`, (c) => w.boxWeights[c * 4 + k]!, w.boxWeights[C * 4 + k]!);
  const inv = scalar('cvkit/inv_grid', 1 / G);
  const centre = (k: number, grid: Float32Array, name: string) =>
    op(name, 'Mul', [
      op(`${name}/add`, 'AddV2', [
        clip(`${name}/clip`, component(k), -1.5, 1.5),
        constant(`${name}/grid`, [1, G, G, 1], grid),
      ]),
      inv,
    ]);
  const cx = centre(0, gx, 'cvkit/cx');
  const cy = centre(1, gy, 'cvkit/cy');
  const half = scalar('cvkit/half', 0.5);
  const halfSide = (k: number, name: string) =>
    op(name, 'Mul', [op(`${name}/exp`, 'Exp', [clip(`${name}/clip`, component(k), -7, 0)]), half]);
  const hw = halfSide(2, 'cvkit/half_w');
  const hh = halfSide(3, 'cvkit/half_h');
  const corner = (name: string, c: string, h: string, kind: 'Sub' | 'AddV2') =>
    clip(name, op(`${name}/raw`, kind, [c, h]), 0, 1);
  const x1 = corner('cvkit/x1', cx, hw, 'Sub');
  const y1 = corner('cvkit/y1', cy, hh, 'Sub');
  const x2 = corner('cvkit/x2', cx, hw, 'AddV2');
  const y2 = corner('cvkit/y2', cy, hh, 'AddV2');
  const axis3 = constant('cvkit/axis3', [], [3], 'int32');
  const rows = constant('cvkit/rows', [2], [G * G, 4], 'int32');
  const flatBoxes = (name: string, parts: string[]) =>
    op(
      name,
      'Reshape',
      [op(`${name}/concat`, 'ConcatV2', [...parts, axis3], { T: FLOAT, N: { i: '4' }, Tidx: INT32 }), rows],
      { T: FLOAT, Tshape: INT32 },
    );
  const boxesYxyx = flatBoxes('cvkit/boxes_yxyx', [y1, x1, y2, x2]);
  const boxesXyxy = flatBoxes('cvkit/boxes_xyxy', [x1, y1, x2, y2]);

  const flat = constant('cvkit/flat', [1], [G * G], 'int32');
  const zero = constant('cvkit/zero', [], [0], 'int32');
  const maxOut = constant('cvkit/nms_max', [], [200], 'int32');
  const iouT = scalar('cvkit/nms_iou', 0.5);
  const scoreT = scalar('cvkit/nms_min_score', 0.0099999);
  const sigma = scalar('cvkit/nms_sigma', 0);
  const perTag = Array.from({ length: T }, (_, t) => {
    const name = `cvkit/tag${t}`;
    const heat = op(`${name}/sigmoid`, 'Sigmoid', [
      conv(`${name}/heat`, (c) => w.heatWeights[c * T + t]!, w.heatBias[t]!),
    ]);
    const pooled = op(`${name}/pool`, 'MaxPool', [heat], {
      T: FLOAT,
      ksize: { list: { i: ['1', '3', '3', '1'] } },
      strides: { list: { i: ['1', '1', '1', '1'] } },
      padding: { s: encodeBase64String('SAME') },
      data_format: { s: encodeBase64String('NHWC') },
    });
    const mask = op(`${name}/mask`, 'Cast', [op(`${name}/equal`, 'Equal', [heat, pooled])], {
      SrcT: { type: 'DT_BOOL' },
      DstT: FLOAT,
    });
    const scores = op(`${name}/scores`, 'Reshape', [op(`${name}/peaks`, 'Mul', [heat, mask]), flat], {
      T: FLOAT,
      Tshape: INT32,
    });
    const nms = op(`${name}/nms`, 'NonMaxSuppressionV5', [boxesYxyx, scores, maxOut, iouT, scoreT, sigma], {
      T: FLOAT,
      pad_to_max_output_size: { b: false },
    });
    const kept = `${nms}:1`;
    const index = nms; // output 0: selected indices
    const boxes = op(`${name}/boxes`, 'GatherV2', [boxesXyxy, index, zero], {
      Tparams: FLOAT,
      Tindices: INT32,
      Taxis: INT32,
      batch_dims: { i: '0' },
    });
    const classes = op(
      `${name}/classes`,
      'Fill',
      [op(`${name}/count`, 'Shape', [index], { T: INT32, out_type: INT32 }), constant(`${name}/id`, [], [t], 'int32')],
      { T: INT32, index_type: INT32 },
    );
    return { kept, boxes, classes };
  });
  const concat0 = (name: string, parts: string[], type: TfjsAttrValue) =>
    parts.length === 1
      ? parts[0]!
      : op(name, 'ConcatV2', [...parts, zero], { T: type, N: { i: String(parts.length) }, Tidx: INT32 });
  const allScores = concat0(
    'cvkit/all_scores',
    perTag.map((p) => p.kept),
    FLOAT,
  );
  const allBoxes = concat0(
    'cvkit/all_boxes',
    perTag.map((p) => p.boxes),
    FLOAT,
  );
  const allClasses = concat0(
    'cvkit/all_classes',
    perTag.map((p) => p.classes),
    INT32,
  );
  const count = op(
    'cvkit/k',
    'Minimum',
    [
      op(
        'cvkit/n',
        'Reshape',
        [
          op('cvkit/n_shape', 'Shape', [allScores], { T: FLOAT, out_type: INT32 }),
          constant('cvkit/scalar_shape', [0], [], 'int32'),
        ],
        { T: INT32, Tshape: INT32 },
      ),
      maxOut,
    ],
    { T: INT32 },
  );
  const sorted = op('cvkit/sort', 'TopKV2', [allScores, count], { T: FLOAT, sorted: { b: true } });
  const order = `${sorted}:1`;
  const gather = (name: string, x: string, type: TfjsAttrValue) =>
    op(name, 'GatherV2', [x, order, zero], { Tparams: type, Tindices: INT32, Taxis: INT32, batch_dims: { i: '0' } });
  const expand = (name: string, x: string, type: TfjsAttrValue) =>
    op(name, 'ExpandDims', [x, zero], { T: type, Tdim: INT32 });
  expand(DETECTED_SCORES, sorted, FLOAT);
  expand(DETECTED_BOXES, gather('cvkit/sorted_boxes', allBoxes, FLOAT), FLOAT);
  expand(DETECTED_CLASSES, gather('cvkit/sorted_classes', allClasses, INT32), INT32);

  const newBytes = concat(weights.map((x) => x.bytes));
  const all = new Uint8Array(keptBytes + newBytes.length);
  all.set(buffer.subarray(0, keptBytes));
  all.set(newBytes, keptBytes);
  const shardCount = Math.max(1, Math.ceil(all.length / SHARD_BYTES));
  const shards: ExportFile[] = [];
  for (let i = 0; i < shardCount; i++)
    shards.push({
      path: `group1-shard${i + 1}of${shardCount}.bin`,
      bytes: all.slice(i * SHARD_BYTES, (i + 1) * SHARD_BYTES),
    });
  const signatureOutput = (name: string, dtype: string, dims: number[]) => ({
    name: `${name}:0`,
    dtype,
    tensorShape: { dim: dims.map((d) => ({ size: String(d) })) },
  });
  const modelJson = {
    ...base.modelJson,
    modelTopology: { ...(base.modelJson.modelTopology as object), node: nodes },
    signature: {
      inputs: (base.modelJson.signature as { inputs: unknown }).inputs,
      outputs: {
        [`${DETECTED_BOXES}:0`]: signatureOutput(DETECTED_BOXES, 'DT_FLOAT', [1, -1, 4]),
        [`${DETECTED_CLASSES}:0`]: signatureOutput(DETECTED_CLASSES, 'DT_INT32', [1, -1]),
        [`${DETECTED_SCORES}:0`]: signatureOutput(DETECTED_SCORES, 'DT_FLOAT', [1, -1]),
      },
    },
    userDefinedMetadata: {
      'CustomVision.Domain.Type': 'ObjectDetection',
      'CustomVision.Preprocess.CropMethod': 'NoCrop',
      'Image.BitmapPixelFormat': 'Rgb8',
      'Image.NominalPixelRange': 'NominalRange_0_255',
    },
    weightsManifest: [{ paths: shards.map((s) => s.path), weights: [...keptSpecs, ...weights.map((x) => x.spec)] }],
  };
  return { modelJson, shards };
}

/** model.json, its weight shards, labels.txt and a README. */
export function exportTfjsDetector(options: {
  detector: Detector;
  labels: string[];
  backbone: TfjsGraphBackbone;
}): ExportFile[] {
  const { modelJson, shards } = buildTfjsDetector(options.detector, options.backbone);
  const size = options.backbone.inputSize;
  return [
    textFile('model.json', JSON.stringify(modelJson)),
    ...shards,
    textFile('labels.txt', options.labels.join('\n')),
    jsonFile('metadata_properties.json', modelJson.userDefinedMetadata),
    textFile(
      'README.md',
      [
        '# Object detector (TensorFlow.js graph model), exported by cvkit',
        '',
        `Input \`data\`: float32 [1, ${size}, ${size}, 3] (NHWC), RGB, 0–255: the whole image, EXIF orientation applied,`,
        `resized to ${size}×${size} without keeping its aspect ratio and without cropping.`,
        '',
        "Run with `await model.executeAsync(input, ['detected_boxes', 'detected_classes', 'detected_scores'])`",
        '(the graph has NonMaxSuppression, an async op). Outputs, highest score first, N ≤ 200:',
        `\`${DETECTED_BOXES}\` [1, N, 4] x1, y1, x2, y2 as fractions of the image; \`${DETECTED_CLASSES}\` [1, N] int32,`,
        `the line of labels.txt; \`${DETECTED_SCORES}\` [1, N] probabilities (from 0.01 up).`,
        '',
      ].join('\n'),
    ),
  ];
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
