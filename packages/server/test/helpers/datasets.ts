import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The sample data sets the repository ships. */
export const datasetsDir = join(repoRoot, 'data', 'datasets');

/** Images of one split, by tag (sub-folder name), sorted by file name. A missing data set is an error, not a skip. */
export function datasetImages(name: string, split: 'train' | 'test'): Map<string, { file: string; bytes: Buffer }[]> {
  const dir = join(datasetsDir, name, split);
  if (!existsSync(dir)) throw new Error(`data set split ${dir} is missing from the repository`);
  const out = new Map<string, { file: string; bytes: Buffer }[]>();
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
