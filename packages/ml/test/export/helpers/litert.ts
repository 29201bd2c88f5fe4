/**
 * Google's LiteRT.js (`@litertjs/core`, TFLite's web runtime, wasm bundled in the package) in Node 20, offline: its
 * loader expects a browser worker, so it gets `self`, `importScripts` (run with vm.runInThisContext), and the
 * emscripten module's `require`/`__dirname` plus `Module.locateFile` pointing at the package's own wasm folder.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

type LiteRtCore = typeof import('@litertjs/core');
type CompiledModel = Awaited<ReturnType<LiteRtCore['loadAndCompile']>>;

const requireHere = createRequire(import.meta.url);
let loading: Promise<LiteRtCore> | undefined;

function loadCore(): Promise<LiteRtCore> {
  loading ??= (async () => {
    const wasmDir = path.join(path.dirname(requireHere.resolve('@litertjs/core/package.json')), 'wasm');
    const g = globalThis as Record<string, unknown>;
    g.self ??= globalThis;
    g.require ??= requireHere;
    g.__dirname ??= wasmDir;
    g.importScripts ??= (url: string) => vm.runInThisContext(readFileSync(url, 'utf8'), { filename: url });
    g.Module = { locateFile: (file: string) => path.join(wasmDir, file) };
    const core = await import('@litertjs/core');
    await core.loadLiteRt(`${wasmDir}/`);
    return core;
  })();
  return loading;
}

export interface TfliteTensorInfo {
  name: string;
  shape: number[];
  dtype: string;
}

/** A model.tflite compiled for LiteRT's wasm (XNNPACK) CPU path. */
export class LiteRtModel {
  private constructor(
    private readonly core: LiteRtCore,
    private readonly model: CompiledModel,
  ) {}

  static async load(bytes: Uint8Array): Promise<LiteRtModel> {
    const core = await loadCore();
    return new LiteRtModel(core, await core.loadAndCompile(bytes, { accelerator: 'wasm' }));
  }

  get inputs(): TfliteTensorInfo[] {
    return this.model.getInputDetails().map((d) => ({ name: d.name, shape: [...d.shape], dtype: d.dtype }));
  }

  get outputs(): TfliteTensorInfo[] {
    return this.model.getOutputDetails().map((d) => ({ name: d.name, shape: [...d.shape], dtype: d.dtype }));
  }

  /** Runs the single input (NHWC float32) and returns the first output. */
  async run(input: Float32Array): Promise<Float32Array> {
    const tensor = new this.core.Tensor(input, this.inputs[0]!.shape);
    const [out] = await this.model.run(tensor);
    tensor.delete();
    const values = Float32Array.from(out!.toTypedArray() as Float32Array);
    out!.delete();
    return values;
  }

  dispose(): void {
    this.model.delete();
  }
}
