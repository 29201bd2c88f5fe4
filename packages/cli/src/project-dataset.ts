/**
 * A project as a `Dataset` and back, through the Training API: what `cvkit dataset export` and `import` do around
 * the formats.
 */
import type { TrainingClient } from '@cvkit/sdk';
import { type Dataset, type DatasetKind, extensionOf, tagList, withRegionTags } from './formats/dataset.ts';
import { downloadImage, mapLimit, uploadLabelled } from './transfer.ts';

export async function projectKind(client: TrainingClient, projectId: string): Promise<DatasetKind> {
  const project = await client.getProject(projectId);
  const domain = project.settings?.domainId ? await client.getDomain(project.settings.domainId) : undefined;
  return domain?.type === 'ObjectDetection' ? 'detection' : 'classification';
}

/** Every image of the project with its bytes, named `<image id><extension>`, oldest first. */
export async function readProject(
  client: TrainingClient,
  projectId: string,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<Dataset> {
  const tags = await client.getTags(projectId);
  const names = new Map(tags.map((t) => [t.id!, t.name!]));
  const images = [];
  for await (const image of client.iterateImages(projectId, { orderBy: 'Oldest' }, { pageSize: 256 }))
    images.push(image);
  let done = 0;
  const withBytes = await mapLimit(images, 8, async (image) => {
    const bytes = await downloadImage(client, projectId, image);
    onProgress(++done, images.length);
    // Azure lists a region's tag among the image's tags; cvkit may not: the dataset always does.
    return withRegionTags({
      file: `${image.id}${extensionOf(bytes)}`,
      bytes,
      ...(image.width && image.height ? { width: image.width, height: image.height } : {}),
      tags: (image.tags ?? []).map((t) => t.tagName ?? names.get(t.tagId!)!),
      regions: (image.regions ?? []).map((r) => ({
        tag: r.tagName ?? names.get(r.tagId!)!,
        left: r.left,
        top: r.top,
        width: r.width,
        height: r.height,
      })),
      metadata: image.metadata ?? {},
    });
  });
  return {
    tags: tags.map((t) => ({
      name: t.name!,
      ...(t.type && t.type !== 'Regular' ? { type: t.type } : {}),
      ...(t.description ? { description: t.description } : {}),
    })),
    images: withBytes,
  };
}

export interface WriteProjectOptions {
  /** Import into this project; default a new one. */
  projectId?: string;
  /** Name of the new project. */
  name: string;
  kind: DatasetKind;
  onProgress?: (done: number, total: number) => void;
}

export interface WriteProjectResult {
  projectId: string;
  created: number;
  duplicates: number;
  failed: { file: string; reason: string }[];
}

/**
 * Creates the project (General domain of the kind; Multilabel when an image has several tags), the tags it lacks
 * (matched by name), and uploads the images 64 at a time.
 */
export async function writeProject(
  client: TrainingClient,
  dataset: Dataset,
  o: WriteProjectOptions,
): Promise<WriteProjectResult> {
  let projectId = o.projectId;
  if (!projectId) {
    const type = o.kind === 'detection' ? 'ObjectDetection' : 'Classification';
    const domain = (await client.getDomains()).find((d) => d.type === type && d.name === 'General');
    const multilabel = dataset.images.some((i) => i.tags.length > 1);
    projectId = (
      await client.createProject({
        name: o.name,
        ...(domain?.id ? { domainId: domain.id } : {}),
        ...(o.kind === 'classification' ? { classificationType: multilabel ? 'Multilabel' : 'Multiclass' } : {}),
      })
    ).id!;
  }
  const existing = new Map((await client.getTags(projectId)).map((t) => [t.name!.toLowerCase(), t.id!]));
  const tagIds = new Map<string, string>();
  for (const t of tagList(dataset.tags, dataset.images)) {
    const id =
      existing.get(t.name.toLowerCase()) ??
      (
        await client.createTag(projectId, {
          name: t.name,
          ...(t.type ? { type: t.type } : {}),
          ...(t.description ? { description: t.description } : {}),
        })
      ).id!;
    tagIds.set(t.name, id);
  }
  const result: WriteProjectResult = { projectId, created: 0, duplicates: 0, failed: [] };
  const step = 64;
  for (let at = 0; at < dataset.images.length; at += step) {
    const slice = dataset.images.slice(at, at + step);
    const answers = await uploadLabelled(
      client,
      projectId,
      slice.map((i) => ({
        bytes: i.bytes,
        name: i.file,
        tagIds: i.tags.map((t) => tagIds.get(t)!),
        regions: i.regions.map(({ tag, ...box }) => ({ ...box, tagId: tagIds.get(tag)! })),
        metadata: i.metadata,
      })),
    );
    answers.forEach((a, k) => {
      if (a?.status === 'OK') result.created++;
      else if (a?.status === 'OKDuplicate') result.duplicates++;
      else
        result.failed.push({
          file: slice[k]!.file,
          reason: a ? `${a.status}${a.message ? `: ${a.message}` : ''}` : 'no answer',
        });
    });
    o.onProgress?.(Math.min(at + step, dataset.images.length), dataset.images.length);
  }
  return result;
}
