/**
 * One training run through the official SDKs with the real engine (@cvkit/ml), on a compact domain: upload
 * azure-cv-trees with createImagesFromFiles, trainProject, poll getIteration, read the evaluation, publish, classify
 * with the official prediction client, then ask for every export platform and flavor the contract knows and record
 * what each one gives (docs/compatibility.md lists it).
 */
import { readFile } from 'node:fs/promises';
import { PredictionAPIClient } from '@azure/cognitiveservices-customvision-prediction';
import { TrainingAPIClient, type TrainingAPIModels } from '@azure/cognitiveservices-customvision-training';
import { ApiKeyCredentials, type RestError } from '@azure/ms-rest-js';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PREDICTION_KEY,
  startTestServer,
  type TestServer,
  TRAINING_KEY,
} from '../../../packages/server/test/helpers/test-server.ts';
import { findTestImage, readFolderDataset } from '../../lib/folder-dataset.ts';
import { datasetPath } from '../../lib/paths.ts';
import { Recorder, recordOfficial } from '../helpers/recorder.ts';

const GENERAL_COMPACT = '0732100f-1a38-4e49-a514-c9b44c697ab5';

/** Every platform × flavor pair of the contract's enums that Azure documents (null = the platform's default). */
const EXPORTS: [TrainingAPIModels.Platform, TrainingAPIModels.Flavor | null][] = [
  ['ONNX', null],
  ['ONNX', 'ONNX12'],
  ['ONNX', 'ONNX10'],
  ['TensorFlow', null],
  ['TensorFlow', 'TensorFlowNormal'],
  ['TensorFlow', 'TensorFlowLite'],
  // Newer flavors than the SDK's enum knows; the service takes flavor as a string.
  ['TensorFlow', 'TensorFlowLiteFloat16' as TrainingAPIModels.Flavor],
  ['TensorFlow', 'TensorFlowJs' as TrainingAPIModels.Flavor],
  ['CoreML', null],
  ['CoreML', 'CoreMLFloat16' as TrainingAPIModels.Flavor],
  ['DockerFile', null],
  ['DockerFile', 'Linux'],
  ['DockerFile', 'Windows'],
  ['DockerFile', 'ARM'],
  ['VAIDK', null],
  ['OpenVino', null],
];

interface ExportOutcome {
  platform: string;
  flavor: string | null;
  /** `accepted`, or the error of ExportIteration itself. */
  request: string;
  status?: string;
  files?: string[];
}

describe('official SDKs with the real engine: train, evaluate, publish, classify, export', () => {
  const training = new Recorder('official-training', 'compat/official-sdk-real-engine');
  const prediction = new Recorder('official-prediction', 'compat/official-sdk-real-engine');
  const outcomes: ExportOutcome[] = [];
  let s: TestServer;
  let trainer: TrainingAPIClient;
  let predictor: PredictionAPIClient;
  let project: TrainingAPIModels.Project;
  let iteration: TrainingAPIModels.Iteration;

  beforeAll(async () => {
    s = await startTestServer({}, { engine: 'real' });
    trainer = recordOfficial(
      new TrainingAPIClient(new ApiKeyCredentials({ inHeader: { 'Training-key': TRAINING_KEY } }), s.url),
      training,
    );
    predictor = recordOfficial(
      new PredictionAPIClient(new ApiKeyCredentials({ inHeader: { 'Prediction-key': PREDICTION_KEY } }), s.url),
      prediction,
    );
  });
  afterAll(() => s?.stop());

  it('trains on a compact domain and classifies the test image through the prediction client', async () => {
    const dataset = readFolderDataset(datasetPath('azure-cv-trees', 'train'));
    project = await trainer.createProject('trees (official SDK)', {
      domainId: GENERAL_COMPACT,
      classificationType: 'Multiclass',
    });
    for (const tag of dataset.tags) {
      const t = await trainer.createTag(project.id!, tag.name);
      const summary = await trainer.createImagesFromFiles(project.id!, {
        images: await Promise.all(
          tag.files.map(async (f) => ({ name: f.split('/').pop()!, contents: await readFile(f) })),
        ),
        tagIds: [t.id!],
      });
      expect(summary.isBatchSuccessful).toBe(true);
    }
    const started = await trainer.trainProject(project.id!);
    for (iteration = started; iteration.status === 'Training'; ) {
      await new Promise((r) => setTimeout(r, 200));
      iteration = await trainer.getIteration(project.id!, started.id!);
    }
    expect(iteration).toMatchObject({ status: 'Completed', exportable: true });
    expect(iteration.exportableTo).toEqual(expect.arrayContaining(['ONNX', 'TensorFlow']));
    const perf = await trainer.getIterationPerformance(project.id!, iteration.id!);
    expect(perf.precision).toBeGreaterThanOrEqual(0.8);

    await trainer.publishIteration(project.id!, iteration.id!, 'trees', '/subscriptions/0/providers/x/accounts/p');
    const test = findTestImage(datasetPath('azure-cv-trees', 'train'))!;
    const result = await predictor.classifyImage(project.id!, 'trees', await readFile(test.file));
    expect(result.predictions?.[0]?.tagName).toBe(test.expectedTag);
  });

  it('exportIteration for every platform and flavor; getExports until each ends', async () => {
    for (const [platform, flavor] of EXPORTS) {
      try {
        await trainer.exportIteration(project.id!, iteration.id!, platform, flavor ? { flavor } : {});
        outcomes.push({ platform, flavor, request: 'accepted' });
      } catch (e) {
        const err = e as RestError;
        outcomes.push({ platform, flavor, request: `${err.statusCode} ${err.code}` });
      }
    }
    let exports: TrainingAPIModels.ExportModel[] = [];
    // Thirteen exports of a 17 MB model run one after another (a few seconds each on a busy machine).
    for (const deadline = Date.now() + 240_000; Date.now() < deadline; ) {
      exports = await trainer.getExports(project.id!, iteration.id!);
      if (exports.every((e) => e.status !== 'Exporting')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const o of outcomes.filter((x) => x.request === 'accepted')) {
      const e = exports.find((x) => x.platform === o.platform && (x.flavor ?? null) === o.flavor);
      o.status = e?.status ?? 'missing';
      if (e?.status === 'Done') {
        const zip = new Uint8Array(await (await fetch(e.downloadUri!)).arrayBuffer());
        o.files = Object.keys(unzipSync(zip)).sort();
      }
    }
    training.facts.exports = outcomes;
    const done = outcomes.filter((o) => o.status === 'Done').map((o) => `${o.platform}/${o.flavor ?? 'default'}`);
    expect(done).toEqual(
      expect.arrayContaining([
        'ONNX/default',
        'ONNX/ONNX12',
        'TensorFlow/default',
        'TensorFlow/TensorFlowNormal',
        'TensorFlow/TensorFlowLite',
        'TensorFlow/TensorFlowLiteFloat16',
        'TensorFlow/TensorFlowJs',
        'CoreML/default',
        'CoreML/CoreMLFloat16',
      ]),
    );
    // Each package holds the model file Azure's package for that platform and flavor holds.
    const modelFile = (platform: string, flavor: string | null) =>
      outcomes.find((o) => o.platform === platform && o.flavor === flavor)?.files?.find((f) => f.startsWith('model.'));
    expect(modelFile('TensorFlow', null)).toBe('model.pb');
    expect(modelFile('TensorFlow', 'TensorFlowLite')).toBe('model.tflite');
    expect(modelFile('TensorFlow', 'TensorFlowLiteFloat16')).toBe('model.tflite');
    expect(modelFile('TensorFlow', 'TensorFlowJs')).toBe('model.json');
    expect(modelFile('CoreML', null)).toBe('model.mlmodel');
    expect(modelFile('CoreML', 'CoreMLFloat16')).toBe('model.mlmodel');
    // Every package carries its labels (at the top, or inside the app for Docker builds).
    for (const o of outcomes.filter((x) => x.status === 'Done'))
      expect(o.files?.some((f) => f.endsWith('labels.txt'))).toBe(true);
    // Nothing is left hanging: every accepted export ends Done or Failed.
    expect(outcomes.filter((o) => o.request === 'accepted' && !['Done', 'Failed'].includes(o.status!))).toEqual([]);
  }, 300_000);

  // The domain advertises every platform Azure lists for it; the iteration's exportableTo only those the server
  // produces (ONNX, TensorFlow, CoreML, DockerFile), so a client can tell in advance what will work.
  it("an iteration's exportableTo lists only platforms whose default export succeeds", () => {
    const failing = outcomes.filter((o) => o.flavor === null && o.status === 'Failed').map((o) => o.platform);
    expect(iteration.exportableTo?.filter((p) => failing.includes(p as string))).toEqual([]);
  });
});
