/**
 * Object detection as COCO: `images/<file>` and `annotations.json` (`images`, `annotations` with pixel `bbox`
 * [x, y, width, height], `categories`). Custom Vision's extras ride in fields COCO readers ignore: an image's
 * `metadata`, a category's `type` and `description`.
 */
import {
  baseName,
  type DatasetFormat,
  DatasetFormatError,
  type DatasetImage,
  type DatasetTag,
  type FileTree,
  imageSize,
  pixelSize,
  tagList,
  text,
  utf8,
  withRegionTags,
} from './dataset.ts';

interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
  metadata?: Record<string, string>;
}
interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  area: number;
  iscrowd: 0 | 1;
}
interface CocoCategory {
  id: number;
  name: string;
  supercategory: string;
  type?: DatasetTag['type'];
  description?: string;
}
interface CocoFile {
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}

export const coco: DatasetFormat = {
  name: 'coco',
  kind: 'detection',
  cannotCarry: ['image tags that no region carries'],
  write(dataset) {
    const tree: FileTree = new Map();
    const categories: CocoCategory[] = tagList(dataset.tags, dataset.images).map((t, i) => ({
      id: i + 1,
      name: t.name,
      supercategory: 'none',
      ...(t.type && t.type !== 'Regular' ? { type: t.type } : {}),
      ...(t.description ? { description: t.description } : {}),
    }));
    const categoryId = new Map(categories.map((c) => [c.name, c.id]));
    const out: CocoFile = { images: [], annotations: [], categories };
    dataset.images.forEach((image, i) => {
      const { width, height } = pixelSize(image);
      tree.set(`images/${image.file}`, image.bytes);
      out.images.push({
        id: i + 1,
        file_name: image.file,
        width,
        height,
        ...(Object.keys(image.metadata).length ? { metadata: image.metadata } : {}),
      });
      for (const r of image.regions) {
        const bbox: CocoAnnotation['bbox'] = [r.left * width, r.top * height, r.width * width, r.height * height];
        out.annotations.push({
          id: out.annotations.length + 1,
          image_id: i + 1,
          category_id: categoryId.get(r.tag)!,
          bbox,
          area: bbox[2] * bbox[3],
          iscrowd: 0,
        });
      }
    });
    tree.set('annotations.json', utf8(JSON.stringify(out, null, 1)));
    return tree;
  },
  read(tree) {
    const name = tree.has('annotations.json')
      ? 'annotations.json'
      : [...tree.keys()].find((p) => p.endsWith('.json') && !p.includes('/'));
    if (!name) throw new DatasetFormatError('annotations.json is missing.');
    let file: CocoFile;
    try {
      file = JSON.parse(text(tree.get(name)!)) as CocoFile;
    } catch (e) {
      throw new DatasetFormatError(`${name} is not valid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(file.images) || !Array.isArray(file.categories))
      throw new DatasetFormatError(`${name} has no "images" or "categories" list.`);
    const categories = new Map(file.categories.map((c) => [c.id, c]));
    const byImage = new Map<number, CocoAnnotation[]>();
    for (const a of file.annotations ?? []) byImage.set(a.image_id, [...(byImage.get(a.image_id) ?? []), a]);
    const images: DatasetImage[] = file.images.map((ci) => {
      const bytes = tree.get(`images/${ci.file_name}`) ?? tree.get(ci.file_name);
      if (!bytes) throw new DatasetFormatError(`${name} names ${ci.file_name}, which is not in images/.`);
      const size = ci.width && ci.height ? { width: ci.width, height: ci.height } : imageSize(bytes);
      if (!size) throw new DatasetFormatError(`${ci.file_name} has no width and height.`);
      const regions = (byImage.get(ci.id) ?? []).map((a) => {
        const category = categories.get(a.category_id);
        if (!category) throw new DatasetFormatError(`Annotation ${a.id} names unknown category ${a.category_id}.`);
        const [x, y, w, h] = a.bbox;
        return {
          tag: category.name,
          left: x / size.width,
          top: y / size.height,
          width: w / size.width,
          height: h / size.height,
        };
      });
      const metadata = ci.metadata && typeof ci.metadata === 'object' ? ci.metadata : {};
      return withRegionTags({ file: baseName(ci.file_name), bytes, ...size, regions, metadata });
    });
    const declared = file.categories.map((c) => ({
      name: c.name,
      ...(c.type ? { type: c.type } : {}),
      ...(c.description ? { description: c.description } : {}),
    }));
    return { tags: tagList(declared, images), images };
  },
};
