/** Reading and changing a project's training images in the chunks the API accepts. */
import type { TrainingModels } from '@cvkit/sdk';
import { trainer } from './session.ts';

export type Image = TrainingModels.Image;
export type ImageFilter = { mode: 'all' | 'tagged' | 'untagged'; tagId?: string | undefined };

const page = 256;

async function pages(fetchPage: (skip: number, take: number) => Promise<Image[]>, limit: number): Promise<Image[]> {
  const out: Image[] = [];
  while (out.length < limit) {
    const batch = await fetchPage(out.length, Math.min(page, limit - out.length));
    out.push(...batch);
    if (batch.length < page) break;
  }
  return out;
}

/** Newest first; `limit` images at most of each kind. */
export async function listImages(projectId: string, filter: ImageFilter, limit: number): Promise<Image[]> {
  const t = trainer();
  const tagged = () =>
    pages(
      (skip, take) =>
        t.getTaggedImages(projectId, {
          skip,
          take,
          orderBy: 'Newest',
          ...(filter.tagId ? { tagIds: [filter.tagId] } : {}),
        }),
      limit,
    );
  const untagged = () =>
    pages((skip, take) => t.getUntaggedImages(projectId, { skip, take, orderBy: 'Newest' }), limit);
  if (filter.mode === 'tagged' || filter.tagId) return tagged();
  if (filter.mode === 'untagged') return untagged();
  const [a, b] = await Promise.all([untagged(), tagged()]);
  return [...a, ...b].sort((x, y) => (y.created ?? '').localeCompare(x.created ?? ''));
}

export async function imageCounts(projectId: string): Promise<{ tagged: number; untagged: number }> {
  const t = trainer();
  const [tagged, untagged] = await Promise.all([t.getTaggedImageCount(projectId), t.getUntaggedImageCount(projectId)]);
  return { tagged, untagged };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function addTags(
  projectId: string,
  imageIds: readonly string[],
  tagIds: readonly string[],
): Promise<void> {
  const pairs = imageIds.flatMap((imageId) => tagIds.map((tagId) => ({ imageId, tagId })));
  for (const part of chunks(pairs, 128)) await trainer().createImageTags(projectId, { tags: part });
}

export async function removeTags(
  projectId: string,
  imageIds: readonly string[],
  tagIds: readonly string[],
): Promise<void> {
  if (tagIds.length === 0) return;
  for (const ids of chunks(imageIds, 64))
    for (const tags of chunks(tagIds, 20)) await trainer().deleteImageTags(projectId, { imageIds: ids, tagIds: tags });
}

export async function deleteImages(projectId: string, imageIds: readonly string[]): Promise<void> {
  for (const ids of chunks(imageIds, 256)) await trainer().deleteImages(projectId, { imageIds: ids });
}

export async function reloadImage(projectId: string, imageId: string): Promise<Image | undefined> {
  const [image] = await trainer().getImagesByIds(projectId, { imageIds: [imageId] });
  return image;
}
