/**
 * Classification as one folder per tag: `<tag>/<file>`. An image with several tags is in several folders (the same
 * file name and bytes); an untagged image sits at the top level. Reading takes an image's innermost folder as its
 * tag, so a tree such as `train/<tag>/<file>` reads as well.
 */
import {
  baseName,
  type Dataset,
  type DatasetFormat,
  type DatasetImage,
  type FileTree,
  fingerprint,
  isImagePath,
  tagList,
  uniqueName,
} from './dataset.ts';

// A folder name cannot hold `/`; `%` is escaped so that the mapping can be undone.
const folderOf = (tag: string) => tag.replaceAll('%', '%25').replaceAll('/', '%2F');
const tagOf = (folder: string) => folder.replaceAll('%2F', '/').replaceAll('%25', '%');

export const folders: DatasetFormat = {
  name: 'folders',
  kind: 'classification',
  cannotCarry: [
    'metadata',
    'tag types (a Negative tag becomes a regular folder)',
    'tag descriptions',
    'tags without images',
  ],
  write(dataset) {
    const tree: FileTree = new Map();
    for (const image of dataset.images) {
      if (!image.tags.length) tree.set(image.file, image.bytes);
      for (const tag of image.tags) tree.set(`${folderOf(tag)}/${image.file}`, image.bytes);
    }
    return tree;
  },
  read(tree) {
    const images = new Map<string, DatasetImage>();
    const taken = new Set<string>();
    for (const [path, bytes] of [...tree].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!isImagePath(path)) continue;
      const parts = path.split('/');
      const tag = parts.length > 1 ? tagOf(parts.at(-2)!) : undefined;
      // The same file in two tag folders is one image with two tags; same name, other bytes, two images.
      const key = `${baseName(path)}\0${fingerprint(bytes)}`;
      let image = images.get(key);
      if (!image) {
        image = { file: uniqueName(taken, baseName(path)), bytes, tags: [], regions: [], metadata: {} };
        images.set(key, image);
      }
      if (tag && !image.tags.includes(tag)) image.tags.push(tag);
    }
    const list = [...images.values()];
    return { tags: tagList([], list), images: list } satisfies Dataset;
  },
};
