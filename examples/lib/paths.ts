/**
 * Where the examples find things: the repository root and the sample data sets it ships (`data/datasets`).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function datasetsDir(): string {
  return join(repoRoot, 'data', 'datasets');
}

/** A split of a data set, e.g. `datasetPath('azure-cv-trees', 'train')`. */
export function datasetPath(name: string, split: 'train' | 'test' = 'train'): string {
  return join(datasetsDir(), name, split);
}
