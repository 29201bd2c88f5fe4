/** Files chosen or dropped for upload: folders walked, each file's folder kept, problems found before sending. */
import { maxTrainingImageBytes } from '@cvkit/sdk';
import { megabytes } from './ui/format.ts';

export interface PickedFile {
  file: File;
  /** The folder the file came from (its tag suggestion), when it came from one. */
  folder: string | null;
  /** Why it will not be sent, when known before sending. */
  problem?: string;
}

/** The formats Custom Vision accepts for training: JPEG, PNG, BMP and GIF, told by their first bytes. */
function isImage(head: Uint8Array): boolean {
  const b = (i: number) => head[i] ?? -1;
  return (
    (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) ||
    (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47) ||
    (b(0) === 0x47 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x38) ||
    (b(0) === 0x42 && b(1) === 0x4d)
  );
}

export async function check(file: File, folder: string | null): Promise<PickedFile> {
  if (file.size > maxTrainingImageBytes)
    return { file, folder, problem: `over 6 MB (${megabytes(file.size)}): Custom Vision takes images up to 6 MB` };
  const head = new Uint8Array(await file.slice(0, 12).arrayBuffer());
  if (!isImage(head))
    return { file, folder, problem: 'not an image: Custom Vision takes JPEG, PNG, BMP and GIF files' };
  return { file, folder };
}

/** Files of an <input type=file> (with `webkitdirectory`, each carries its relative path). */
export function fromInput(list: FileList | File[]): Promise<PickedFile[]> {
  return Promise.all(
    [...list]
      .filter((f) => !f.name.startsWith('.'))
      .map((f) => {
        const parts = (f.webkitRelativePath || '').split('/');
        return check(f, parts.length > 1 ? (parts[parts.length - 2] ?? null) : null);
      }),
  );
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function walk(entry: FileSystemEntry, folder: string | null, out: Promise<PickedFile>[]): Promise<void> {
  if (entry.name.startsWith('.')) return;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push(check(file, folder));
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries answers in pieces (100 at a time in Chromium) until it answers nothing.
    for (let batch = await readEntries(reader); batch.length > 0; batch = await readEntries(reader))
      for (const child of batch) await walk(child, entry.name, out);
  }
}

/** Files and folders dropped on the page. */
export async function fromDrop(data: DataTransfer): Promise<PickedFile[]> {
  const entries = [...data.items]
    .filter((i) => i.kind === 'file')
    .map((i) => i.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => Boolean(e));
  if (entries.length === 0) return Promise.all([...data.files].map((f) => check(f, null)));
  const out: Promise<PickedFile>[] = [];
  for (const e of entries) await walk(e, null, out);
  return Promise.all(out);
}

const statusText: Record<string, string> = {
  ErrorSource: 'could not be read',
  ErrorImageFormat: 'not an image the service can decode',
  ErrorImageSize: 'over 6 MB',
  ErrorStorage: 'could not be stored',
  ErrorLimitExceed: 'the project has reached its image limit',
  ErrorTagLimitExceed: 'too many tags',
  ErrorRegionLimitExceed: 'too many regions',
  ErrorNegativeAndRegularTagOnSameImage: 'Negative cannot be combined with another tag',
  ErrorUnknown: 'failed for an unknown reason',
};

export function describeStatus(status: string | undefined): string {
  return statusText[status ?? ''] ?? status ?? 'failed';
}
