import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** `../shared/datasets` beside the repository, or CVKIT_SHARED_DIR/datasets. */
export const datasetsDir = resolve(process.env.CVKIT_SHARED_DIR ?? join(repoRoot, '../shared'), 'datasets');

export function haveDataset(name: string): boolean {
  const ok = existsSync(join(datasetsDir, name, 'train'));
  if (!ok) console.warn(`dataset ${name} not found under ${datasetsDir}; skipping the tests that need it`);
  return ok;
}

/** Images of one split, by tag (sub-folder name), sorted by file name. */
export function datasetImages(name: string, split: 'train' | 'test'): Map<string, { file: string; bytes: Buffer }[]> {
  const dir = join(datasetsDir, name, split);
  const out = new Map<string, { file: string; bytes: Buffer }[]>();
  if (!existsSync(dir)) return out;
  for (const tag of readdirSync(dir).sort()) {
    const files = readdirSync(join(dir, tag))
      .filter((f) => /\.(jpe?g|png|bmp|gif)$/i.test(f))
      .sort();
    out.set(
      tag,
      files.map((f) => ({ file: f, bytes: readFileSync(join(dir, tag, f)) })),
    );
  }
  return out;
}
