/**
 * The repository's data sets (data/datasets): each has a manifest.csv with one row per image (split, tag, file, ...).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { datasetsDir } from '../test/export/helpers/fixtures.ts';

export interface DatasetImage {
  split: string;
  tag: string;
  file: string;
  path: string;
}

export interface Dataset {
  name: string;
  root: string;
  images: DatasetImage[];
  tags: string[];
}

/** Splits one CSV line, honouring double-quoted fields. */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

export function loadDataset(name: string): Dataset {
  const root = path.join(datasetsDir(), name);
  const manifest = path.join(root, 'manifest.csv');
  const [header, ...lines] = readFileSync(manifest, 'utf8').trim().split('\n');
  const cols = csvFields(header!);
  const at = (name: string) => cols.indexOf(name);
  const images = lines.map((line) => {
    const f = csvFields(line);
    const file = f[at('file')]!;
    return { split: f[at('split')]!, tag: f[at('tag')]!, file, path: path.join(root, file) };
  });
  const tags = [...new Set(images.map((i) => i.tag))].sort();
  return { name, root, images, tags };
}
