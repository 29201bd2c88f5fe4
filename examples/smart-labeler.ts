/**
 * The smart labeler: tag a few images by hand, train, let the model suggest tags for the rest, accept the
 * confident suggestions, and retrain on the larger set.
 *
 *   npx tsx examples/smart-labeler.ts [train-folder] [--tagged n] [--per-tag n] [--accept 0.9]
 *
 * From a folder dataset (default data/datasets/ai102-fruit/train) the first `--tagged` images of each tag (5,
 * the minimum to train) go in tagged and the rest untagged. The folder names are kept aside only to report how many
 * accepted suggestions were right.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { TrainingModels } from '@cvkit/sdk';
import { imageFromFile } from '@cvkit/sdk/node';
import { isMain, run } from './lib/cli.ts';
import { type ConnectOptions, connect } from './lib/connect.ts';
import { readFolderDataset } from './lib/folder-dataset.ts';
import { consoleOutput, pct } from './lib/output.ts';
import { datasetPath } from './lib/paths.ts';
import {
  collectUploaded,
  createTags,
  printPerformance,
  projectName,
  trainAndWait,
  uploadFolderDataset,
} from './lib/steps.ts';

export interface SmartLabelerOptions extends ConnectOptions {
  trainDir?: string;
  /** Images per tag uploaded with their tag (default 5). */
  tagged?: number;
  /** Images per tag used at all (default: every image). */
  perTag?: number;
  /** Suggestions at or above this probability are accepted (default 0.9). */
  acceptThreshold?: number;
}

export interface SmartLabelerResult {
  projectId: string;
  untagged: number;
  /** Suggested images per tag, from QuerySuggestedImageCount at the accept threshold. */
  suggestedCounts: Record<string, number>;
  accepted: number;
  /** Accepted suggestions that match the folder the image came from. */
  acceptedCorrect: number;
  leftUntagged: number;
  before: TrainingModels.IterationPerformance;
  after: TrainingModels.IterationPerformance;
}

export async function main(options: SmartLabelerOptions = {}): Promise<SmartLabelerResult> {
  const out = options.out ?? consoleOutput();
  const tagged = options.tagged ?? 5;
  const accept = options.acceptThreshold ?? 0.9;
  const all = readFolderDataset(
    resolve(options.trainDir ?? datasetPath('ai102-fruit', 'train')),
    options.perTag ? { perTag: options.perTag } : {},
  );
  const labelled = all.tags.map((t) => ({ name: t.name, files: t.files.slice(0, tagged) }));
  const rest = all.tags.flatMap((t) => t.files.slice(tagged).map((file) => ({ file, truth: t.name })));
  out.log(`${all.root}: ${tagged} tagged images per tag, ${rest.length} left untagged`);

  const conn = await connect({ ...options, out });
  const { trainer } = conn;
  try {
    const project = await trainer.createProject({
      name: projectName('smart labeler'),
      classificationType: 'Multiclass',
    });
    const projectId = project.id!;
    out.log(`Created project "${project.name}" (${projectId})`);
    const tagIds = await createTags(
      trainer,
      projectId,
      all.tags.map((t) => t.name),
      out,
    );
    const tagNames = new Map([...tagIds].map(([name, id]) => [id, name]));
    await uploadFolderDataset(
      trainer,
      projectId,
      { root: all.root, tags: labelled, imageCount: labelled.reduce((n, t) => n + t.files.length, 0) },
      tagIds,
      out,
    );

    // The rest goes in without tags; remember each image's folder to score the suggestions later.
    const summary = await trainer.uploadImages(projectId, await Promise.all(rest.map((r) => imageFromFile(r.file))), {
      onProgress: (p) => out.progress('Uploading untagged', p.done, rest.length),
    });
    const truth = new Map<string, string>();
    summary.images.forEach((r, i) => {
      if (r.image?.id) truth.set(r.image.id, rest[i]!.truth);
    });
    collectUploaded(summary.images, out);
    const untaggedIds = [...truth.keys()];

    const first = await trainAndWait(trainer, projectId, out, { pollMs: conn.pollMs });
    const before = await printPerformance(trainer, projectId, first.id!, out);

    // Ask the iteration for suggestions (SuggestTagsAndRegions takes at most 64 images per call).
    let shown = 0;
    for (let i = 0; i < untaggedIds.length; i += 64) {
      const suggestions = await trainer.suggestTagsAndRegions(projectId, {
        iterationId: first.id!,
        imageIds: untaggedIds.slice(i, i + 64),
      });
      for (const s of suggestions) {
        if (shown++ >= 5) continue;
        const top = s.predictions?.[0];
        out.log(
          `  suggestion for ${s.id}: ${top?.tagName} ${pct(top?.probability)} (uncertainty ${s.predictionUncertainty?.toFixed(2)})`,
        );
      }
      out.progress('Suggesting', Math.min(i + 64, untaggedIds.length), untaggedIds.length);
    }

    // How many untagged images each tag would get at the threshold, then the images themselves, surest first.
    const allTagIds = [...tagIds.values()];
    const counts = await trainer.querySuggestedImageCount(
      projectId,
      { tagIds: allTagIds, threshold: accept },
      { iterationId: first.id! },
    );
    const suggestedCounts = Object.fromEntries(Object.entries(counts).map(([id, n]) => [tagNames.get(id) ?? id, n]));
    out.log(
      `Suggested at ≥ ${pct(accept).trim()}: ${Object.entries(suggestedCounts)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}`,
    );

    const accepted: { imageId: string; tagId: string }[] = [];
    for await (const s of trainer.iterateSuggestedImages(projectId, first.id!, {
      tagIds: allTagIds,
      threshold: accept,
      sortBy: 'UncertaintyAscending',
      maxCount: 64,
    })) {
      const top = s.predictions?.[0];
      if (top?.tagId && (top.probability ?? 0) >= accept) accepted.push({ imageId: s.id!, tagId: top.tagId });
    }
    for (let i = 0; i < accepted.length; i += 64)
      await trainer.createImageTags(projectId, { tags: accepted.slice(i, i + 64) });
    const acceptedCorrect = accepted.filter((a) => truth.get(a.imageId) === tagNames.get(a.tagId)).length;
    const leftUntagged = await trainer.getUntaggedImageCount(projectId);
    out.log(
      `Accepted ${accepted.length} suggestions (${acceptedCorrect} match their folder); ${leftUntagged} images left untagged`,
    );
    for (const a of accepted.filter((x) => truth.get(x.imageId) !== tagNames.get(x.tagId)).slice(0, 5))
      out.log(`  wrong: ${a.imageId} tagged ${tagNames.get(a.tagId)}, was ${truth.get(a.imageId)}`);

    const second = await trainAndWait(trainer, projectId, out, { pollMs: conn.pollMs });
    const after = await printPerformance(trainer, projectId, second.id!, out);
    const trainedOn = await trainer.getTaggedImageCount(projectId, { iterationId: second.id! });
    out.log(
      `${second.name} trained on ${trainedOn} tagged images, ${accepted.length} of them labelled by accepting suggestions`,
    );
    return {
      projectId,
      untagged: untaggedIds.length,
      suggestedCounts,
      accepted: accepted.length,
      acceptedCorrect,
      leftUntagged,
      before,
      after,
    };
  } finally {
    await conn.stop();
  }
}

if (isMain(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { tagged: { type: 'string' }, 'per-tag': { type: 'string' }, accept: { type: 'string' } },
  });
  run(() =>
    main({
      ...(positionals[0] ? { trainDir: positionals[0] } : {}),
      ...(values.tagged ? { tagged: Number(values.tagged) } : {}),
      ...(values['per-tag'] ? { perTag: Number(values['per-tag']) } : {}),
      ...(values.accept ? { acceptThreshold: Number(values.accept) } : {}),
    }),
  );
}
