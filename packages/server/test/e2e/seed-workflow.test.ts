/**
 * The workflow Azure Custom Vision's quickstart teaches, end to end through @cvkit/sdk against a server running the
 * real engine (@cvkit/ml): create project → upload Hemlock and Japanese Cherry → train → read precision and
 * recall → quick test → add that prediction to training → retrain → publish → classify through the Prediction API.
 */
import { PredictionClient, TrainingClient } from '@cvkit/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetImages } from '../helpers/datasets.ts';
import { PREDICTION_KEY, startTestServer, type TestServer, TRAINING_KEY } from '../helpers/test-server.ts';

describe('seed workflow on azure-cv-trees with the real engine', () => {
  let s: TestServer;
  let trainer: TrainingClient;
  let predictor: PredictionClient;
  const train = datasetImages('azure-cv-trees', 'train');
  const test = datasetImages('azure-cv-trees', 'test');

  beforeAll(async () => {
    s = await startTestServer({}, { engine: 'real' });
    trainer = new TrainingClient({ endpoint: s.url, trainingKey: TRAINING_KEY });
    predictor = new PredictionClient({ endpoint: s.url, predictionKey: PREDICTION_KEY });
  }, 60_000);
  afterAll(() => s?.stop());

  it('trains, evaluates, quick-tests, retrains with the test image, publishes and classifies', async () => {
    const project = await trainer.createProject({ name: 'Trees', classificationType: 'Multiclass' });
    const tagIds: Record<string, string> = {};
    for (const name of train.keys()) tagIds[name] = (await trainer.createTag(project.id!, { name })).id!;
    for (const [name, files] of train) {
      const summary = await trainer.uploadImages(
        project.id!,
        files.map(
          (f: { file: string; bytes: Buffer }) => new File([new Uint8Array(f.bytes)], f.file, { type: 'image/jpeg' }),
        ),
        { tagIds: [tagIds[name]!] },
      );
      expect(summary.isBatchSuccessful).toBe(true);
    }

    const first = await trainer.trainProject(project.id!);
    expect(first.status).toBe('Training');
    const done = await trainer.waitForTraining(project.id!, first.id!, { intervalMs: 200, timeoutMs: 120_000 });
    expect(done.status).toBe('Completed');

    const perf = await trainer.getIterationPerformance(project.id!, done.id!, { threshold: 0.5 });
    expect(perf.perTagPerformance?.map((t) => t.name).sort()).toEqual([...train.keys()].sort());
    for (const t of perf.perTagPerformance ?? []) {
      expect(t.precision).toBeGreaterThanOrEqual(0.8);
      expect(t.recall).toBeGreaterThanOrEqual(0.8);
    }

    const [hemlockTest] = test.get('Hemlock') ?? [];
    const quick = await trainer.quickTestImage(project.id!, new Uint8Array(hemlockTest!.bytes), {
      iterationId: done.id!,
    });
    expect(quick.predictions?.[0]?.tagName).toBe('Hemlock');

    const added = await trainer.createImagesFromPredictions(project.id!, {
      images: [{ id: quick.id!, tagIds: [tagIds.Hemlock!] }],
    });
    expect(added.isBatchSuccessful).toBe(true);
    const second = await trainer.trainProject(project.id!);
    const retrained = await trainer.waitForTraining(project.id!, second.id!, { intervalMs: 100, timeoutMs: 60_000 });
    expect(retrained.status).toBe('Completed');
    expect(await trainer.getTaggedImageCount(project.id!, { iterationId: retrained.id! })).toBe(21);

    await trainer.publishIteration(project.id!, retrained.id!, {
      publishName: 'treeClassifierModel',
      predictionId: '/subscriptions/0/resourceGroups/r/providers/Microsoft.CognitiveServices/accounts/p',
    });
    for (const [name, files] of test) {
      const result = await predictor.classifyImage(project.id!, 'treeClassifierModel', new Uint8Array(files[0]!.bytes));
      expect(result.predictions?.[0]?.tagName).toBe(name);
      expect(result.predictions?.[0]?.probability).toBeGreaterThan(0.5);
    }
  }, 240_000);

  it('Advanced training searches its settings within the budget and still completes', async () => {
    const [project] = (await trainer.getProjects()).filter((p) => p.name === 'Trees');
    const it0 = await trainer.trainProject(project!.id!, {
      trainingType: 'Advanced',
      forceTrain: true,
      reservedBudgetInHours: 1,
    });
    expect(it0.trainingType).toBe('Advanced');
    const done = await trainer.waitForTraining(project!.id!, it0.id!, { intervalMs: 100, timeoutMs: 120_000 });
    expect(done.status).toBe('Completed');
    const perf = await trainer.getIterationPerformance(project!.id!, done.id!);
    expect(perf.precision).toBeGreaterThanOrEqual(0.8);
  }, 180_000);
});
