/**
 * Custom Vision's CoreML platform for a classifier: `model.mlmodel` (flavor default: specification version 1, float32
 * weights, iOS 11; `CoreMLFloat16`: version 2, float16 weights, iOS 11.2), with `labels.txt`, `cvexport.manifest`
 * (`LabelFileName` null as in Azure's: the labels are inside the model), `metadata_properties.json` and a README.
 *
 * Like Azure's export: image input `data` (here RGB; Core ML and Vision convert any image to it), outputs `loss`
 * (tag → probability) and `classLabel` (the top tag). The image's scaler brings 0–255 pixels to the backbone's range,
 * so the network starts at the backbone itself; the image is expected as the server prepares it (centred square).
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
import type { ExportFile, ExportSource } from '../types.ts';
import { encodeMlModel } from './mlmodel-writer.ts';

export const COREML_INPUT_NAME = 'data';
export const COREML_PROBABILITIES_OUTPUT = 'loss';
export const COREML_CLASS_LABEL_OUTPUT = 'classLabel';

export type CoreMlFlavor = 'CoreMLFloat16';

export interface CoreMlExportOptions extends ExportSource {
  /** null / undefined: specification version 1 (float32); 'CoreMLFloat16': version 2 (float16 weights). */
  flavor?: string | null;
}

export interface BuiltCoreMlModel {
  bytes: Uint8Array;
  specificationVersion: 1 | 2;
  input: InputDescription;
  outputs: OutputDescription[];
  metadata: [string, string][];
}

function specificationVersion(flavor: string | null | undefined): 1 | 2 {
  if (flavor === null || flavor === undefined) return 1;
  if (flavor.toLowerCase() === 'coremlfloat16') return 2;
  throw new InvalidExportOptionsError(`unknown CoreML flavor ${flavor}`);
}

export function buildCoreMlModel(options: CoreMlExportOptions): BuiltCoreMlModel {
  const version = specificationVersion(options.flavor);
  const { backbone, head } = options;
  const { graph } = buildStockClassifier(options, {
    inputName: COREML_INPUT_NAME,
    outputName: COREML_PROBABILITIES_OUTPUT,
    channelOrder: 'RGB',
    batch: 1,
    inputStep: 'none',
  });
  const size = backbone.inputSize;
  const input: InputDescription = {
    name: COREML_INPUT_NAME,
    shape: [1, 3, size, size],
    layout: 'NCHW',
    dtype: 'float32',
    channelOrder: 'RGB',
    pixelRange: [0, 255],
    size,
  };
  const metadata = customVisionMetadata(input, head.activation);
  const bytes = encodeMlModel(graph, {
    specificationVersion: version,
    labels: head.labels,
    input: { name: COREML_INPUT_NAME, size, scale: backbone.inputScale, offset: backbone.inputOffset ?? 0 },
    probabilitiesName: COREML_PROBABILITIES_OUTPUT,
    classLabelName: COREML_CLASS_LABEL_OUTPUT,
    shortDescription: `Image classifier exported by cvkit (${backbone.name}, ${head.labels.length} tags)`,
    userDefined: metadata,
  });
  return {
    bytes,
    specificationVersion: version,
    input,
    outputs: [
      {
        name: COREML_PROBABILITIES_OUTPUT,
        shape: [head.labels.length],
        description: `tag → ${head.activation} probability`,
      },
      { name: COREML_CLASS_LABEL_OUTPUT, shape: [1], description: 'the most probable tag' },
    ],
    metadata,
  };
}

export async function exportCoreMl(options: CoreMlExportOptions): Promise<ExportFile[]> {
  const built = buildCoreMlModel(options);
  return [
    { path: 'model.mlmodel', bytes: built.bytes },
    labelsFile(options.head),
    manifestFile({
      platform: 'CoreML',
      flavor: built.specificationVersion === 2 ? 'CoreMLFloat16' : null,
      modelFileName: 'model.mlmodel',
      modelFileSha1: createHash('sha1').update(built.bytes).digest('hex'),
      labelFileName: null,
      exportedDate: options.exportedDate ?? new Date().toISOString(),
      ...(options.iterationId !== undefined ? { iterationId: options.iterationId } : {}),
      head: options.head,
      backboneName: options.backbone.name,
      input: built.input,
      outputs: built.outputs,
      format: {
        SpecificationVersion: built.specificationVersion,
        Weights: built.specificationVersion === 2 ? 'float16' : 'float32',
      },
    }),
    metadataPropertiesFile(built.metadata),
    textFile(
      'README.md',
      [
        '# Image classifier (Core ML), exported by cvkit',
        '',
        `- \`model.mlmodel\`: Core ML specification version ${built.specificationVersion} (${built.specificationVersion === 1 ? 'iOS 11, float32' : 'iOS 11.2, float16'} weights), a neural network classifier with its labels inside.`,
        '- Input `data`: an RGB image; the model scales 0–255 pixels itself. Outputs `loss` (tag → probability) and',
        '  `classLabel` (the top tag), as Custom Vision CoreML exports have.',
        '',
        preprocessingReadme(built.input),
      ].join('\n'),
    ),
  ];
}
