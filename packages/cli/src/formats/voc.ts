/**
 * Object detection as Pascal VOC: `JPEGImages/<file>` and `Annotations/<stem>.xml` per image with its size and
 * one `<object>` per box (`<bndbox>` in whole pixels, xmin/ymin/xmax/ymax).
 */
import {
  baseName,
  type DatasetFormat,
  DatasetFormatError,
  type DatasetImage,
  type FileTree,
  imageSize,
  isImagePath,
  pixelSize,
  stem,
  tagList,
  text,
  utf8,
  withRegionTags,
} from './dataset.ts';

const escapeXml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const unescapeXml = (s: string) =>
  s
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');

export const voc: DatasetFormat = {
  name: 'voc',
  kind: 'detection',
  cannotCarry: [
    'metadata',
    'tag types and descriptions',
    'tags without regions',
    'sub-pixel box coordinates (boxes are rounded to whole pixels)',
  ],
  write(dataset) {
    const tree: FileTree = new Map();
    for (const image of dataset.images) {
      const { width, height } = pixelSize(image);
      tree.set(`JPEGImages/${image.file}`, image.bytes);
      const objects = image.regions.map((r) => {
        const [xmin, ymin, xmax, ymax] = [
          r.left * width,
          r.top * height,
          (r.left + r.width) * width,
          (r.top + r.height) * height,
        ].map(Math.round);
        return (
          `  <object>\n    <name>${escapeXml(r.tag)}</name>\n    <pose>Unspecified</pose>\n    <truncated>0</truncated>\n` +
          `    <difficult>0</difficult>\n    <bndbox>\n      <xmin>${xmin}</xmin>\n      <ymin>${ymin}</ymin>\n` +
          `      <xmax>${xmax}</xmax>\n      <ymax>${ymax}</ymax>\n    </bndbox>\n  </object>\n`
        );
      });
      tree.set(
        `Annotations/${stem(image.file)}.xml`,
        utf8(
          `<annotation>\n  <folder>JPEGImages</folder>\n  <filename>${escapeXml(image.file)}</filename>\n` +
            `  <size>\n    <width>${width}</width>\n    <height>${height}</height>\n    <depth>3</depth>\n  </size>\n` +
            `  <segmented>0</segmented>\n${objects.join('')}</annotation>\n`,
        ),
      );
    }
    return tree;
  },
  read(tree) {
    const images: DatasetImage[] = [];
    const annotations = new Map<string, string>();
    for (const [path, bytes] of tree)
      if (path.startsWith('Annotations/') && path.endsWith('.xml')) annotations.set(stem(path), text(bytes));
    for (const [path, bytes] of [...tree].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!isImagePath(path) || !path.startsWith('JPEGImages/')) continue;
      const xml = annotations.get(stem(path));
      const declared = xml && { width: Number(element(xml, 'width')), height: Number(element(xml, 'height')) };
      const size = declared && declared.width > 0 && declared.height > 0 ? declared : imageSize(bytes);
      if (!size?.width || !size.height) throw new DatasetFormatError(`The size of ${path} is unknown.`);
      const regions = (xml ? elements(xml, 'object') : []).map((o) => {
        const tag = element(o, 'name');
        const [xmin, ymin, xmax, ymax] = ['xmin', 'ymin', 'xmax', 'ymax'].map((k) => Number(element(o, k)));
        if (!tag || [xmin, ymin, xmax, ymax].some((v) => !Number.isFinite(v)))
          throw new DatasetFormatError(`An object in the annotation of ${path} has no name or box.`);
        return {
          tag: unescapeXml(tag),
          left: xmin! / size.width,
          top: ymin! / size.height,
          width: (xmax! - xmin!) / size.width,
          height: (ymax! - ymin!) / size.height,
        };
      });
      images.push(withRegionTags({ file: baseName(path), bytes, ...size, regions, metadata: {} }));
    }
    return { tags: tagList([], images), images };
  },
};

/** The text of the first `<name>` element (VOC files are flat enough for this; no attributes or CDATA needed). */
function element(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml)?.[1]?.trim();
}

function elements(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => m[1]!);
}
