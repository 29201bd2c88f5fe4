/**
 * The photo sets the export consumer tests use, read from the repository's own `data/datasets` (the older
 * `consumers/dataset-heads.ts` loader still looks elsewhere), split as that loader splits them: the first half of
 * each tag's train folder (by file name) trains a head, the rest and the test folder are held out.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Dataset, DatasetImage } from '../consumers/dataset-heads.ts';
import { REPO_ROOT } from './fixtures.ts';

export const DATASETS_DIR = path.join(REPO_ROOT, 'data', 'datasets');

function images(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.(jpe?g|png)$/i.test(f))
        .sort()
    : [];
}

export function loadRepoDataset(name: string): Dataset {
  const root = path.join(DATASETS_DIR, name);
  if (!existsSync(path.join(root, 'train'))) throw new Error(`${root}/train is missing`);
  const tags = readdirSync(path.join(root, 'train')).sort();
  const training: DatasetImage[] = [];
  const heldOut: DatasetImage[] = [];
  const read = (split: string, tag: string, file: string, t: number): DatasetImage => ({
    name: `${split}/${tag}/${file}`,
    bytes: readFileSync(path.join(root, split, tag, file)),
    tag: t,
  });
  tags.forEach((tag, t) => {
    const files = images(path.join(root, 'train', tag));
    const half = Math.ceil(files.length / 2);
    files.forEach((file, i) => {
      (i < half ? training : heldOut).push(read('train', tag, file, t));
    });
    for (const file of images(path.join(root, 'test', tag))) heldOut.push(read('test', tag, file, t));
  });
  return { name, tags, training, heldOut };
}
