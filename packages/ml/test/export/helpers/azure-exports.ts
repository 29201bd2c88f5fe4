/** Azure's own exports kept as test fixtures (test/fixtures/azure-exports, see its SOURCE.md), joined from parts. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './fixtures.ts';

export const AZURE_EXPORTS_DIR = path.join(REPO_ROOT, 'packages/ml/test/fixtures/azure-exports');

/** `model.pb`, `model.tflite` or `model.mlmodel`, joined from its two parts. */
export function azureExport(name: 'model.pb' | 'model.tflite' | 'model.mlmodel'): Uint8Array {
  return new Uint8Array(
    Buffer.concat([0, 1].map((i) => readFileSync(path.join(AZURE_EXPORTS_DIR, `${name}.part${i}`)))),
  );
}

export const sha1 = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('hex');
