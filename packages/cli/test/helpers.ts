import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrainingClient } from '@cvkit/sdk';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const datasetDir = (name: string) => join(repoRoot, 'data', 'datasets', name);

export function client(url: string, trainingKey: string): TrainingClient {
  return new TrainingClient({ endpoint: url, trainingKey, retry: { maxRetries: 10 } });
}

/**
 * A multiclass project from azure-cv-trees (train split): its two tags, a described Negative tag holding two
 * fork-scissors photos, metadata on every other image and one untagged image.
 */
export async function seedClassification(trainer: TrainingClient, name = 'trees'): Promise<string> {
  const { id } = await trainer.createProject({ name, description: 'trees to move', classificationType: 'Multiclass' });
  const projectId = id!;
  const tags: Record<string, string> = {};
  for (const tag of ['Hemlock', 'Japanese_Cherry'])
    tags[tag] = (await trainer.createTag(projectId, { name: tag, description: `${tag} trees` })).id!;
  tags.none = (await trainer.createTag(projectId, { name: 'none', type: 'Negative', description: 'no tree' })).id!;
  const root = join(datasetDir('azure-cv-trees'), 'train');
  const files = ['Hemlock', 'Japanese_Cherry'].flatMap((tag) =>
    readdirSync(join(root, tag))
      .sort()
      .map((f) => ({ path: join(root, tag, f), tag })),
  );
  const forks = join(datasetDir('azure-cv-fork-scissors'), 'train', 'fork');
  for (const f of readdirSync(forks).sort().slice(0, 2)) files.push({ path: join(forks, f), tag: 'none' });
  for (const [i, f] of files.entries())
    await trainer.uploadImages(projectId, [{ image: readFileSync(f.path), tagIds: [tags[f.tag]!] }], {
      ...(i % 2 ? {} : { metadata: { index: String(i), site: i % 4 ? 'north' : 'south' } }),
    });
  const scissors = join(datasetDir('azure-cv-fork-scissors'), 'train', 'scissors');
  await trainer.uploadImages(projectId, [readFileSync(join(scissors, readdirSync(scissors).sort()[0]!))]);
  return projectId;
}

interface Annotated {
  file: string;
  regions: { tag: string; left: number; top: number; width: number; height: number }[];
}

/** An object-detection project from azure-cv-fork-scissors' annotations.json (train split), metadata on some. */
export async function seedDetection(trainer: TrainingClient, name = 'fork and scissors', limit?: number) {
  const root = datasetDir('azure-cv-fork-scissors');
  const annotations = (
    JSON.parse(readFileSync(join(root, 'annotations.json'), 'utf8')) as { images: Annotated[] }
  ).images.filter((i) => i.file.startsWith('train/'));
  const picked = limit ? annotations.slice(0, limit) : annotations;
  const domain = (await trainer.getDomains()).find((d) => d.type === 'ObjectDetection' && d.name === 'General');
  const { id } = await trainer.createProject({ name, domainId: domain!.id! });
  const projectId = id!;
  const tags = new Map<string, string>();
  tags.set('fork', (await trainer.createTag(projectId, { name: 'fork', description: 'a fork' })).id!);
  tags.set('scissors', (await trainer.createTag(projectId, { name: 'scissors' })).id!);
  for (const [k, group] of [picked.filter((_, i) => i % 2 === 0), picked.filter((_, i) => i % 2 === 1)].entries())
    await trainer.uploadImages(
      projectId,
      group.map((a) => ({
        image: readFileSync(join(root, a.file)),
        regions: a.regions.map(({ tag, ...box }) => ({ ...box, tagId: tags.get(tag)! })),
      })),
      k ? {} : { metadata: { camera: 'A' } },
    );
  return { projectId, images: picked.length, regions: picked.reduce((n, a) => n + a.regions.length, 0) };
}
