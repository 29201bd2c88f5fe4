/**
 * Dataset formats for Custom Vision projects, as pure functions over bytes and a file tree: no Node built-ins, so
 * the portal runs the same code in a browser. Classification: `folders`, `csv`. Object detection: `coco`, `yolo`,
 * `voc`.
 *
 * @example
 * ```ts
 * import { formats } from '@cvkit/cli/formats';
 * const tree = formats.coco.write(dataset); // Map<path, bytes>
 * const back = formats.coco.read(tree);
 * ```
 */
import { coco } from './coco.ts';
import { csv } from './csv.ts';
import type { DatasetFormat, FormatName } from './dataset.ts';
import { folders } from './folders.ts';
import { voc } from './voc.ts';
import { yolo } from './yolo.ts';

export { parseCsv, toCsv } from './csv-text.ts';
export * from './dataset.ts';

export const formats: Record<FormatName, DatasetFormat> = { coco, yolo, voc, csv, folders };

export const formatNames = Object.keys(formats) as FormatName[];

export function formatByName(name: string): DatasetFormat {
  const format = formats[name as FormatName];
  if (!format) throw new Error(`Unknown dataset format "${name}"; one of: ${formatNames.join(', ')}.`);
  return format;
}
