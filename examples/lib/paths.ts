/**
 * Where the examples find things: the repository root, and the shared datasets beside it
 * (`../shared/datasets`, or `$CVKIT_SHARED_DIR/datasets`).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `../shared` beside the repository, unless `CVKIT_SHARED_DIR` names another place. */
export function sharedDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.CVKIT_SHARED_DIR ?? join(repoRoot, '../shared'));
}

export function datasetsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(sharedDir(env), 'datasets');
}

/** A split of a shared dataset, e.g. `datasetPath('azure-cv-trees', 'train')`. */
export function datasetPath(name: string, split: 'train' | 'test' = 'train'): string {
  return join(datasetsDir(), name, split);
}

export function haveDataset(name: string): boolean {
  return existsSync(datasetPath(name, 'train'));
}
