/**
 * Custom Vision's TensorFlow platform for a classifier, flavor by flavor:
 * - `TensorFlowNormal` (the default): frozen GraphDef `model.pb`, input `Placeholder` float [-1, S, S, 3];
 * - `TensorFlowLite` / `TensorFlowLiteFloat16`: `model.tflite` (schema v3), input `Placeholder` [1, S, S, 3],
 *   float32 or float16 weights;
 * each with output `loss` [batch, tags] (probabilities in labels.txt order), `labels.txt`, `cvexport.manifest`,
 * `metadata_properties.json` and a README. Fed as Azure's own exports are: **BGR, float 0–255, NHWC**, the centred
 * square of the image resized to S×S (Microsoft's Android sample and Python scripts do so); the model reverses the
 * channels and scales to the backbone's range itself.
 * - `TensorFlowJs`: the TF.js graph model of `exportTfjs` (RGB, input `data`, output `model_output`).
 */
import { createHash } from 'node:crypto';
import { InvalidExportOptionsError } from '../errors.ts';
import {
  customVisionMetadata,
  type InputDescription,
  labelsFile,
  manifestFile,
  metadataPropertiesFile,
  type OutputDescription,
  preprocessingReadme,
  textFile,
} from '../package-files.ts';
import { buildStockClassifier } from '../stock/classifier.ts';
import { exportTfjs } from '../tfjs/export-tfjs.ts';
import { encodeTflite } from '../tflite/tflite-writer.ts';
import type { ExportFile, ExportSource } from '../types.ts';
import { encodeGraphDef } from './graph-def.ts';

/** Azure's names, so a cvkit export drops into apps built on Azure's. */
export const TF_INPUT_NAME = 'Placeholder';
export const TF_OUTPUT_NAME = 'loss';

export type TensorFlowFlavor = 'TensorFlowNormal' | 'TensorFlowLite' | 'TensorFlowLiteFloat16' | 'TensorFlowJs';
export const TENSORFLOW_FLAVORS: readonly TensorFlowFlavor[] = [
  'TensorFlowNormal',
  'TensorFlowLite',
  'TensorFlowLiteFloat16',
  'TensorFlowJs',
];

/** Custom Vision's flavor names, matched case-insensitively (its samples spell `TensorFlowJs` and `TensorFlowjs`). */
export function tensorFlowFlavor(flavor: string | null | undefined): TensorFlowFlavor {
  if (flavor === null || flavor === undefined) return 'TensorFlowNormal';
  const found = TENSORFLOW_FLAVORS.find((f) => f.toLowerCase() === flavor.toLowerCase());
  if (!found) {
    throw new InvalidExportOptionsError(
      `unknown TensorFlow flavor ${flavor} (cvkit exports ${TENSORFLOW_FLAVORS.join(', ')}; TensorFlowSavedModel is not verified here)`,
    );
  }
  return found;
}

export interface TensorFlowExportOptions extends ExportSource {
  flavor?: string | null;
}

export interface BuiltTensorFlowModel {
  fileName: 'model.pb' | 'model.tflite';
  bytes: Uint8Array;
  input: InputDescription;
  outputs: OutputDescription[];
}

/** model.pb or model.tflite alone (tests, tools). */
export function buildTensorFlowModel(
  source: ExportSource,
  flavor: Exclude<TensorFlowFlavor, 'TensorFlowJs'>,
): BuiltTensorFlowModel {
  const lite = flavor !== 'TensorFlowNormal';
  const batch = lite ? 1 : -1;
  const { graph, numTags } = buildStockClassifier(source, {
    inputName: TF_INPUT_NAME,
    outputName: TF_OUTPUT_NAME,
    channelOrder: 'BGR',
    batch,
  });
  const size = source.backbone.inputSize;
  const bytes = lite
    ? encodeTflite(graph, {
        weights: flavor === 'TensorFlowLiteFloat16' ? 'float16' : 'float32',
        description: `cvkit classifier (${source.backbone.name})`,
      })
    : encodeGraphDef(graph);
  return {
    fileName: lite ? 'model.tflite' : 'model.pb',
    bytes,
    input: {
      name: TF_INPUT_NAME,
      shape: [batch, size, size, 3],
      layout: 'NHWC',
      dtype: 'float32',
      channelOrder: 'BGR',
      pixelRange: [0, 255],
      size,
    },
    outputs: [
      {
        name: TF_OUTPUT_NAME,
        shape: [batch, numTags],
        description: `${source.head.activation} probabilities, in labels.txt order`,
      },
    ],
  };
}

export async function exportTensorFlow(options: TensorFlowExportOptions): Promise<ExportFile[]> {
  const flavor = tensorFlowFlavor(options.flavor);
  if (flavor === 'TensorFlowJs') return exportTfjs(options);
  const built = buildTensorFlowModel(options, flavor);
  const metadata = customVisionMetadata(built.input, options.head.activation);
  return [
    { path: built.fileName, bytes: built.bytes },
    labelsFile(options.head),
    manifestFile({
      platform: 'TensorFlow',
      flavor,
      modelFileName: built.fileName,
      modelFileSha1: createHash('sha1').update(built.bytes).digest('hex'),
      exportedDate: options.exportedDate ?? new Date().toISOString(),
      ...(options.iterationId !== undefined ? { iterationId: options.iterationId } : {}),
      head: options.head,
      backboneName: options.backbone.name,
      input: built.input,
      outputs: built.outputs,
      format:
        flavor === 'TensorFlowNormal'
          ? { GraphDef: 'frozen', Weights: 'float32' }
          : { TfliteSchema: 3, Weights: flavor === 'TensorFlowLiteFloat16' ? 'float16' : 'float32' },
    }),
    metadataPropertiesFile(metadata),
    textFile('README.md', readme(options, built, flavor)),
  ];
}

function readme(options: ExportSource, built: BuiltTensorFlowModel, flavor: TensorFlowFlavor): string {
  const { head, backbone } = options;
  const lite = built.fileName === 'model.tflite';
  return [
    `# Image classifier (${lite ? 'TensorFlow Lite' : 'TensorFlow frozen graph'}), exported by cvkit`,
    '',
    `- Flavor ${flavor}. Backbone: ${backbone.name}; linear head with ${head.activation} over ${head.labels.length} tags (labels.txt).`,
    lite
      ? `- \`model.tflite\`: TFLite schema v3, ${flavor === 'TensorFlowLiteFloat16' ? 'float16 weights (expanded to float32 at load)' : 'float32'}.`
      : '- `model.pb`: a frozen GraphDef of stock TensorFlow ops, float32 constants.',
    '',
    '## Input',
    '',
    `\`${built.input.name}\`: float32 ${JSON.stringify(built.input.shape)} (NHWC), **BGR**, values 0–255, as Custom`,
    "Vision's own TensorFlow exports take: the model reverses the channels and scales them itself.",
    '',
    preprocessingReadme(built.input),
    '## Output',
    '',
    ...built.outputs.map((o) => `- \`${o.name}\` ${JSON.stringify(o.shape)}: ${o.description}`),
    '',
  ].join('\n');
}
