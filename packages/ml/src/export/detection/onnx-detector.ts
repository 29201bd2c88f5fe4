/**
 * A trained detector as one ONNX model, shaped like Custom Vision's "General (compact) [S1]" detection exports:
 *
 * - input `data`: float32 NCHW [1, 3, 224, 224], RGB, 0–255: the **whole** image resized to 224×224 (aspect not
 *   kept, no crop), EXIF orientation applied;
 * - outputs `detected_boxes` [1, N, 4] (x1, y1, x2, y2, fractions of the image), `detected_classes` [1, N] (int64,
 *   index into labels.txt) and `detected_scores` [1, N], highest score first, N ≤ 200.
 *
 * The graph computes what the server's `detect` does: the backbone's 14×14 map, the heatmap and box heads (their
 * standardisation folded into the 1×1 convolutions), 3×3 peaks (MaxPool equality), boxes decoded from the box head,
 * per-tag non-max suppression at IoU 0.5 with scores ≥ 0.01, then sorted. Opset 13.
 */
import type { Detector } from '../../detection/detector.ts';
import { appendBackboneTaps } from '../onnx/export-onnx.ts';
import { OnnxGraphBuilder } from '../onnx/graph-builder.ts';
import { encodeModel, OnnxDataType, type OnnxModel } from '../onnx/onnx-writer.ts';
import { jsonFile, textFile } from '../package-files.ts';
import type { ExportFile, TfjsGraphBackbone } from '../types.ts';
import { cellCentres, foldedKernel } from './detector-graph.ts';

export const DETECTED_BOXES = 'detected_boxes';
export const DETECTED_CLASSES = 'detected_classes';
export const DETECTED_SCORES = 'detected_scores';

const OPSET = 13;

export function buildOnnxDetector(detector: Detector, backbone: TfjsGraphBackbone): Uint8Array {
  const w = detector.weights;
  const { grid: G, channels: C, tags: T } = w;
  const size = backbone.inputSize;
  const b = new OnnxGraphBuilder(OPSET);
  b.addInput({ name: 'data', type: { kind: 'tensor', elemType: OnnxDataType.FLOAT, shape: [1, 3, size, size] } });
  const [map] = appendBackboneTaps(b, backbone, 'data', 1, [backbone.featureNode]);
  const feat = map!.tensor; // NCHW [1, C, G, G]

  // (x − mean) / scale folded into the 1×1 convolutions.
  const conv = (
    name: string,
    outputs: number,
    weight: (c: number, o: number) => number,
    bias: (o: number) => number,
  ) => {
    const kernel = new Float32Array(outputs * C);
    const shift = new Float32Array(outputs);
    for (let o = 0; o < outputs; o++) {
      const folded = foldedKernel(w, (c) => weight(c, o), bias(o));
      kernel.set(folded.kernel, o * C);
      shift[o] = folded.bias;
    }
    return b.op(
      'Conv',
      [feat, b.floatConst(`${name}/W`, [outputs, C, 1, 1], kernel), b.floatConst(`${name}/B`, [outputs], shift)],
      name,
    );
  };
  const heat = b.op(
    'Sigmoid',
    [
      conv(
        'cvkit/heat',
        T,
        (c, t) => w.heatWeights[c * T + t]!,
        (t) => w.heatBias[t]!,
      ),
    ],
    'cvkit/heat_sigmoid',
  );
  const pooled = b.op('MaxPool', [heat], 'cvkit/peak_pool', [
    { name: 'kernel_shape', kind: 'ints', value: [3, 3] },
    { name: 'pads', kind: 'ints', value: [1, 1, 1, 1] },
    { name: 'strides', kind: 'ints', value: [1, 1] },
  ]);
  const isPeak = b.op('Cast', [b.op('Equal', [heat, pooled], 'cvkit/is_peak')], 'cvkit/peak_mask', [
    { name: 'to', kind: 'int', value: OnnxDataType.FLOAT },
  ]);
  const scores = b.op(
    'Reshape',
    [b.op('Mul', [heat, isPeak], 'cvkit/peaks'), b.int64Const('cvkit/scores_shape', [3], [1, T, G * G])],
    'cvkit/scores',
  );

  // Box head: dx, dy (cells), log w, log h → corners, as detectorOutputs decodes them.
  const box = conv(
    'cvkit/box',
    4,
    (c, k) => w.boxWeights[c * 4 + k]!,
    (k) => w.boxWeights[C * 4 + k]!,
  );
  const channel = (k: number) =>
    b.op(
      'Slice',
      [
        box,
        b.int64Const(`cvkit/box_${k}_start`, [1], [k]),
        b.int64Const(`cvkit/box_${k}_end`, [1], [k + 1]),
        b.int64Const(`cvkit/box_${k}_axis`, [1], [1]),
      ],
      `cvkit/box_${k}`,
    );
  const { x: gx, y: gy } = cellCentres(G);
  const inv = b.floatConst('cvkit/inv_grid', [], [1 / G]);
  const half = b.floatConst('cvkit/half', [], [0.5]);
  const centre = (k: number, grid: Float32Array, name: string) =>
    b.op(
      'Mul',
      [
        b.op(
          'Add',
          [b.clip(channel(k), -1.5, 1.5, `${name}/clip`), b.floatConst(`${name}/grid`, [1, 1, G, G], grid)],
          `${name}/add`,
        ),
        inv,
      ],
      name,
    );
  const cx = centre(0, gx, 'cvkit/cx');
  const cy = centre(1, gy, 'cvkit/cy');
  // min(exp(clip(v, −7, 0.5)), 1) = exp(clip(v, −7, 0)).
  const halfSide = (k: number, name: string) =>
    b.op('Mul', [b.op('Exp', [b.clip(channel(k), -7, 0, `${name}/clip`)], `${name}/exp`), half], name);
  const hw = halfSide(2, 'cvkit/half_w');
  const hh = halfSide(3, 'cvkit/half_h');
  const corner = (c: string, h: string, op: 'Sub' | 'Add', name: string) =>
    b.clip(b.op(op, [c, h], `${name}/raw`), 0, 1, name);
  const x1 = corner(cx, hw, 'Sub', 'cvkit/x1');
  const y1 = corner(cy, hh, 'Sub', 'cvkit/y1');
  const x2 = corner(cx, hw, 'Add', 'cvkit/x2');
  const y2 = corner(cy, hh, 'Add', 'cvkit/y2');
  const perCell = (parts: string[], name: string) =>
    b.op(
      'Transpose',
      [
        b.op(
          'Reshape',
          [
            b.op('Concat', parts, `${name}/concat`, [{ name: 'axis', kind: 'int', value: 1 }]),
            b.int64Const(`${name}/shape`, [3], [1, 4, G * G]),
          ],
          `${name}/flat`,
        ),
      ],
      name,
      [{ name: 'perm', kind: 'ints', value: [0, 2, 1] }],
    );
  const boxesXyxy = perCell([x1, y1, x2, y2], 'cvkit/boxes'); // [1, G², 4]

  const selected = b.op(
    'NonMaxSuppression',
    [
      boxesXyxy,
      scores,
      b.int64Const('cvkit/nms_max', [1], [200]),
      b.floatConst('cvkit/nms_iou', [1], [0.5]),
      b.floatConst('cvkit/nms_min_score', [1], [0.0099999]),
    ],
    'cvkit/nms',
    [{ name: 'center_point_box', kind: 'int', value: 0 }],
  ); // [M, 3]: batch, class, cell
  const column = (k: number, name: string) =>
    b.op('Gather', [selected, b.int64Const(`${name}/index`, [], [k])], name, [{ name: 'axis', kind: 'int', value: 1 }]);
  const classes = column(1, 'cvkit/sel_class');
  const cells = column(2, 'cvkit/sel_cell');
  const selScores = b.op('GatherND', [scores, selected], 'cvkit/sel_scores');
  const count = b.op(
    'Min',
    [b.op('Shape', [selScores], 'cvkit/sel_count'), b.int64Const('cvkit/max_detections', [1], [200])],
    'cvkit/k',
  );
  const [topScores, order] = b.node('TopK', [selScores, count], {
    name: 'cvkit/sort',
    outputs: ['cvkit/sorted_scores', 'cvkit/sorted_order'],
    attributes: [
      { name: 'axis', kind: 'int', value: 0 },
      { name: 'largest', kind: 'int', value: 1 },
      { name: 'sorted', kind: 'int', value: 1 },
    ],
  }) as [string, string];
  const zero = b.int64Const('cvkit/axis0', [1], [0]);
  const outScores = b.op('Unsqueeze', [topScores, zero], 'cvkit/out_scores', undefined, {
    name: DETECTED_SCORES,
    exact: true,
  });
  const outClasses = b.op(
    'Unsqueeze',
    [b.op('Gather', [classes, order], 'cvkit/sorted_classes'), zero],
    'cvkit/out_classes',
    undefined,
    {
      name: DETECTED_CLASSES,
      exact: true,
    },
  );
  const cellBoxes = b.squeeze(boxesXyxy, [0], 'cvkit/cell_boxes'); // [G², 4]
  const sortedCells = b.op('Gather', [cells, order], 'cvkit/sorted_cells');
  const outBoxes = b.op(
    'Unsqueeze',
    [b.op('Gather', [cellBoxes, sortedCells], 'cvkit/sorted_boxes'), zero],
    'cvkit/out_boxes',
    undefined,
    {
      name: DETECTED_BOXES,
      exact: true,
    },
  );
  b.addOutput({ name: outBoxes, type: { kind: 'tensor', elemType: OnnxDataType.FLOAT, shape: [1, 'N', 4] } });
  b.addOutput({ name: outClasses, type: { kind: 'tensor', elemType: OnnxDataType.INT64, shape: [1, 'N'] } });
  b.addOutput({ name: outScores, type: { kind: 'tensor', elemType: OnnxDataType.FLOAT, shape: [1, 'N'] } });
  const built = b.build('cvkit_detector', 'MobileNetV2 x1.4 block-12 map → heatmap and box heads → peaks → NMS');
  const model: OnnxModel = {
    irVersion: 7,
    opsetImports: [{ domain: '', version: OPSET }],
    producerName: 'cvkit',
    producerVersion: '0.1.0',
    docString: 'Custom Vision-compatible object detector exported by cvkit',
    graph: built,
    metadataProps: [],
  };
  return encodeModel(model);
}

/** The export package: model.onnx, labels.txt (one tag per line, the classes' order), metadata and a README. */
export function exportOnnxDetector(options: {
  detector: Detector;
  labels: string[];
  backbone: TfjsGraphBackbone;
  iterationId?: string;
}): ExportFile[] {
  const bytes = buildOnnxDetector(options.detector, options.backbone);
  const size = options.backbone.inputSize;
  return [
    { path: 'model.onnx', bytes },
    textFile('labels.txt', options.labels.join('\n')),
    jsonFile('metadata_properties.json', {
      'CustomVision.Domain.Type': 'ObjectDetection',
      'CustomVision.Preprocess.CropMethod': 'NoCrop',
      'Image.BitmapPixelFormat': 'Rgb8',
      'Image.NominalPixelRange': 'NominalRange_0_255',
      ...(options.iterationId ? { 'CustomVision.IterationId': options.iterationId } : {}),
    }),
    textFile(
      'README.md',
      [
        '# Object detector (ONNX), exported by cvkit',
        '',
        `Opset ${OPSET}. Runs with onnxruntime (any language).`,
        '',
        '## Input',
        '',
        `\`data\`: float32 [1, 3, ${size}, ${size}] (NCHW), RGB, values 0–255: the whole image, EXIF orientation`,
        `applied, resized to ${size}×${size} without keeping its aspect ratio and without cropping.`,
        '',
        '## Outputs (N boxes, highest score first, N ≤ 200)',
        '',
        `- \`${DETECTED_BOXES}\` [1, N, 4]: x1, y1, x2, y2 as fractions of the image width and height.`,
        `- \`${DETECTED_CLASSES}\` [1, N] int64: index of the tag in labels.txt.`,
        `- \`${DETECTED_SCORES}\` [1, N]: probability (scores from 0.01 up; apply your own threshold).`,
        '',
        'Custom Vision reports a box as left = x1, top = y1, width = x2 − x1, height = y2 − y1.',
        '',
      ].join('\n'),
    ),
  ];
}
