/** The formats' file trees on disk (Node only). */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { FileTree } from './formats/dataset.ts';

export async function readTree(dir: string): Promise<FileTree> {
  const tree: FileTree = new Map();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    // `parentPath` arrived in Node 20.12; `path` is its older name.
    const path = join(entry.parentPath ?? (entry as { path?: string }).path, entry.name);
    tree.set(relative(dir, path).split(sep).join('/'), new Uint8Array(await readFile(path)));
  }
  return tree;
}

export async function writeTree(dir: string, tree: FileTree): Promise<void> {
  for (const [path, bytes] of tree) {
    if (path.split('/').some((part) => part === '..' || part === '')) throw new Error(`Refusing to write ${path}.`);
    const target = join(dir, ...path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bytes);
  }
}
