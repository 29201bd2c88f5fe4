/**
 * The calls of Custom Vision's object detection quickstart, made with Microsoft's own npm clients
 * (@azure/cognitiveservices-customvision-training / -prediction) against cvkit with the real engine: find the
 * General object detection domain, create the project and its tags, upload the fork / scissors photos with their
 * regions in createImagesFromFiles, train and poll, publish, then detectImage with the prediction client. Our own
 * test code, on the quickstart's photos (data/datasets/azure-cv-fork-scissors).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PredictionAPIClient } from '@azure/cognitiveservices-customvision-prediction';
import { TrainingAPIClient, type TrainingAPIModels } from '@azure/cognitiveservices-customvision-training';
import { ApiKeyCredentials } from '@azure/ms-rest-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PREDICTION_KEY,
  startTestServer,
  type TestServer,
  TRAINING_KEY,
} from '../../../packages/server/test/helpers/test-server.ts';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../data/datasets/azure-cv-fork-scissors');

interface Annotated {
  file: string;
  regions: { tag: string; left: number; top: number; width: number; height: number }[];
}

describe('official SDKs: the object detection quickstart against cvkit (real engine)', () => {
  let s: TestServer;
  let trainer: TrainingAPIClient;
  let predictor: PredictionAPIClient;

  beforeAll(async () => {
    s = await startTestServer({}, { engine: 'real' });
    trainer = new TrainingAPIClient(new ApiKeyCredentials({ inHeader: { 'Training-key': TRAINING_KEY } }), s.url);
    predictor = new PredictionAPIClient(
      new ApiKeyCredentials({ inHeader: { 'Prediction-key': PREDICTION_KEY } }),
      s.url,
    );
  });
  afterAll(() => s?.stop());

  it('creates, uploads with regions, trains, publishes and detects', async () => {
    const domains = await trainer.getDomains();
    const domain = domains.find((d) => d.type === 'ObjectDetection' && d.name === 'General')!;
    expect(domain).toBeDefined();
    const project = await trainer.createProject('Fork and scissors', { domainId: domain.id! });
    const tags: Record<string, TrainingAPIModels.Tag> = {
      fork: await trainer.createTag(project.id!, 'fork'),
      scissors: await trainer.createTag(project.id!, 'scissors'),
    };
    const photos = (
      JSON.parse(readFileSync(path.join(DIR, 'annotations.json'), 'utf8')) as { images: Annotated[] }
    ).images.filter((p) => p.file.startsWith('train/'));
    const summary = await trainer.createImagesFromFiles(project.id!, {
      images: photos.map((p) => ({
        name: path.basename(p.file),
        contents: readFileSync(path.join(DIR, p.file)),
        regions: p.regions.map((r) => ({
          tagId: tags[r.tag]!.id!,
          left: r.left,
          top: r.top,
          width: r.width,
          height: r.height,
        })),
      })),
    });
    expect(summary.isBatchSuccessful).toBe(true);
    expect(summary.images?.[0]?.image?.regions?.[0]?.tagName).toBeDefined();

    let iteration = await trainer.trainProject(project.id!);
    while (iteration.status === 'Training') {
      await new Promise((r) => setTimeout(r, 500));
      iteration = await trainer.getIteration(project.id!, iteration.id!);
    }
    expect(iteration.status).toBe('Completed');
    const performance = await trainer.getIterationPerformance(project.id!, iteration.id!, {
      threshold: 0.5,
      overlapThreshold: 0.5,
    });
    expect(performance.averagePrecision).toBeGreaterThanOrEqual(0.85);
    expect(performance.perTagPerformance).toHaveLength(2);

    await trainer.publishIteration(
      project.id!,
      iteration.id!,
      'detectModel',
      '/subscriptions/0/providers/x/accounts/p',
    );
    const result = await predictor.detectImage(
      project.id!,
      'detectModel',
      readFileSync(path.join(DIR, 'test/fork/test_image.jpg')),
    );
    const top = result.predictions![0]!;
    expect(top.tagName).toBe('fork');
    expect(top.boundingBox).toMatchObject({
      left: expect.any(Number),
      top: expect.any(Number),
      width: expect.any(Number),
      height: expect.any(Number),
    });
    expect(top.probability).toBeGreaterThan(0.3);
  }, 240_000);
});
