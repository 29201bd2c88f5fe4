/**
 * OpenCV's TensorFlow importer (`cv.readNetFromTensorflow` of `@techstark/opencv-js`, wasm embedded in the package)
 * running a frozen GraphDef. The module object is a thenable whose `then` calls back with itself, so it is never
 * handed to `resolve` (that would recurse); the wrapper object is.
 */
import { createRequire } from 'node:module';

// biome-ignore lint/suspicious/noExplicitAny: opencv.js ships no usable types for its emscripten module
type Cv = any;

const requireHere = createRequire(import.meta.url);
let ready: Promise<{ cv: Cv }> | undefined;
let files = 0;

function loadCv(): Promise<{ cv: Cv }> {
  ready ??= new Promise((resolve) => {
    // opencv.js takes itself for a web worker when `importScripts` exists (the LiteRT helper defines it).
    const g = globalThis as Record<string, unknown>;
    const importScripts = g.importScripts;
    delete g.importScripts;
    let module: Cv;
    try {
      module = requireHere('@techstark/opencv-js') as Cv;
    } finally {
      if (importScripts !== undefined) g.importScripts = importScripts;
    }
    module.then((cv: Cv) => resolve({ cv }));
  });
  return ready;
}

/** A frozen GraphDef loaded by OpenCV's dnn module. */
export class OpenCvTfNet {
  private constructor(
    private readonly cv: Cv,
    private readonly net: Cv,
  ) {}

  static async load(modelPb: Uint8Array): Promise<OpenCvTfNet> {
    const { cv } = await loadCv();
    const file = `model-${++files}.pb`;
    cv.FS_createDataFile('/', file, modelPb, true, false, false);
    try {
      return new OpenCvTfNet(cv, cv.readNetFromTensorflow(file));
    } catch (error) {
      throw new Error(`OpenCV could not import the graph: ${describe(cv, error)}`);
    } finally {
      cv.FS_unlink(`/${file}`);
    }
  }

  /** Runs one NHWC float32 image of `size`×`size`×3 (channels as given) and returns the network's output. */
  run(nhwc: Float32Array, size: number): Float32Array {
    const cv = this.cv;
    const image = new cv.Mat(size, size, cv.CV_32FC3);
    image.data32F.set(nhwc);
    // blobFromImage: HWC → NCHW, no scaling, no mean, no channel swap, no crop (OpenCV converts back to NHWC).
    const blob = cv.blobFromImage(image, 1, new cv.Size(size, size), new cv.Scalar(0, 0, 0, 0), false, false);
    try {
      this.net.setInput(blob);
      const out = this.net.forward();
      const values = Float32Array.from(out.data32F as Float32Array);
      out.delete();
      return values;
    } catch (error) {
      throw new Error(`OpenCV forward failed: ${describe(cv, error)}`);
    } finally {
      image.delete();
      blob.delete();
    }
  }

  dispose(): void {
    this.net.delete();
  }
}

function describe(cv: Cv, error: unknown): string {
  if (typeof error === 'number') return cv.exceptionFromPtr?.(error)?.msg ?? `C++ exception ${error}`;
  return (error as Error).message;
}
