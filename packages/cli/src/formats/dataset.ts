/**
 * A labelled image set independent of any service or file layout: what every dataset format reads and writes.
 * Regions use Custom Vision's convention (left, top, width, height as fractions of the image), so a project's
 * images map onto it without conversion; pixel formats convert with the image's size.
 */

export type DatasetKind = 'classification' | 'detection';

export interface DatasetTag {
  name: string;
  /** Custom Vision's tag type; absent means Regular. */
  type?: 'Regular' | 'Negative' | 'GeneralProduct';
  description?: string;
}

export interface DatasetRegion {
  tag: string;
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface DatasetImage {
  /** File name, unique within the dataset (no directories). */
  file: string;
  bytes: Uint8Array;
  /** Pixel size, needed by the pixel-based formats (COCO, VOC); read from the bytes when absent. */
  width?: number;
  height?: number;
  /** Tag names of the image; for detection, the tags of its regions. */
  tags: string[];
  regions: DatasetRegion[];
  metadata: Record<string, string>;
}

export interface Dataset {
  tags: DatasetTag[];
  images: DatasetImage[];
}

/** A directory's files by relative path (`/`-separated), which a browser gets from a zip or a folder picker. */
export type FileTree = Map<string, Uint8Array>;

export interface DatasetFormat {
  name: FormatName;
  kind: DatasetKind;
  /** What a project holds that this format cannot carry: a round trip through it loses these. */
  cannotCarry: string[];
  write(dataset: Dataset): FileTree;
  read(tree: FileTree): Dataset;
}

export type FormatName = 'coco' | 'yolo' | 'voc' | 'csv' | 'folders';

export class DatasetFormatError extends Error {
  override name = 'DatasetFormatError';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const utf8 = (text: string): Uint8Array => encoder.encode(text);
export const text = (bytes: Uint8Array): string => decoder.decode(bytes).replace(/^\uFEFF/, '');

export const imageExtensions = ['.jpg', '.jpeg', '.png', '.bmp', '.gif', '.webp'];

export function isImagePath(path: string): boolean {
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') && imageExtensions.includes(path.slice(dot).toLowerCase());
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The file name without its extension. */
export function stem(path: string): string {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** The file extension an image's bytes call for (`.jpg` when unknown). */
export function extensionOf(bytes: Uint8Array): string {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return '.png';
  if (bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46) return '.gif';
  if (bytes[0] === 0x42 && bytes[1] === 0x4d) return '.bmp';
  if (bytes[0] === 0x52 && bytes[1] === 0x49 && bytes[8] === 0x57 && bytes[9] === 0x45) return '.webp';
  return '.jpg';
}

/**
 * An image's pixel size from its header (PNG, GIF, BMP, JPEG), or undefined for anything else. JPEG's stored size
 * is used as is: the service's regions are relative to the stored (not EXIF-rotated) pixels as well.
 */
export function imageSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ext = extensionOf(bytes);
  if (ext === '.png' && bytes.length >= 24) return { width: view.getUint32(16), height: view.getUint32(20) };
  if (ext === '.gif' && bytes.length >= 10) return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
  if (ext === '.bmp' && bytes.length >= 26)
    return { width: Math.abs(view.getInt32(18, true)), height: Math.abs(view.getInt32(22, true)) };
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    const length = view.getUint16(at + 2);
    // Start-of-frame markers (all but DHT C4, JPG C8 and DAC CC) carry height then width.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return { height: view.getUint16(at + 5), width: view.getUint16(at + 7) };
    at += 2 + length;
  }
  return undefined;
}

/** The image's size, from the dataset or its bytes; formats that need pixels cannot do without it. */
export function pixelSize(image: DatasetImage): { width: number; height: number } {
  if (image.width && image.height) return { width: image.width, height: image.height };
  const size = imageSize(image.bytes);
  if (!size) throw new DatasetFormatError(`The size of image ${image.file} cannot be read from its bytes.`);
  return size;
}

/** Tags in first-seen order: the declared ones, then any only images name. */
export function tagList(declared: DatasetTag[], images: DatasetImage[]): DatasetTag[] {
  const tags = new Map(declared.map((t) => [t.name, t]));
  for (const image of images)
    for (const name of [...image.tags, ...image.regions.map((r) => r.tag)])
      if (!tags.has(name)) tags.set(name, { name });
  return [...tags.values()];
}

/** Region tags are image tags too: an image's tag list always includes them. */
export function withRegionTags(image: Omit<DatasetImage, 'tags'> & { tags?: string[] }): DatasetImage {
  const tags = [...(image.tags ?? [])];
  for (const r of image.regions) if (!tags.includes(r.tag)) tags.push(r.tag);
  return { ...image, tags };
}

/** Every file of the tree under `dir/`, as [path, bytes]. */
export function filesUnder(tree: FileTree, dir: string): [string, Uint8Array][] {
  const prefix = dir ? `${dir.replace(/\/+$/, '')}/` : '';
  return [...tree].filter(([path]) => path.startsWith(prefix));
}

/** `name`, or `name-2`, `name-3`... when taken; the result is added to `taken`. */
export function uniqueName(taken: Set<string>, name: string): string {
  let candidate = name;
  const dot = name.lastIndexOf('.');
  for (let n = 2; taken.has(candidate); n++)
    candidate = dot > 0 ? `${name.slice(0, dot)}-${n}${name.slice(dot)}` : `${name}-${n}`;
  taken.add(candidate);
  return candidate;
}

/** FNV-1a over the bytes and their length: enough to tell files of the same name apart without async hashing. */
export function fingerprint(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return `${bytes.length.toString(16)}-${(h >>> 0).toString(16)}`;
}
