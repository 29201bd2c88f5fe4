/**
 * The container's Node app: plain JavaScript files kept beside this module in app/, so they are
 * linted and read like any source, and copied into the package unchanged (no build step in the
 * image). Read once, on first use.
 */
import { readFileSync } from 'node:fs';
import type { ExportFile } from '../types.ts';

export const APP_SOURCE_FILES = ['server.js', 'model.js', 'preprocess.js', 'multipart.js', 'response.js'] as const;

/**
 * Exact versions the app is tested with in this repository (test/export/docker checks them against
 * node_modules). @tensorflow/tfjs must match the TF.js export's runtime; the WebAssembly backend
 * runs on x64 and ARM without native builds; sharp ships prebuilt libvips for linux x64/arm64/arm.
 */
export const APP_DEPENDENCIES = {
  '@tensorflow/tfjs': '4.22.0',
  '@tensorflow/tfjs-backend-wasm': '4.22.0',
  sharp: '0.35.5',
} as const;

let sources: ExportFile[] | undefined;

export function appSourceFiles(): ExportFile[] {
  sources ??= APP_SOURCE_FILES.map((name) => ({
    path: `app/${name}`,
    bytes: new Uint8Array(readFileSync(new URL(`./app/${name}`, import.meta.url))),
  }));
  // Copies: callers own what they get.
  return sources.map((f) => ({ path: f.path, bytes: f.bytes.slice() }));
}
