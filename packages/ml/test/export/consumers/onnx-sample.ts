/**
 * Azure-Samples/customvision-export-samples `samples/python/onnx/classification/predict.py`,
 * step by step, on onnxruntime-node:
 *
 * ```python
 * self.input_shape = self.session.get_inputs()[0].shape[2:]          # [H, W]
 * for metadata in onnx.load(path).metadata_props:                     # Bgr8 → is_bgr; NominalRange_0_255 → is_range255
 * image = PIL.Image.open(image_filepath).resize(self.input_shape)    # no EXIF, no crop, BICUBIC
 * input_array = np.array(image, dtype=np.float32)[np.newaxis, :, :, :]
 * input_array = input_array.transpose((0, 3, 1, 2))                  # NCHW
 * if self.is_bgr: input_array = input_array[:, (2, 1, 0), :, :]
 * if not self.is_range255: input_array = input_array / 255
 * outputs = self.session.run(self.output_names, {self.input_name: input_array.astype(self.input_type)})
 * ```
 *
 * `PIL.Image.open` decodes the stored pixels and ignores the EXIF orientation; sharp without
 * `.rotate()` does the same (and decodes these JPEGs to the same bytes as Pillow). PIL's resize
 * takes (width, height) while the sample passes shape[2:] = (H, W): the same for square inputs.
 */
import sharp from 'sharp';
import type { Ort } from '../helpers/onnxruntime.ts';
import { summarizeModel } from '../helpers/protobuf-reader.ts';
import { pilResizeRgb } from './pil-resize.ts';

type Session = Awaited<ReturnType<Ort['InferenceSession']['create']>>;

export class OnnxSampleModel {
  private constructor(
    private readonly ort: Ort,
    private readonly session: Session,
    readonly inputName: string,
    /** shape[2:], as the sample keeps it. */
    readonly inputShape: [number, number],
    readonly outputNames: readonly string[],
    readonly isBgr: boolean,
    readonly isRange255: boolean,
  ) {}

  static async create(ort: Ort, modelBytes: Uint8Array): Promise<OnnxSampleModel> {
    const session = await ort.InferenceSession.create(modelBytes, { intraOpNumThreads: 1 });
    if (session.inputNames.length !== 1) throw new Error(`the sample asserts one input, got ${session.inputNames}`);
    const input = session.inputMetadata[0]!;
    if (!input.isTensor || input.type !== 'float32')
      throw new Error('the sample feeds tensor(float) or tensor(float16)');
    const [height, width] = input.shape.slice(2) as number[];
    if (typeof height !== 'number' || typeof width !== 'number') throw new Error('the sample needs a fixed H×W');
    // onnx.load(...).metadata_props: onnxruntime-node does not expose them, so read the protobuf.
    const metadata = summarizeModel(modelBytes).metadata;
    return new OnnxSampleModel(
      ort,
      session,
      session.inputNames[0]!,
      [height, width],
      session.outputNames,
      metadata['Image.BitmapPixelFormat'] === 'Bgr8',
      metadata['Image.NominalPixelRange'] === 'NominalRange_0_255',
    );
  }

  /**
   * `PIL.Image.open(path).resize(self.input_shape)` then `np.array(image)`: interleaved RGB bytes
   * of the stored (un-rotated) image squashed to the input size.
   */
  async resize(imageBytes: Uint8Array): Promise<{ rgb: Uint8Array; width: number; height: number }> {
    const { data, info } = await sharp(imageBytes).raw().toBuffer({ resolveWithObject: true });
    // np.array(image) of a non-RGB image (L, RGBA, CMYK) has another channel count: the sample fails there too.
    if (info.channels !== 3) throw new Error(`the sample expects an RGB image, got ${info.channels} channels`);
    // PIL's resize takes (width, height); the sample hands it shape[2:] = (H, W).
    const [width, height] = this.inputShape;
    return { rgb: pilResizeRgb(new Uint8Array(data), info.width, info.height, width, height), width, height };
  }

  /** The rest of predict(): NCHW, BGR if Bgr8, /255 unless NominalRange_0_255, every output by name. */
  async run(rgb: ArrayLike<number>, width: number, height: number): Promise<Record<string, Float32Array>> {
    const plane = width * height;
    const nchw = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) {
        const value = rgb[i * 3 + c]!;
        nchw[(this.isBgr ? 2 - c : c) * plane + i] = this.isRange255 ? value : value / 255;
      }
    }
    const tensor = new this.ort.Tensor('float32', nchw, [1, 3, height, width]);
    const outputs = await this.session.run({ [this.inputName]: tensor }, [...this.outputNames]);
    return Object.fromEntries(this.outputNames.map((name) => [name, outputs[name]!.data as Float32Array]));
  }

  async predict(imageBytes: Uint8Array): Promise<Record<string, Float32Array>> {
    const { rgb, width, height } = await this.resize(imageBytes);
    return this.run(rgb, width, height);
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
