/**
 * A dataset laid out the way Custom Vision tutorials lay it out: one sub-folder per tag, images inside.
 *
 * ```
 * train/
 *   Hemlock/hemlock_1.jpg ...
 *   Japanese_Cherry/japanese_cherry_1.jpg ...
 * ```
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';

/** The formats Custom Vision accepts for training. */
export const imageExtensions = ['.jpg', '.jpeg', '.png', '.bmp', '.gif'];

export interface FolderTag {
  /** The sub-folder name, used as the tag name. */
  name: string;
  /** Absolute paths of its images, sorted by file name. */
  files: string[];
}

export interface FolderDataset {
  root: string;
  tags: FolderTag[];
  /** Number of images over all tags. */
  imageCount: number;
}

export function isImageFile(path: string): boolean {
  return imageExtensions.includes(extname(path).toLowerCase());
}

/** The images directly inside a folder, sorted by name (numbers in names sort numerically). */
export function listImages(dir: string): string[] {
  return readdirSync(dir)
    .filter(isImageFile)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((f) => join(dir, f));
}

/**
 * Reads `root/<tag>/<image>`. `perTag` keeps the first n images of each tag (a quick subset); `tags` keeps only
 * those sub-folders.
 */
export function readFolderDataset(root: string, options: { perTag?: number; tags?: string[] } = {}): FolderDataset {
  const dir = resolve(root);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`${dir} is not a folder; expected one sub-folder of images per tag`);
  const tags: FolderTag[] = [];
  for (const name of readdirSync(dir).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
    const sub = join(dir, name);
    if (!statSync(sub).isDirectory()) continue;
    if (options.tags && !options.tags.includes(name)) continue;
    let files = listImages(sub);
    if (options.perTag !== undefined) files = files.slice(0, options.perTag);
    if (files.length) tags.push({ name, files });
  }
  if (!tags.length) throw new Error(`${dir} has no sub-folder with images in it`);
  return { root: dir, tags, imageCount: tags.reduce((n, t) => n + t.files.length, 0) };
}

/**
 * A test image for a training folder: the first image of a `test` folder beside it (`<root>/../test/<tag>/`),
 * with the tag its sub-folder names when there is one.
 */
export function findTestImage(trainRoot: string): { file: string; expectedTag: string | undefined } | undefined {
  const testRoot = join(dirname(resolve(trainRoot)), 'test');
  if (!existsSync(testRoot)) return undefined;
  for (const entry of readdirSync(testRoot).sort()) {
    const path = join(testRoot, entry);
    if (statSync(path).isDirectory()) {
      const [first] = listImages(path);
      if (first) return { file: first, expectedTag: entry };
    } else if (isImageFile(path)) return { file: path, expectedTag: undefined };
  }
  return undefined;
}

/** The tag a file belongs to in a folder dataset: the name of the folder that holds it. */
export function tagOfFile(file: string): string {
  return basename(dirname(file));
}
