/**
 * Classification as a spreadsheet: `images/<file>`, `labels.csv` with one row per image (`file`, `tags` joined by
 * `;`, and a `meta:<key>` column per metadata key), and `tags.csv` (`name`, `type`, `description`), so tag types,
 * descriptions and tags without images survive.
 */
import { parseCsvRecords, toCsv } from './csv-text.ts';
import {
  baseName,
  type DatasetFormat,
  DatasetFormatError,
  type DatasetImage,
  type DatasetTag,
  type FileTree,
  tagList,
  text,
  utf8,
} from './dataset.ts';

const META = 'meta:';
const TAG_SEPARATOR = ';';

export const csv: DatasetFormat = {
  name: 'csv',
  kind: 'classification',
  cannotCarry: ['tag names containing ";"'],
  write(dataset) {
    const tree: FileTree = new Map();
    const keys = [...new Set(dataset.images.flatMap((i) => Object.keys(i.metadata)))].sort();
    const rows = [['file', 'tags', ...keys.map((k) => META + k)]];
    for (const image of dataset.images) {
      tree.set(`images/${image.file}`, image.bytes);
      rows.push([image.file, image.tags.join(TAG_SEPARATOR), ...keys.map((k) => image.metadata[k] ?? '')]);
    }
    tree.set('labels.csv', utf8(toCsv(rows)));
    const tags = tagList(dataset.tags, dataset.images);
    tree.set(
      'tags.csv',
      utf8(toCsv([['name', 'type', 'description'], ...tags.map((t) => [t.name, t.type ?? '', t.description ?? ''])])),
    );
    return tree;
  },
  read(tree) {
    const labels = tree.get('labels.csv');
    if (!labels) throw new DatasetFormatError('labels.csv is missing.');
    const { header, records } = parseCsvRecords(text(labels));
    if (!header.includes('file')) throw new DatasetFormatError('labels.csv has no "file" column.');
    const images: DatasetImage[] = records.map((r) => {
      const file = r.file!;
      const bytes = tree.get(`images/${file}`) ?? tree.get(file);
      if (!bytes) throw new DatasetFormatError(`labels.csv names ${file}, which is not in images/.`);
      const metadata: Record<string, string> = {};
      for (const h of header) if (h.startsWith(META) && r[h]) metadata[h.slice(META.length)] = r[h]!;
      const tags = (r.tags ?? '')
        .split(TAG_SEPARATOR)
        .map((t) => t.trim())
        .filter(Boolean);
      return { file: baseName(file), bytes, tags, regions: [], metadata };
    });
    const declared: DatasetTag[] = [];
    const tagsFile = tree.get('tags.csv');
    if (tagsFile)
      for (const r of parseCsvRecords(text(tagsFile)).records) {
        if (!r.name) continue;
        const type = r.type as DatasetTag['type'] | '';
        declared.push({
          name: r.name,
          ...(type ? { type } : {}),
          ...(r.description ? { description: r.description } : {}),
        });
      }
    return { tags: tagList(declared, images), images };
  },
};
