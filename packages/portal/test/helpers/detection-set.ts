/** Detection projects with the fork and scissors photos and their boxes, made through the SDK to save time. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrainingClient } from '@cvkit/sdk';
import { repoRoot } from './browser.ts';

export const forksAndScissors = join(repoRoot, 'data/datasets/azure-cv-fork-scissors');
type Annotated = { file: string; regions: { tag: string; left: number; top: number; width: number; height: number }[] };

export const devTrainer = (endpoint: string) => new TrainingClient({ endpoint, trainingKey: 'cvkit-dev-training-key' });

/** A new Object Detection project (General domain) holding `count` training photos of the set, each with its boxes. */
export async function uploadForksAndScissors(endpoint: string, name: string, count = 40): Promise<string> {
  const trainer = devTrainer(endpoint);
  const domains = await trainer.getDomains();
  const domain = domains.find((d) => d.type === 'ObjectDetection' && d.name === 'General');
  const project = await trainer.createProject({ name, domainId: domain!.id! });
  const { images } = JSON.parse(readFileSync(join(forksAndScissors, 'annotations.json'), 'utf8')) as {
    images: Annotated[];
  };
  const train = images.filter((i) => i.file.startsWith('train/'));
  // Both tags in a small set too: forks come first in the file, scissors last.
  const chosen = count >= train.length ? train : [...train.slice(0, count / 2), ...train.slice(-count / 2)];
  const tagIds = new Map<string, string>();
  for (const tag of new Set(chosen.flatMap((i) => i.regions.map((r) => r.tag))))
    tagIds.set(tag, (await trainer.createTag(project.id!, { name: tag })).id!);
  const summary = await trainer.createImagesFromFiles(project.id!, {
    images: chosen.map((i) => ({
      name: i.file,
      contents: readFileSync(join(forksAndScissors, i.file)).toString('base64'),
      regions: i.regions.map(({ tag, left, top, width, height }) => ({
        tagId: tagIds.get(tag)!,
        left,
        top,
        width,
        height,
      })),
    })),
  });
  if (!summary.isBatchSuccessful) throw new Error(`upload failed: ${JSON.stringify(summary.images?.[0])}`);
  return project.id!;
}
