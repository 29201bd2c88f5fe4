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
 * side, resized to `size` (the manifest's Cvkit block names the sampler), pixel values 0–255
 * unnormalised.
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
  platform: 'ONNX' | 'TensorFlow' | 'CoreML';
  flavor: string | null;
  modelFileName: string;
  /** Custom Vision's manifests carry the model file's SHA-1 (hex). */
  modelFileSha1?: string;
  /** null where the labels live inside the model (CoreML), as in Custom Vision's manifests. */
  labelFileName?: string | null;
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
    LabelFileName: options.labelFileName === undefined ? 'labels.txt' : options.labelFileName,
    ...(options.modelFileSha1 ? { ModelFileSHA1: options.modelFileSha1 } : {}),
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
        // TensorFlow's crop_and_resize (bilinear, no antialiasing), as @microsoft/customvision-tfjs calls it.
        Resize: { Method: 'crop_and_resize', Width: input.size, Height: input.size },
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
    '1. Decode the image, apply its EXIF orientation, convert to sRGB.',
    '2. Take the centred square whose side is the shorter image side, offsets not rounded:',
    '   `top = (height − width) / 2` for a portrait image, `left = (width − height) / 2` for a landscape one.',
    `3. Sample it to ${input.size}×${input.size} as TensorFlow's \`crop_and_resize\` (bilinear, no antialiasing) does, with`,
    '   the box as fractions of the image: `tf.image.cropAndResize(image, [[top / height, left / width,',
    '   (top + side) / height, (left + side) / width]], [0], [size, size])`. This is exactly what',
    '   `@microsoft/customvision-tfjs` does, and what the cvkit server computes; another resampler gives slightly',
    '   different numbers, which can change the answer on photos where the model hesitates.',
    `4. Keep ${order} channel order and pixel values 0–255 as float32 (no mean/std normalisation).`,
    `5. Lay it out ${input.layout} ${JSON.stringify(input.shape)}.`,
    '',
  ].join('\n');
}

/**
 * Python (numpy) for the ONNX README: the centred square sampled as TensorFlow's crop_and_resize, i.e. what the
 * server computes for exportable backbones. Kept here so a test can run it against the server's sampler.
 */
export const PYTHON_CROP_AND_RESIZE = [
  'def crop_and_resize(pixels, size):',
  '    """The centred square sampled as TensorFlow crop_and_resize (bilinear), as customvision-tfjs does."""',
  '    h, w = pixels.shape[:2]',
  '    top, left, side = ((h - w) / 2, 0, w) if h > w else (0, (w - h) / 2, h)',
  '    y1, x1, y2, x2 = (float(np.float32(v)) for v in (top / h, left / w, (top + side) / h, (left + side) / w))',
  '    ys = y1 * (h - 1) + np.arange(size) * ((y2 - y1) * (h - 1) / (size - 1))',
  '    xs = x1 * (w - 1) + np.arange(size) * ((x2 - x1) * (w - 1) / (size - 1))',
  '    t, b = np.floor(ys).astype(int).clip(0, h - 1), np.ceil(ys).astype(int).clip(0, h - 1)',
  '    l, r = np.floor(xs).astype(int).clip(0, w - 1), np.ceil(xs).astype(int).clip(0, w - 1)',
  '    fy, fx = (ys - np.floor(ys))[:, None, None], (xs - np.floor(xs))[None, :, None]',
  '    upper = pixels[t][:, l] + (pixels[t][:, r] - pixels[t][:, l]) * fx',
  '    lower = pixels[b][:, l] + (pixels[b][:, r] - pixels[b][:, l]) * fx',
  '    out = upper + (lower - upper) * fy',
  '    out[(ys < 0) | (ys > h - 1)] = 0  # TensorFlow extrapolates with 0 past the edge',
  '    out[:, (xs < 0) | (xs > w - 1)] = 0',
  '    return out.astype(np.float32)',
].join('\n');
