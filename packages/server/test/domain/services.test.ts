/**
 * The domain services' rules, called directly on a temporary SQLite store with the stand-in engine: the Azure error
 * codes each rule answers with, and what a call leaves stored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/domain/errors.ts';
import { COMPACT_DOMAIN, type DomainHarness, domainHarness } from '../helpers/domain.ts';
import { distinctJpegs, jpeg } from '../helpers/images.ts';

const OBJECT_DETECTION_DOMAIN = 'da2e3a8a-40a5-4171-82f4-58522f70fbc1';

/** Resolves to the ApiError's status and code the call rejects with. */
async function refusal(call: Promise<unknown>): Promise<{ status: number; code: string }> {
  const e = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(e instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(e)}`);
  return { status: e.status, code: e.code };
}

let h: DomainHarness;
afterEach(async () => {
  await h?.close();
});

describe('ProjectService', () => {
  it('trims names, refuses duplicates in any case and enforces the project limit', async () => {
    h = domainHarness({ limits: { projects: 2 } });
    const p = await h.projects.create({ name: '  trees  ' });
    expect(p).toMatchObject({ name: 'trees', settings: { classificationType: 'Multilabel' } });
    expect(await refusal(h.projects.create({ name: 'TREES' }))).toEqual({
      status: 400,
      code: 'BadRequestProjectNameNotUnique',
    });
    await h.projects.create({ name: 'second' });
    expect(await refusal(h.projects.create({ name: 'third' }))).toEqual({
      status: 400,
      code: 'BadRequestExceedProjectLimit',
    });
    expect((await h.projects.list()).map((x) => x.name)).toEqual(['trees', 'second']);
  });

  it('refuses a change between classification and detection domains and keeps the stored settings', async () => {
    h = domainHarness();
    const p = await h.projects.create({ name: 'p', domainId: COMPACT_DOMAIN, classificationType: 'Multiclass' });
    expect(await refusal(h.projects.update(p.id, { settings: { domainId: OBJECT_DETECTION_DOMAIN } }))).toEqual({
      status: 400,
      code: 'BadRequestProjectUnsupportedDomainTypeChange',
    });
    expect((await h.projects.get(p.id)).settings).toMatchObject({ domainId: COMPACT_DOMAIN });
    const changed = await h.projects.update(p.id, { settings: { classificationType: 'Multilabel' } });
    expect(changed.revision).toBe(p.revision + 1);
  });

  it('answers NotFoundProject for a deleted project', async () => {
    h = domainHarness();
    const p = await h.projects.create({ name: 'p' });
    await h.projects.delete(p.id);
    expect(await refusal(h.projects.get(p.id))).toEqual({ status: 404, code: 'NotFoundProject' });
  });
});

describe('TagService', () => {
  it('refuses duplicate names and a second Negative tag; deleting a tag untags its images', async () => {
    h = domainHarness();
    const p = await h.projects.create({ name: 'p' });
    const tag = await h.tags.create(p.id, { name: 'Pine' });
    expect(await refusal(h.tags.create(p.id, { name: 'pine' }))).toEqual({
      status: 400,
      code: 'BadRequestTagNameNotUnique',
    });
    await h.tags.create(p.id, { name: 'none', type: 'Negative' });
    expect(await refusal(h.tags.create(p.id, { name: 'nothing', type: 'Negative' }))).toEqual({
      status: 400,
      code: 'BadRequestMultipleNegativeTag',
    });
    await h.images.create(p.id, [{ sourceUrl: null, bytes: await jpeg() }], { tagIds: [tag.id] });
    expect((await h.tags.get(p.id, tag.id)).imageCount).toBe(1);
    await h.tags.delete(p.id, tag.id);
    expect(await h.images.count(p.id, { taggingStatus: 'Untagged' })).toBe(1);
  });
});

describe('ImageService', () => {
  it('reports each image of a batch: stored, duplicate, undecodable, over the project limit', async () => {
    h = domainHarness({ limits: { imagesPerProject: 2 } });
    const p = await h.projects.create({ name: 'p' });
    const [a, b, c] = await distinctJpegs(3);
    const { isBatchSuccessful, images } = await h.images.create(p.id, [
      { sourceUrl: null, bytes: a },
      { sourceUrl: null, bytes: a },
      { sourceUrl: null, bytes: Buffer.from('not an image') },
      { sourceUrl: null, bytes: b },
      { sourceUrl: null, bytes: c },
    ]);
    expect(isBatchSuccessful).toBe(false);
    expect(images.map((i) => i.status)).toEqual(['OK', 'OKDuplicate', 'ErrorImageFormat', 'OK', 'ErrorLimitExceed']);
    expect(await h.images.count(p.id, {})).toBe(2);
    // A stored duplicate answers with the image already there.
    const again = await h.images.create(p.id, [{ sourceUrl: null, bytes: b }]);
    expect(again.images[0]).toMatchObject({ status: 'OKDuplicate', image: { id: images[3]!.image!.id } });
  });

  it('refuses a batch naming a tag of another project, storing nothing', async () => {
    h = domainHarness();
    const p = await h.projects.create({ name: 'p' });
    const other = await h.projects.create({ name: 'other' });
    const foreign = await h.tags.create(other.id, { name: 'x' });
    expect(
      await refusal(h.images.create(p.id, [{ sourceUrl: null, bytes: await jpeg() }], { tagIds: [foreign.id] })),
    ).toEqual({ status: 400, code: 'BadRequestImageTags' });
    expect(await h.images.count(p.id, {})).toBe(0);
  });
});

describe('IterationService', () => {
  it('keeps names unique, publishes under one name at a time and refuses to delete what is published', async () => {
    h = domainHarness();
    const { project, iteration: first } = await h.trainedProject();
    const second = await h.training.train(project.id, { forceTrain: true });
    await h.idle();
    expect(await refusal(h.iterations.rename(project.id, second.id, first.name.toUpperCase()))).toEqual({
      status: 400,
      code: 'BadRequestIterationNameNotUnique',
    });
    await h.iterations.publish(project.id, first.id, { publishName: 'live', predictionId: 'local' });
    expect(
      await refusal(h.iterations.publish(project.id, second.id, { publishName: 'LIVE', predictionId: 'local' })),
    ).toEqual({ status: 400, code: 'BadRequestInvalidPublishName' });
    await h.iterations.publish(project.id, second.id, { publishName: 'live', predictionId: 'local', overwrite: true });
    expect((await h.iterations.get(project.id, first.id)).publishName).toBeNull();
    expect((await h.predictions.published(project.id, 'live')).id).toBe(second.id);
    expect(await refusal(h.iterations.delete(project.id, second.id))).toEqual({
      status: 400,
      code: 'BadRequestIterationIsPublished',
    });
    await h.iterations.delete(project.id, first.id);
    expect((await h.iterations.list(project.id)).map((i) => i.id)).toEqual([second.id]);
  });
});

describe('PredictionService', () => {
  it('stores predictions and pages through them with a continuation token', async () => {
    h = domainHarness();
    const { project, photos, iteration } = await h.trainedProject();
    const top = await h.predictions.predict(iteration, photos[0]!, { id: crypto.randomUUID(), store: true });
    expect(top.predictions[0]?.tagName).toBe('red');
    for (const bytes of photos.slice(1, 5))
      await h.predictions.predict(iteration, bytes, { id: crypto.randomUUID(), store: true });
    await h.predictions.predict(iteration, photos[5]!, { id: crypto.randomUUID(), store: false });
    const seen: string[] = [];
    let continuation: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof h.predictions.query>> = await h.predictions.query(project.id, {
        maxCount: 2,
        continuation,
      });
      expect(page.results.length).toBeLessThanOrEqual(2);
      seen.push(...page.results.map((r) => r.id));
      continuation = page.continuation;
    } while (continuation);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect(await refusal(h.predictions.query(project.id, { continuation: 'garbage' }))).toEqual({
      status: 400,
      code: 'BadRequestPredictionInvalidQueryParameters',
    });
    expect(
      await refusal(h.predictions.predict(iteration, photos[0]!, { id: 'x', store: true, application: 'no spaces' })),
    ).toEqual({ status: 400, code: 'BadRequestPredictionInvalidApplicationName' });
  });
});

describe('ExportService', () => {
  it('answers the running export again, and refuses platforms the engine cannot produce', async () => {
    h = domainHarness();
    const { project, iteration: it } = await h.trainedProject();
    const started = await h.exports.start(project.id, it.id, 'TensorFlow', null);
    expect(started.status).toBe('Exporting');
    expect((await h.exports.start(project.id, it.id, 'TensorFlow', null)).id).toBe(started.id);
    expect(await refusal(h.exports.start(project.id, it.id, 'CoreML', null))).toEqual({
      status: 400,
      code: 'BadRequestNotSupported',
    });
    await h.idle();
    expect(await h.exports.list(project.id, it.id)).toEqual([expect.objectContaining({ status: 'Done' })]);
  });
});
