import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type {
  ExportRecord,
  IterationRecord,
  NewImage,
  PredictionRecord,
  ProjectRecord,
  Storage,
  TagRecord,
} from '../../src/storage/types.ts';

export interface StorageBackend {
  /** A fresh, empty store. */
  open(): Promise<Storage>;
  stop(): Promise<void>;
}

/**
 * What every Storage implementation must do, run against each backend (storage-backends.test.ts). A change to the
 * semantics of one backend belongs here first, so the others are held to it too.
 */
export function describeStorageContract(
  name: string,
  setup: () => Promise<StorageBackend>,
  opts: { skip?: string | undefined; timeout?: number } = {},
): void {
  describe.skipIf(Boolean(opts.skip))(`Storage contract: ${name}`, { timeout: opts.timeout ?? 20_000 }, () => {
    let backend: StorageBackend;
    let s: Storage;
    const opened: Storage[] = [];
    beforeAll(async () => {
      backend = await setup();
    }, 120_000);
    afterAll(async () => {
      await backend?.stop();
    });
    afterEach(async () => {
      for (const o of opened.splice(0)) await o.close();
    });
    const fresh = async () => {
      s = await backend.open();
      opened.push(s);
      return s;
    };

    it('keeps projects, lists them by creation, and deleting one removes everything it owns', async () => {
      await fresh();
      const a = await addProject(s, { created: new Date(2000) });
      const b = await addProject(s, { created: new Date(1000) });
      expect((await s.projects.list()).map((p) => p.id)).toEqual([b.id, a.id]);
      expect(await s.projects.count()).toBe(2);
      expect(await s.projects.get(a.id)).toEqual(a);
      await s.projects.update({ ...a, name: 'renamed', settings: { ...a.settings, useNegativeSet: false } });
      expect((await s.projects.get(a.id))?.name).toBe('renamed');
      expect((await s.projects.get(a.id))?.settings.useNegativeSet).toBe(false);

      const tag = await addTag(s, a.id);
      const [img] = await addImages(s, a.id, 1, [tag.id]);
      await s.iterations.create(iteration(a.id), [img!.id]);
      await s.predictions.add(prediction(a.id, 'it', new Date(5)));
      await s.exports.put(exportRecord(a.id, 'it'));
      const released = await s.projects.delete(a.id);
      // What the project's rows referred to comes back, for the collector to free what nothing else uses.
      expect(released.contentHashes).toContain(img!.contentHash);
      expect(await s.projects.get(a.id)).toBeUndefined();
      expect(await s.tags.list(a.id)).toEqual([]);
      expect(await s.images.countAll(a.id)).toBe(0);
      expect(await s.iterations.list(a.id)).toEqual([]);
      expect(await s.predictions.query(a.id, { orderBy: 'Newest', limit: 10 })).toEqual([]);
      expect(await s.exports.listExporting()).toEqual([]);
      const usage = await s.references.usage([img!.contentHash]);
      expect(usage.get(img!.contentHash)).toEqual({ images: 0, predictions: 0 });
      expect(await s.projects.count()).toBe(1);
    });

    it('bumps the project revision on every change to tags, images and regions, and only then', async () => {
      await fresh();
      const p = await addProject(s);
      const rev = async () => (await s.projects.get(p.id))!.revision;
      let last = await rev();
      const bumped = async () => {
        const now = await rev();
        const grew = now > last;
        last = now;
        return grew;
      };
      const tag = await addTag(s, p.id);
      expect(await bumped()).toBe(true);
      await s.tags.update({ ...tag, name: 'renamed' });
      expect(await bumped()).toBe(true);
      const [i1, i2] = await addImages(s, p.id, 2, []);
      expect(await bumped()).toBe(true);
      expect(await s.images.addTags(p.id, [{ imageId: i1!.id, tagId: tag.id }])).toHaveLength(1);
      expect(await bumped()).toBe(true);
      // A link that exists already is not new: no revision change, nothing returned.
      expect(await s.images.addTags(p.id, [{ imageId: i1!.id, tagId: tag.id }])).toEqual([]);
      expect(await bumped()).toBe(false);
      await s.images.removeTags(p.id, [i1!.id], [tag.id]);
      expect(await bumped()).toBe(true);
      const region = { id: randomUUID(), imageId: i2!.id, tagId: tag.id, left: 0.1, top: 0.2, width: 0.3, height: 0.4 };
      await s.images.addRegions(p.id, [{ ...region, created: new Date() }]);
      expect(await bumped()).toBe(true);
      expect(await s.images.deleteRegions(p.id, [region.id])).toBe(1);
      expect(await bumped()).toBe(true);
      await s.images.setMetadata(p.id, [{ imageId: i1!.id, metadata: { a: 'b' } }]);
      expect(await bumped()).toBe(false);
      await s.images.deleteMany(p.id, [i1!.id]);
      expect(await bumped()).toBe(true);
      await s.tags.delete(p.id, tag.id);
      expect(await bumped()).toBe(true);
      await s.images.deleteAll(p.id);
      expect(await bumped()).toBe(true);
      expect(await s.images.countAll(p.id)).toBe(0);
    });

    it('stores images with their tags and regions, and finds them by status, tag, hash and order', async () => {
      await fresh();
      const p = await addProject(s);
      const other = await addProject(s);
      const [red, green] = [await addTag(s, p.id, 'red'), await addTag(s, p.id, 'green')];
      const same = new Date(10_000);
      const images: NewImage[] = [0, 1, 2, 3].map((n) => ({
        record: imageRecord(p.id, { created: same, seq: n, metadata: { n: String(n) } }),
        tagIds: n === 0 ? [red.id, green.id] : n === 1 ? [green.id] : [],
        regions:
          n === 2 ? [{ id: randomUUID(), tagId: red.id, left: 0.125, top: 0.25, width: 0.5, height: 0.0625 }] : [],
      }));
      await s.images.addBatch(p.id, images);
      await addImages(s, other.id, 1, []);
      const ids = images.map((i) => i.record.id);

      const newest = await s.images.query(p.id, { orderBy: 'Newest' });
      expect(newest.map((i) => i.id)).toEqual([...ids].reverse());
      expect((await s.images.query(p.id, { orderBy: 'Oldest', take: 2, skip: 1 })).map((i) => i.id)).toEqual(
        ids.slice(1, 3),
      );
      const first = newest.at(-1)!;
      expect(first.tags.map((t) => t.tagId).sort()).toEqual([red.id, green.id].sort());
      expect(first.metadata).toEqual({ n: '0' });
      expect(first.created).toEqual(same);
      const boxed = newest.find((i) => i.id === ids[2])!;
      expect(boxed.regions).toEqual([{ ...images[2]!.regions[0], imageId: ids[2], created: same }]);
      // A region's tag tags its image (as on Azure): in `tags`, in filters and in counts.
      expect(boxed.tags).toEqual([{ tagId: red.id, created: same }]);

      expect(await s.images.count(p.id, { taggingStatus: 'Tagged' })).toBe(3);
      expect(await s.images.count(p.id, { taggingStatus: 'Untagged' })).toBe(1);
      expect((await s.images.query(p.id, { tagIds: [red.id], orderBy: 'Oldest' })).map((i) => i.id)).toEqual([
        ids[0],
        ids[2],
      ]);
      expect(await s.images.count(p.id, { tagIds: [red.id, green.id] })).toBe(3);
      const even = (m: Record<string, string>) => Number(m.n) % 2 === 0;
      expect(await s.images.count(p.id, { metadataFilter: even })).toBe(2);
      expect(
        (await s.images.query(p.id, { metadataFilter: even, orderBy: 'Oldest', skip: 1, take: 5 })).map((i) => i.id),
      ).toEqual([ids[2]]);

      // getMany keeps the order asked for and ignores ids of other projects.
      const foreign = (await s.images.query(other.id, { orderBy: 'Newest' }))[0]!;
      expect((await s.images.getMany(p.id, [ids[3]!, foreign.id, ids[0]!])).map((i) => i.id)).toEqual([ids[3], ids[0]]);
      const byHash = await s.images.findByHash(p.id, [images[1]!.record.contentHash, foreign.contentHash]);
      expect([...byHash.keys()]).toEqual([images[1]!.record.contentHash]);
      expect(await s.images.countAll(p.id)).toBe(4);
      const usage = await s.references.usage([...images.map((i) => i.record.contentHash), foreign.contentHash]);
      expect([...usage.values()].filter((u) => u.images > 0)).toHaveLength(5);
      // Image 0 is tagged red directly and by a region: it counts once, as does image 2 through its region.
      await s.images.addRegions(p.id, [
        { id: randomUUID(), imageId: ids[0]!, tagId: red.id, left: 0, top: 0, width: 1, height: 1, created: same },
      ]);
      expect((await s.images.getMany(p.id, [ids[0]!]))[0]!.tags.filter((t) => t.tagId === red.id)).toHaveLength(1);
      expect(await s.tags.imageCounts(p.id)).toEqual(
        new Map([
          [red.id, 2],
          [green.id, 2],
        ]),
      );
      await s.tags.delete(p.id, green.id);
      expect((await s.images.getMany(p.id, [ids[1]!]))[0]!.tags).toEqual([]);
    });

    it('stores a batch of images all or nothing: a duplicate content hash rejects the whole batch', async () => {
      await fresh();
      const p = await addProject(s);
      const tag = await addTag(s, p.id);
      const [kept] = await addImages(s, p.id, 1, [tag.id]);
      const revision = (await s.projects.get(p.id))!.revision;
      const batch: NewImage[] = [
        { record: imageRecord(p.id), tagIds: [tag.id], regions: [] },
        { record: imageRecord(p.id, { contentHash: kept!.contentHash }), tagIds: [tag.id], regions: [] },
      ];
      await expect(s.images.addBatch(p.id, batch)).rejects.toThrow();
      expect(await s.images.countAll(p.id)).toBe(1);
      expect(await s.images.getMany(p.id, [batch[0]!.record.id])).toEqual([]);
      expect((await s.projects.get(p.id))!.revision).toBe(revision);
      // The same content in another project is another image.
      const q = await addProject(s);
      await addImages(s, q.id, 1, [], kept!.contentHash);
      expect(await s.images.countAll(q.id)).toBe(1);
    });

    it('scopes tag removal, region deletion and metadata to the project', async () => {
      await fresh();
      const p = await addProject(s);
      const q = await addProject(s);
      const tp = await addTag(s, p.id);
      const tq = await addTag(s, q.id);
      const [ip] = await addImages(s, p.id, 1, [tp.id]);
      const [iq] = await addImages(s, q.id, 1, [tq.id]);
      await s.images.removeTags(p.id, [iq!.id], [tq.id]);
      expect((await s.images.getMany(q.id, [iq!.id]))[0]!.tags).toHaveLength(1);
      const region = { id: randomUUID(), imageId: iq!.id, tagId: tq.id, left: 0, top: 0, width: 1, height: 1 };
      await s.images.addRegions(q.id, [{ ...region, created: new Date() }]);
      expect(await s.images.deleteRegions(p.id, [region.id, randomUUID()])).toBe(0);
      expect(await s.images.deleteRegions(q.id, [region.id])).toBe(1);
      await s.images.setMetadata(p.id, [{ imageId: iq!.id, metadata: { x: 'y' } }]);
      await s.images.setMetadata(p.id, [{ imageId: ip!.id, metadata: { k: 'v' } }]);
      expect((await s.images.getMany(q.id, [iq!.id]))[0]!.metadata).toEqual({});
      expect((await s.images.getMany(p.id, [ip!.id]))[0]!.metadata).toEqual({ k: 'v' });
      await s.images.deleteMany(p.id, [iq!.id]);
      expect(await s.images.countAll(q.id)).toBe(1);
    });

    it('keeps iterations with the images they trained on, finds the published one ignoring case', async () => {
      await fresh();
      const p = await addProject(s);
      const tag = await addTag(s, p.id);
      const imgs = await addImages(s, p.id, 3, [tag.id]);
      const it1 = iteration(p.id, { created: new Date(1000) });
      const it2 = iteration(p.id, { created: new Date(2000), status: 'Completed', trainedAt: new Date(2500) });
      await s.iterations.create(it2, [imgs[2]!.id]);
      await s.iterations.create(it1, [imgs[0]!.id, imgs[1]!.id]);
      expect(await s.iterations.list(p.id)).toEqual([it1, it2]);
      expect(await s.iterations.get(p.id, it2.id)).toEqual(it2);
      expect(await s.iterations.get(randomUUID(), it2.id)).toBeUndefined();
      expect((await s.iterations.listTraining()).map((i) => i.id)).toEqual([it1.id]);
      expect((await s.images.query(p.id, { iterationId: it1.id, orderBy: 'Oldest' })).map((i) => i.id).sort()).toEqual(
        [imgs[0]!.id, imgs[1]!.id].sort(),
      );

      await s.iterations.update({ ...it2, publishName: 'Trees-Prod', originalPublishResourceId: 'local' });
      expect((await s.iterations.findPublished(p.id, 'trees-PROD'))?.id).toBe(it2.id);
      expect(await s.iterations.findPublished(p.id, 'trees')).toBeUndefined();
      const done = { ...it1, status: 'Completed' as const, progress: 1, modelKey: `model-${it1.id}` };
      await s.iterations.update(done);
      expect(await s.iterations.get(p.id, it1.id)).toEqual(done);
      expect(await s.iterations.listTraining()).toEqual([]);

      // An image deleted later leaves the iteration's set; deleting the iteration leaves the images.
      await s.images.deleteMany(p.id, [imgs[0]!.id]);
      expect(await s.images.count(p.id, { iterationId: it1.id })).toBe(1);
      await s.iterations.delete(p.id, it1.id);
      expect(await s.iterations.get(p.id, it1.id)).toBeUndefined();
      expect(await s.images.count(p.id, { iterationId: it1.id })).toBe(0);
      expect(await s.images.countAll(p.id)).toBe(2);
    });

    it('pages predictions in order, filters by iteration, application, time and tag thresholds', async () => {
      await fresh();
      const p = await addProject(s);
      const tag = randomUUID();
      // 150 predictions, every third one confident: the tag filter has to read past the first page.
      const all: PredictionRecord[] = [];
      for (let n = 0; n < 150; n++) {
        const r = prediction(p.id, n % 2 ? 'it-a' : 'it-b', new Date(1000 + Math.floor(n / 2)), {
          application: n % 5 ? null : 'app',
          predictions: [{ tagId: tag, tagName: 't', tagType: 'Regular', probability: n % 3 ? 0.1 : 0.9 }],
        });
        all.push(r);
        await s.predictions.add(r);
      }
      const byNewest = [...all].sort((a, b) => +b.created - +a.created || (a.id < b.id ? 1 : -1));
      const page1 = await s.predictions.query(p.id, { orderBy: 'Newest', limit: 60 });
      expect(page1.map((x) => x.id)).toEqual(byNewest.slice(0, 60).map((x) => x.id));
      const last = page1.at(-1)!;
      const page2 = await s.predictions.query(p.id, {
        orderBy: 'Newest',
        limit: 200,
        after: { created: +last.created, id: last.id },
      });
      expect(page2.map((x) => x.id)).toEqual(byNewest.slice(60).map((x) => x.id));
      const oldest = await s.predictions.query(p.id, { orderBy: 'Oldest', limit: 3 });
      expect(oldest.map((x) => x.id)).toEqual(
        [...byNewest]
          .reverse()
          .slice(0, 3)
          .map((x) => x.id),
      );

      const confident = await s.predictions.query(p.id, {
        orderBy: 'Newest',
        limit: 40,
        tags: [{ id: tag, minThreshold: 0.5, maxThreshold: 1 }],
      });
      expect(confident.map((x) => x.id)).toEqual(
        byNewest
          .filter((x) => x.predictions[0]!.probability > 0.5)
          .slice(0, 40)
          .map((x) => x.id),
      );
      expect((await s.predictions.query(p.id, { orderBy: 'Newest', limit: 500, iterationId: 'it-a' })).length).toBe(75);
      expect((await s.predictions.query(p.id, { orderBy: 'Newest', limit: 500, application: 'app' })).length).toBe(30);
      const window = await s.predictions.query(p.id, {
        orderBy: 'Oldest',
        limit: 500,
        startTime: new Date(1010),
        endTime: new Date(1011),
      });
      expect(window.map((x) => +x.created)).toEqual([1010, 1010, 1011, 1011]);
      expect(await s.predictions.getMany(p.id, [all[7]!.id])).toEqual([all[7]]);
      await s.predictions.delete(randomUUID(), [all[7]!.id]);
      expect(await s.predictions.getMany(p.id, [all[7]!.id])).toHaveLength(1);
      await s.predictions.delete(p.id, [all[7]!.id, all[8]!.id]);
      expect(await s.predictions.getMany(p.id, [all[7]!.id, all[8]!.id])).toEqual([]);
    });

    it('keeps feature vectors bit for bit, per backbone, replacing on a second put', async () => {
      await fresh();
      const views = [new Float32Array([0.1, -2.5e-8, 3.4e38, Number.NaN]), new Float32Array([1, 2, 3, 4])];
      await s.features.put('mobilenet:0', 'h1', views);
      await s.features.put('other:0', 'h1', [new Float32Array([9])]);
      const got = await s.features.getMany('mobilenet:0', ['h1', 'h2', 'h1']);
      expect([...got.keys()]).toEqual(['h1']);
      expect(got.get('h1')!.map((v) => Buffer.from(v.buffer).toString('hex'))).toEqual(
        views.map((v) => Buffer.from(v.buffer).toString('hex')),
      );
      await s.features.put('mobilenet:0', 'h1', [new Float32Array([5])]);
      expect((await s.features.getMany('mobilenet:0', ['h1'])).get('h1')).toEqual([new Float32Array([5])]);
      // Several keys at once, replacing one already stored.
      await s.features.putMany([
        { backboneKey: 'mobilenet:0', hash: 'h1', views: [new Float32Array([6])] },
        { backboneKey: 'mobilenet:0', hash: 'h2', views: [new Float32Array([7, 8])] },
        { backboneKey: 'other:0', hash: 'h2', views: [new Float32Array([9])] },
      ]);
      const many = await s.features.getMany('mobilenet:0', ['h1', 'h2']);
      expect(many.get('h1')).toEqual([new Float32Array([6])]);
      expect(many.get('h2')).toEqual([new Float32Array([7, 8])]);
      expect((await s.features.getMany('other:0', ['h2'])).get('h2')).toEqual([new Float32Array([9])]);
    });

    it('keeps exports, updating one in place, and lists those still Exporting', async () => {
      await fresh();
      const p = await addProject(s);
      const a = exportRecord(p.id, 'it', { created: new Date(2000) });
      const b = exportRecord(p.id, 'it', { created: new Date(1000), platform: 'ONNX' });
      await s.exports.put(a);
      await s.exports.put(b);
      await s.exports.put(exportRecord(p.id, 'other-iteration'));
      expect((await s.exports.list(p.id, 'it')).map((e) => e.id)).toEqual([b.id, a.id]);
      const done = { ...a, status: 'Done' as const, blobKey: `export-${a.id}.zip` };
      await s.exports.put(done);
      expect(await s.exports.get(p.id, a.id)).toEqual(done);
      expect(await s.exports.get(randomUUID(), a.id)).toBeUndefined();
      expect((await s.exports.listExporting()).map((e) => e.id).sort()).toHaveLength(2);
    });

    it('keeps settings and content-addressed blobs', async () => {
      await fresh();
      expect(await s.settings.get('link-secret')).toBeUndefined();
      await s.settings.set('link-secret', 'a');
      await s.settings.set('link-secret', 'b');
      expect(await s.settings.get('link-secret')).toBe('b');
      expect(await s.settings.setIfAbsent('link-secret', 'c')).toBe('b');
      expect(await s.settings.setIfAbsent('other', 'd')).toBe('d');
      expect(await s.settings.get('other')).toBe('d');

      const key = 'ab'.repeat(32);
      expect(await s.blobs.get(key)).toBeUndefined();
      expect(await s.blobs.has(key)).toBe(false);
      const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
      await s.blobs.put(key, bytes);
      await s.blobs.put(key, bytes);
      expect(await s.blobs.has(key)).toBe(true);
      expect(Buffer.compare((await s.blobs.get(key))!, bytes)).toBe(0);
      await s.blobs.put(`model-${key.slice(0, 8)}`, Buffer.from('m'));
      expect(String(await s.blobs.get(`model-${key.slice(0, 8)}`))).toBe('m');
      await s.blobs.delete(key);
      await s.blobs.delete(key);
      expect(await s.blobs.get(key)).toBeUndefined();
      await expect(s.blobs.put('../escape', Buffer.from('x'))).rejects.toThrow(/Invalid blob key/);
      await expect(s.blobs.get('a/b')).rejects.toThrow(/Invalid blob key/);
    });
  });
}

// Record builders: whole records with distinct ids, so each test says only what it is about.

async function addProject(s: Storage, over: Partial<ProjectRecord> = {}): Promise<ProjectRecord> {
  const p: ProjectRecord = {
    id: randomUUID(),
    name: 'p',
    description: '',
    settings: {
      domainId: 'ee85a74c-405e-4adc-bb47-ffa8ca0c9f31',
      classificationType: 'Multiclass',
      targetExportPlatforms: [],
      useNegativeSet: true,
      detectionParameters: null,
      augmentationMethods: { 'horizontal flip': true },
    },
    created: new Date(1000),
    lastModified: new Date(1000),
    status: 'Succeeded',
    revision: 0,
    ...over,
  };
  await s.projects.create(p);
  return p;
}

async function addTag(s: Storage, projectId: string, name = 't'): Promise<TagRecord> {
  const t: TagRecord = { id: randomUUID(), projectId, name, description: null, type: 'Regular', created: new Date() };
  await s.tags.create(t);
  return t;
}

function imageRecord(projectId: string, over: Partial<NewImage['record']> = {}): NewImage['record'] {
  return {
    id: randomUUID(),
    projectId,
    contentHash: randomUUID().replaceAll('-', '').repeat(2),
    format: 'jpeg',
    width: 64,
    height: 48,
    created: new Date(),
    seq: 0,
    metadata: {},
    ...over,
  };
}

async function addImages(s: Storage, projectId: string, n: number, tagIds: string[], contentHash?: string) {
  const images = Array.from({ length: n }, (_, i) => ({
    record: imageRecord(projectId, { seq: i, ...(contentHash ? { contentHash } : {}) }),
    tagIds,
    regions: [],
  }));
  await s.images.addBatch(projectId, images);
  return s.images.getMany(
    projectId,
    images.map((i) => i.record.id),
  );
}

function iteration(projectId: string, over: Partial<IterationRecord> = {}): IterationRecord {
  return {
    id: randomUUID(),
    projectId,
    name: 'Iteration 1',
    status: 'Training',
    created: new Date(1000),
    lastModified: new Date(1000),
    trainedAt: null,
    trainingType: 'Regular',
    reservedBudgetInHours: 0,
    trainingTimeInMinutes: 0,
    publishName: null,
    originalPublishResourceId: null,
    domainId: null,
    classificationType: null,
    exportable: false,
    exportableTo: null,
    trainingErrorDetails: null,
    projectRevision: 3,
    tags: [{ id: randomUUID(), name: 'a', type: 'Regular' }],
    modelKey: null,
    evaluationKey: null,
    progress: 0,
    ...over,
  };
}

function prediction(
  projectId: string,
  iterationId: string,
  created: Date,
  over: Partial<PredictionRecord> = {},
): PredictionRecord {
  return {
    id: randomUUID(),
    projectId,
    iterationId,
    created,
    contentHash: 'cd'.repeat(32),
    width: 10,
    height: 10,
    application: null,
    predictions: [],
    ...over,
  };
}

function exportRecord(projectId: string, iterationId: string, over: Partial<ExportRecord> = {}): ExportRecord {
  return {
    id: randomUUID(),
    projectId,
    iterationId,
    platform: 'TensorFlow',
    flavor: null,
    status: 'Exporting',
    created: new Date(),
    blobKey: null,
    error: null,
    ...over,
  };
}
