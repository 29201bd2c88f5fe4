/** Datasets as files in a browser: a format's file tree zipped for download, and a chosen folder read back as one. */
import type { FileTree } from '@cvkit/cli/formats';
import { zipSync } from 'fflate';

/** The tree in a zip, under one folder named `root` (what unzipping it gives back). Images are stored, not deflated. */
export function zipTree(tree: FileTree, root: string): Blob {
  const entries: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  for (const [path, bytes] of tree)
    entries[`${root}/${path}`] = [bytes, { level: /\.(json|txt|xml|csv|yaml)$/i.test(path) ? 6 : 0 }];
  const zip = zipSync(entries);
  return new Blob([zip.buffer as ArrayBuffer], { type: 'application/zip' });
}

/** The files of a folder chosen with `webkitdirectory`, by their path inside it (the folder's own name dropped). */
export async function folderTree(list: File[]): Promise<FileTree> {
  const tree: FileTree = new Map();
  for (const file of list) {
    const path = (file.webkitRelativePath || file.name).split('/').slice(1).join('/') || file.name;
    if (path.split('/').some((part) => part.startsWith('.'))) continue;
    tree.set(path, new Uint8Array(await file.arrayBuffer()));
  }
  return tree;
}

/** A file name for the project's name: letters, digits, dashes. */
export const fileSafe = (name: string) => name.replace(/[^\p{L}\p{N}_-]+/gu, '-').replace(/^-+|-+$/g, '') || 'dataset';
