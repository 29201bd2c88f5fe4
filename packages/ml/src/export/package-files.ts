/**
 * The files around a model that Custom Vision's export packages carry: labels.txt,
 * cvexport.manifest, metadata_properties.json, and a README of our own.
 *
 * Custom Vision's manifest keys (DomainType, Platform, Flavor, ExporterVersion, ExportedDate,
 * IterationId, ModelFileName, LabelFileName, MetadataPropsFileName, SchemaVersion) are kept as
 * they are; what we add sits under "Cvkit" so a reader of the Azure schema ignores it.
 */
import type { ExportFile, HeadActivation, LinearHead } from './types.ts';

const textEncoder = new TextEncoder();

export function textFile(path: string, text: string): ExportFile {
  return { path, bytes: textEncoder.encode(text) };
}

export function jsonFile(path: string, value: unknown): ExportFile {
  return textFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

export function labelsFile(head: LinearHead): ExportFile {
  return textFile('labels.txt', `${head.labels.join('\n')}\n`);
}

export function postprocessMethod(activation: HeadActivation): string {
  return activation === 'softmax' ? 'ClassificationMultiClass' : 'ClassificationMultiLabel';
}

/** How an image becomes the model's input; shared by the ONNX and TF.js exports. */
export interface InputDescription {
  /** Tensor name. */
  name: string;
  shape: number[];
  layout: 'NCHW' | 'NHWC';
  dtype: 'float32';
  channelOrder: 'RGB' | 'BGR';
  /** Values are 0–255 pixel values; the model rescales internally. */
  pixelRange: [0, 255];
  size: number;
}

export interface OutputDescription {
  name: string;
  shape: number[];
  description: string;
}

/**
 * Custom Vision-style metadata properties (the keys its exports put in the ONNX model and in
 * metadata_properties.json), describing our preprocessing: centre square crop of the shorter
 * side, bilinear resize to `size`, pixel values 0–255 unnormalised.
 */
export function customVisionMetadata(
  input: InputDescription,
  activation: HeadActivation,
): [key: string, value: string][] {
  return [
    ['CustomVision.Metadata.Version', '1.1'],
    ['CustomVision.Postprocess.Method', postprocessMethod(activation)],
    ['CustomVision.Preprocess.CropMethod', 'FullImageShorterSide'],
    ['CustomVision.Preprocess.NormalizeMean', '[0.0, 0.0, 0.0]'],
    ['CustomVision.Preprocess.NormalizeStd', '[1.0, 1.0, 1.0]'],
    ['CustomVision.Preprocess.TargetHeight', String(input.size)],
    ['CustomVision.Preprocess.TargetWidth', String(input.size)],
    ['Image.BitmapPixelFormat', input.channelOrder === 'RGB' ? 'Rgb8' : 'Bgr8'],
    ['Image.ColorSpaceGamma', 'SRGB'],
    ['Image.NominalPixelRange', 'NominalRange_0_255'],
  ];
}

export interface ManifestOptions {
  platform: 'ONNX' | 'TensorFlow';
  flavor: string;
  modelFileName: string;
  exportedDate: string;
  iterationId?: string;
  head: LinearHead;
  backboneName: string;
  input: InputDescription;
  outputs: OutputDescription[];
  /** Format-specific facts (opset, IR version, weight shards…). */
  format: Record<string, unknown>;
}

export function manifestFile(options: ManifestOptions): ExportFile {
  const { input, head } = options;
  return jsonFile('cvexport.manifest', {
    DomainType: 'Classification',
    Platform: options.platform,
    Flavor: options.flavor,
    ExporterVersion: '2.0',
    ExportedDate: options.exportedDate,
    IterationId: options.iterationId ?? '',
    ModelFileName: options.modelFileName,
    LabelFileName: 'labels.txt',
    MetadataPropsFileName: 'metadata_properties.json',
    SchemaVersion: '1.0',
    Cvkit: {
      Backbone: options.backboneName,
      Classification: head.activation === 'softmax' ? 'Multiclass' : 'Multilabel',
      Labels: head.labels,
      Input: {
        Name: input.name,
        Shape: input.shape,
        Layout: input.layout,
        DType: input.dtype,
        ChannelOrder: input.channelOrder,
        PixelRange: input.pixelRange,
      },
      Preprocess: {
        ExifOrientation: 'apply',
        Crop: 'center-square',
        Resize: { Method: 'bilinear', Width: input.size, Height: input.size },
        Scale: 1,
        Mean: [0, 0, 0],
        Std: [1, 1, 1],
      },
      Outputs: options.outputs.map((o) => ({ Name: o.name, Shape: o.shape, Description: o.description })),
      Format: options.format,
    },
  });
}

export function metadataPropertiesFile(metadata: readonly (readonly [string, string])[]): ExportFile {
  return jsonFile('metadata_properties.json', Object.fromEntries(metadata));
}

export function preprocessingReadme(input: InputDescription): string {
  const order = input.channelOrder;
  return [
    '## Preprocessing',
    '',
    '1. Decode the image and apply its EXIF orientation.',
    '2. Crop the centred square whose side is the shorter image side.',
    `3. Resize it to ${input.size}×${input.size} with bilinear interpolation.`,
    `4. Keep ${order} channel order and pixel values 0–255 as float32 (no mean/std normalisation).`,
    `5. Lay it out ${input.layout} ${JSON.stringify(input.shape)}.`,
    '',
  ].join('\n');
}
