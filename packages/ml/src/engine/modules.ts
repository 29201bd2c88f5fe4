/**
 * TensorFlow.js modules are loaded with `require` through one `createRequire`, never `import`: tfjs and its wasm
 * backend are CommonJS packages that must share a single `@tensorflow/tfjs-core` instance, and test runners or
 * bundlers that re-resolve ESM entry points could otherwise hand each package its own copy (the backend would then
 * register itself with a core the model never sees).
 */
import { createRequire } from 'node:module';
import type * as Tf from '@tensorflow/tfjs';
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm';

export const requireFromMl = createRequire(import.meta.url);

export type TfModule = typeof Tf;
export type TfWasmModule = typeof TfWasm;

let tfModule: TfModule | undefined;

/** `@tensorflow/tfjs`, or `@tensorflow/tfjs-node` (which re-exports it) when that loaded. */
export function loadTfjs(): TfModule {
  tfModule ??= requireFromMl('@tensorflow/tfjs') as TfModule;
  return tfModule;
}

/** Try the native binding. It is an optional dependency that often fails to install, so absence is normal. */
export function tryLoadTfjsNode(): { tf: TfModule } | { error: string } {
  try {
    // A variable specifier keeps TypeScript from requiring the package's types to exist.
    const name = '@tensorflow/tfjs-node';
    const tf = requireFromMl(name) as TfModule;
    tfModule = tf;
    return { tf };
  } catch (error) {
    return { error: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  }
}

export function loadTfjsWasm(): TfWasmModule {
  return requireFromMl('@tensorflow/tfjs-backend-wasm') as TfWasmModule;
}
