/**
 * Node-only helpers, kept out of the default entry so that it runs in browsers too.
 *
 * @example
 * ```ts
 * import { TrainingClient } from '@cvkit/sdk';
 * import { imageFromFile } from '@cvkit/sdk/node';
 *
 * const images = await Promise.all(paths.map((p) => imageFromFile(p)));
 * await trainer.uploadImages(projectId, images, { tagIds: [tagId] });
 * ```
 */
import { openAsBlob } from 'node:fs';
import { basename, extname } from 'node:path';

const mediaTypes: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
};

/**
 * An image file on disk as a `File` named after it, ready for any method that takes image data. The bytes are read
 * when the request is sent (`fs.openAsBlob`), so listing thousands of files does not load them all.
 */
export async function imageFromFile(path: string, options: { name?: string } = {}): Promise<File> {
  const type = mediaTypes[extname(path).toLowerCase()] ?? 'application/octet-stream';
  const blob = await openAsBlob(path, { type });
  return new File([blob], options.name ?? basename(path), { type });
}

/** Several image files, in order. */
export function imagesFromFiles(paths: readonly string[]): Promise<File[]> {
  return Promise.all(paths.map((path) => imageFromFile(path)));
}
