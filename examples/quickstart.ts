/**
 * The Custom Vision workshop, end to end, on a folder of tagged images (one sub-folder per tag):
 *
 *   create a project → upload → train → precision/recall per tag → quick test an image → add that image to the
 *   training set → retrain → publish → classify through the prediction URL → export (ONNX, else TensorFlow)
 *
 *   npx tsx examples/quickstart.ts [train-folder] [--test image] [--per-tag n] [--out dir] [--delete]
 *
 * Without CUSTOM_VISION_ENDPOINT it starts a cvkit server in-process; with the CUSTOM_VISION_* variables it runs
 * against Azure (see lib/connect.ts). The default folder is data/datasets/azure-cv-trees/train.
 */
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { TrainingModels } from '@cvkit/sdk';
import { isMain, run } from './lib/cli.ts';
import { type ConnectOptions, connect, requirePredictionResourceId } from './lib/connect.ts';
import { findTestImage, readFolderDataset } from './lib/folder-dataset.ts';
import { consoleOutput } from './lib/output.ts';
import { datasetPath } from './lib/paths.ts';
import {
  classifyFile,
  compactClassificationDomain,
  createTags,
  type DownloadedExport,
  exportAndDownload,
  printPerformance,
  printPredictions,
  projectName,
  trainAndWait,
  uploadFolderDataset,
} from './lib/steps.ts';

export interface QuickstartOptions extends ConnectOptions {
  /** One sub-folder of images per tag; default data/datasets/azure-cv-trees/train. */
  trainDir?: string;
  /** The image to quick-test, add to training and classify; default: the first one in `<trainDir>/../test`. */
  testImage?: string;
  /** Use only the first n images of each tag. */
  perTag?: number;
  publishName?: string;
  /** Write the export's zip here. */
  outDir?: string;
  /** Unpublish and delete the project at the end. */
  deleteProject?: boolean;
}

export interface QuickstartResult {
  projectId: string;
  tags: string[];
  iterations: TrainingModels.Iteration[];
  performance: TrainingModels.IterationPerformance;
  quickTest: TrainingModels.ImagePrediction;
  /** The tag the test image was added to training with. */
  testTag: string;
  prediction: TrainingModels.ImagePrediction;
  export: DownloadedExport | undefined;
}

export async function main(options: QuickstartOptions = {}): Promise<QuickstartResult> {
  const out = options.out ?? consoleOutput();
  const trainDir = resolve(options.trainDir ?? datasetPath('azure-cv-trees', 'train'));
  const found = options.testImage ? undefined : findTestImage(trainDir);
  let dataset = readFolderDataset(trainDir, options.perTag ? { perTag: options.perTag } : {});
  let testImage = options.testImage ?? found?.file;
  let expectedTag = found?.expectedTag;
  if (!testImage) {
    // No test folder: hold out the last image of the first tag.
    const [first, ...rest] = dataset.tags;
    testImage = first!.files.at(-1)!;
    expectedTag = first!.name;
    dataset = {
      ...dataset,
      tags: [{ ...first!, files: first!.files.slice(0, -1) }, ...rest],
      imageCount: dataset.imageCount - 1,
    };
  }
  out.log(`Dataset ${dataset.root}: ${dataset.tags.map((t) => `${t.name} (${t.files.length})`).join(', ')}`);

  const conn = await connect({ ...options, out });
  const { trainer, predictor } = conn;
  try {
    // 1. A multiclass project on the compact domain, so that the model can be exported at the end.
    const domain = await compactClassificationDomain(trainer);
    const project = await trainer.createProject({
      name: projectName('quickstart'),
      domainId: domain.id!,
      classificationType: 'Multiclass',
    });
    const projectId = project.id!;
    out.log(`Created project "${project.name}" (${projectId}) on domain ${domain.name}`);

    // 2. Tags and images.
    const tagIds = await createTags(
      trainer,
      projectId,
      dataset.tags.map((t) => t.name),
      out,
    );
    await uploadFolderDataset(trainer, projectId, dataset, tagIds, out);

    // 3. Train and evaluate.
    const first = await trainAndWait(trainer, projectId, out, { pollMs: conn.pollMs });
    const performance = await printPerformance(trainer, projectId, first.id!, out);

    // 4. Quick test: the prediction is stored, so it can join the training set.
    const quickTest = await trainer.quickTestImage(projectId, await readFile(testImage), { iterationId: first.id! });
    printPredictions(`Quick test of ${basename(testImage)}`, quickTest, out);

    // 5. Add the tested image to training, with its true tag (its folder) or else the predicted one, and retrain.
    const testTag =
      expectedTag && tagIds.has(expectedTag)
        ? expectedTag
        : (quickTest.predictions?.[0]?.tagName ?? dataset.tags[0]!.name);
    const added = await trainer.createImagesFromPredictions(projectId, {
      images: [{ id: quickTest.id!, tagIds: [tagIds.get(testTag)!] }],
    });
    out.log(`Added the quick-test image to training as ${testTag}: ${added.images?.[0]?.status}`);
    const second = await trainAndWait(trainer, projectId, out, { pollMs: conn.pollMs });

    // 6. Publish, then classify through the Prediction API as an application would.
    const publishName = options.publishName ?? 'quickstartModel';
    await trainer.publishIteration(projectId, second.id!, {
      publishName,
      predictionId: requirePredictionResourceId(conn),
    });
    out.log(`Published ${second.name} as "${publishName}"`);
    out.log(
      `Prediction URL: ${predictor.baseUrl}/${projectId}/classify/iterations/${encodeURIComponent(publishName)}/image`,
    );
    const prediction = await classifyFile(predictor, projectId, publishName, testImage);
    printPredictions('Prediction API', prediction, out);

    // 7. Export the model for offline use.
    const exported = await exportAndDownload(trainer, projectId, second, ['ONNX', 'TensorFlow'], out, conn.pollMs);
    if (exported && options.outDir) {
      const file = join(resolve(options.outDir), `${projectId}.${exported.platform}.zip`);
      writeFileSync(file, exported.zip);
      out.log(`Saved ${file}`);
    }

    if (options.deleteProject) {
      await trainer.unpublishIteration(projectId, second.id!);
      await trainer.deleteProject(projectId);
      out.log(`Deleted project ${projectId}`);
    }
    return {
      projectId,
      tags: [...tagIds.keys()],
      iterations: [first, second],
      performance,
      quickTest,
      testTag,
      prediction,
      export: exported,
    };
  } finally {
    await conn.stop();
  }
}

if (isMain(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      test: { type: 'string' },
      'per-tag': { type: 'string' },
      out: { type: 'string' },
      delete: { type: 'boolean' },
    },
  });
  run(() =>
    main({
      ...(positionals[0] ? { trainDir: positionals[0] } : {}),
      ...(values.test ? { testImage: values.test } : {}),
      ...(values['per-tag'] ? { perTag: Number(values['per-tag']) } : {}),
      ...(values.out ? { outDir: values.out } : {}),
      deleteProject: values.delete ?? false,
    }),
  );
}
