/**
 * Object detection as YOLO (Darknet / Ultralytics layout): `images/<file>`, `labels/<stem>.txt` with one
 * `class cx cy w h` line per box (fractions of the image), `classes.txt` and a `data.yaml` naming the classes.
 */
import {
  baseName,
  type DatasetFormat,
  DatasetFormatError,
  type DatasetImage,
  type FileTree,
  isImagePath,
  stem,
  tagList,
  text,
  utf8,
  withRegionTags,
} from './dataset.ts';

// Ten decimals: far below a pixel, and no 0.30000000000000004 in the files.
const round = (x: number) => Number(x.toFixed(10));

export const yolo: DatasetFormat = {
  name: 'yolo',
  kind: 'detection',
  cannotCarry: ['metadata', 'tag types (the Negative tag)', 'tag descriptions', 'image tags that no region carries'],
  write(dataset) {
    const tree: FileTree = new Map();
    const tags = tagList(dataset.tags, dataset.images).filter((t) => t.type !== 'Negative');
    const index = new Map(tags.map((t, i) => [t.name, i]));
    for (const image of dataset.images) {
      tree.set(`images/${image.file}`, image.bytes);
      const lines = image.regions
        .filter((r) => index.has(r.tag))
        .map((r) =>
          [index.get(r.tag)!, r.left + r.width / 2, r.top + r.height / 2, r.width, r.height]
            .map((v, i) => (i ? round(v) : v))
            .join(' '),
        );
      tree.set(`labels/${stem(image.file)}.txt`, utf8(lines.map((l) => `${l}\n`).join('')));
    }
    tree.set('classes.txt', utf8(tags.map((t) => `${t.name}\n`).join('')));
    const names = tags.map((t) => `  ${JSON.stringify(t.name)}`).join(',\n');
    tree.set('data.yaml', utf8(`path: .\ntrain: images\nval: images\nnc: ${tags.length}\nnames: [\n${names}\n]\n`));
    return tree;
  },
  read(tree) {
    const classes = readClasses(tree);
    const images: DatasetImage[] = [];
    for (const [path, bytes] of [...tree].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!isImagePath(path) || !path.startsWith('images/')) continue;
      const labelPath = `labels/${path.slice('images/'.length).replace(/\.[^./]+$/, '')}.txt`;
      const label = tree.get(labelPath);
      const regions = (label ? text(label).split(/\r?\n/) : [])
        .map((l) => l.trim())
        .filter(Boolean)
        .map((line, n) => {
          const [c, cx, cy, w, h] = line.split(/\s+/).map(Number);
          const tag = classes[c!];
          if (tag === undefined || [cx, cy, w, h].some((v) => v === undefined || !Number.isFinite(v)))
            throw new DatasetFormatError(`${labelPath} line ${n + 1} is not "class cx cy w h" with a known class.`);
          return { tag, left: cx! - w! / 2, top: cy! - h! / 2, width: w!, height: h! };
        });
      images.push(withRegionTags({ file: baseName(path), bytes, regions, metadata: {} }));
    }
    return {
      tags: tagList(
        classes.map((name) => ({ name })),
        images,
      ),
      images,
    };
  },
};

/** Class names from classes.txt, else from data.yaml's `names` (a list, flow or block, or an index map). */
function readClasses(tree: FileTree): string[] {
  const txt = tree.get('classes.txt') ?? tree.get('obj.names');
  if (txt)
    return text(txt)
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
  const yaml = tree.get('data.yaml') ?? tree.get('dataset.yaml');
  if (!yaml) throw new DatasetFormatError('classes.txt (or data.yaml with names) is missing.');
  const source = text(yaml);
  const unquote = (s: string) => {
    const t = s.trim();
    if (t.startsWith('"')) return JSON.parse(t) as string;
    return t.replace(/^'(.*)'$/, '$1');
  };
  const flow = /^names:\s*\[([\s\S]*?)\]/m.exec(source);
  if (flow)
    return flow[1]!
      .split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)
      .map(unquote)
      .filter(Boolean);
  const block = /^names:\s*\n((?:[ \t]+.*\n?)+)/m.exec(source);
  if (!block) throw new DatasetFormatError('data.yaml has no names.');
  return block[1]!
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => unquote(l.replace(/^-\s*|^\d+\s*:\s*/, '')));
}
