/**
 * Read the pretrained networks bundled inside the nsfwjs package. They are the only ImageNet-derived weights that
 * install from the npm registry, and nothing may be downloaded at run time.
 *
 * nsfwjs ships each model as UMD scripts: `model.min.js` exports the model JSON, `group1-shardNofM.min.js` exports
 * one base64 string per weight shard. Its `exports` map hides these files, so they are required by absolute path.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { io } from '@tensorflow/tfjs';
import { requireFromMl } from '../engine/modules.ts';

export type NsfwjsModelName = 'mobilenet_v2_mid' | 'mobilenet_v2' | 'inception_v3';

interface BundledModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[];
}

export interface BundledModel {
  artifacts: io.ModelArtifacts;
  /** sha256 of the weight bytes: proves which weights a cached feature came from. */
  weightsSha256: string;
  nsfwjsVersion: string;
}

function nsfwjsRoot(): string {
  // `main` is dist/cjs/index.js; the package root is two levels up.
  return path.resolve(path.dirname(requireFromMl.resolve('nsfwjs')), '..', '..');
}

export function nsfwjsVersion(): string {
  const pkg = requireFromMl(path.join(nsfwjsRoot(), 'package.json')) as { version: string };
  return pkg.version;
}

export function loadBundledModel(name: NsfwjsModelName): BundledModel {
  const dir = path.join(nsfwjsRoot(), 'dist', 'models', name);
  const json = requireFromMl(path.join(dir, 'model.min.js')) as BundledModelJson;
  const shardFiles = json.weightsManifest.flatMap((group) =>
    group.paths.map((p) => path.join(dir, `${path.basename(p, '.bin')}.min.js`)),
  );
  const buffers = shardFiles.map((file) => Buffer.from(requireFromMl(file) as string, 'base64'));
  const weights = Buffer.concat(buffers);
  // The bundled scripts stay in require's cache (tens of MB of base64 strings); drop them once decoded.
  for (const file of [path.join(dir, 'model.min.js'), ...shardFiles]) delete requireFromMl.cache[file];
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return {
    artifacts: {
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy ?? null,
    },
    weightsSha256: createHash('sha256').update(weights).digest('hex'),
    nsfwjsVersion: nsfwjsVersion(),
  };
}
