/**
 * Differences from Azure found while writing the examples and the compatibility suites, now fixed in the server;
 * kept as regression tests.
 */
import { TrainingClient } from '@cvkit/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeEngine } from '../../../packages/server/test/helpers/fake-engine.ts';
import { jpeg } from '../../../packages/server/test/helpers/images.ts';
import { startTestServer, type TestServer, TRAINING_KEY } from '../../../packages/server/test/helpers/test-server.ts';

const colour = (tag: 'red' | 'blue', i: number) =>
  jpeg(20, 20, tag === 'red' ? [250 - i * 9, i * 7, 10] : [i * 7, 10, 250 - i * 9]);

describe('known server differences (stand-in engine)', () => {
  let s: TestServer;
  let trainer: TrainingClient;
  let projectId: string;
  let iterationId: string;
  const engine = fakeEngine();
  let predictCalls = 0;
  const predict = engine.predict.bind(engine);
  engine.predict = async (model, image) => {
    predictCalls++;
    return predict(model, image);
  };

  beforeAll(async () => {
    s = await startTestServer({}, { engine });
    trainer = new TrainingClient({ endpoint: s.url, trainingKey: TRAINING_KEY });
    projectId = (await trainer.createProject({ name: 'issues', classificationType: 'Multiclass' })).id!;
    for (const tag of ['red', 'blue'] as const) {
      const t = await trainer.createTag(projectId, { name: tag });
      await trainer.uploadImages(projectId, await Promise.all([0, 1, 2, 3, 4].map((i) => colour(tag, i))), {
        tagIds: [t.id!],
      });
    }
    const it = await trainer.trainProject(projectId);
    iterationId = (await trainer.waitForTraining(projectId, it.id!, { intervalMs: 20 })).id!;
    // Ten untagged images for the smart labeler.
    await trainer.uploadImages(
      projectId,
      await Promise.all([10, 11, 12, 13, 14, 15, 16, 17, 18, 19].map((i) => colour(i % 2 ? 'red' : 'blue', i))),
    );
  });
  afterAll(() => s?.stop());

  // Azure: "iterationId: The iteration id. Defaults to workspace." GetTags/GetTag answer the tags (and image
  // counts) an iteration was trained with; cvkit ignores the parameter and answers the workspace's tags.
  it('GetTags with iterationId lists the tags of that iteration, not tags created after it', async () => {
    await trainer.createTag(projectId, { name: 'added later' });
    const tags = await trainer.getTags(projectId, { iterationId });
    expect(tags.map((t) => t.name).sort()).toEqual(['blue', 'red']);
  });

  // QuerySuggestedImages runs the model over every untagged image of the project on every call, so paging through
  // n untagged images k at a time costs n²/k predictions (Azure serves the suggestions SuggestTagsAndRegions
  // stored). With 10 images and pages of 2 that is 50 predictions instead of 10.
  it('paging through QuerySuggestedImages predicts each untagged image once', async () => {
    predictCalls = 0;
    const seen = [];
    for await (const r of trainer.iterateSuggestedImages(projectId, iterationId, { maxCount: 2 })) seen.push(r.id);
    expect(seen).toHaveLength(10);
    expect(predictCalls).toBeLessThanOrEqual(10);
  });
});
