import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readImageVariant } from '../../src/domain/artifacts.ts';
import { BlobCollector } from '../../src/domain/blob-collector.ts';
import { sha256 } from '../../src/domain/images.ts';
import type { Storage } from '../../src/storage/types.ts';
import { type DomainHarness, domainHarness, filesUnder } from '../helpers/domain.ts';
import { jpeg } from '../helpers/images.ts';

let h: DomainHarness;
afterEach(async () => {
  vi.restoreAllMocks();
  await h?.close();
});

/**
 * The database measured as its content: WAL folded in and free pages dropped (VACUUM), so a delete that left rows
 * behind shows, and pages SQLite merely keeps for reuse do not.
 */
function vacuumedDbBytes(h: DomainHarness): number {
  h.storage.db.pragma('wal_checkpoint(TRUNCATE)');
  h.storage.db.exec('VACUUM');
  h.storage.db.pragma('wal_checkpoint(TRUNCATE)');
  return statSync(join(h.dataDir, 'cvkit.db')).size;
}

function rowCounts(h: DomainHarness): Record<string, number> {
  const tables = h.storage.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string }[];
  return Object.fromEntries(
    tables.map(({ name }) => [
      name,
      (h.storage.db.prepare(`SELECT COUNT(*) AS n FROM ${name}`).get() as { n: number }).n,
    ]),
  );
}

/** Trains, publishes, predicts (stored), renders thumbnails and exports: every kind of blob a project makes. */
async function useEverything(h: DomainHarness, projectId: string) {
  const it = await h.training.train(projectId, {});
  await h.idle();
  await h.iterations.publish(projectId, it.id, { publishName: 'live', predictionId: 'local' });
  const iteration = await h.iterations.get(projectId, it.id);
  await h.predictions.predict(iteration, await jpeg(40, 40, [10, 20, 240]), { id: crypto.randomUUID(), store: true });
  const [image] = await h.images.list(projectId, {});
  await readImageVariant(h.storage, image!, 'thumbnail');
  await readImageVariant(h.storage, image!, 'resized');
  await h.exports.start(projectId, it.id, 'TensorFlow', null);
  await h.idle();
  return iteration;
}

describe('deleting frees what nothing refers to any more', () => {
  it('deleting a project returns the data directory to what it was before the project', async () => {
    h = domainHarness();
    // Another project, trained, shares one photo with the one deleted: its blob and features must stay.
    const keeper = await h.trainableProject('keeper', 5);
    await h.training.train(keeper.project.id, {});
    await h.idle();
    const blobsBefore = filesUnder(join(h.dataDir, 'blobs'));
    const rowsBefore = rowCounts(h);
    const dbBefore = vacuumedDbBytes(h);

    const { project, photos } = await h.trainableProject('deleted', 5, 9);
    expect(photos[0]).toEqual(keeper.photos[9]);
    await useEverything(h, project.id);
    // 9 new photos, 2 renderings, model, evaluation, export zip, stored prediction; features of the 9.
    expect(filesUnder(join(h.dataDir, 'blobs')).size).toBe(blobsBefore.size + 15);
    expect(rowCounts(h).features).toBe(rowsBefore.features! + 9);

    await h.projects.delete(project.id);
    expect(filesUnder(join(h.dataDir, 'blobs'))).toEqual(blobsBefore);
    expect(rowCounts(h)).toEqual(rowsBefore);
    expect(vacuumedDbBytes(h)).toBe(dbBefore);
    // The shared photo is still the keeper's.
    const [shared] = await h.images.list(keeper.project.id, { orderBy: 'Oldest', take: 1, skip: 9 });
    expect(await h.storage.blobs.has(shared!.contentHash)).toBe(true);
  });

  it('deleting images frees their blobs, renderings and features unless another image or a prediction uses them', async () => {
    h = domainHarness();
    const a = await h.trainableProject('a', 5);
    const b = await h.trainableProject('b', 5);
    const it = await useEverything(h, a.project.id);
    const [image] = await h.images.list(a.project.id, { orderBy: 'Oldest', take: 1 });
    const hash = image!.contentHash;
    // The same bytes: in project b, and as a stored prediction of project a.
    await h.predictions.predict(it, a.photos[0]!, { id: crypto.randomUUID(), store: true });
    await readImageVariant(h.storage, image!, 'thumbnail');

    const featureRows = () =>
      (h.storage.db.prepare('SELECT COUNT(*) AS n FROM features WHERE content_hash = ?').get(hash) as { n: number }).n;
    expect(featureRows()).toBeGreaterThan(0);
    await h.images.delete(a.project.id, { imageIds: [image!.id] });
    // Project b's image keeps everything.
    expect(await h.storage.blobs.has(hash)).toBe(true);
    expect(await h.storage.blobs.has(`${hash}.t`)).toBe(true);
    expect(featureRows()).toBeGreaterThan(0);

    await h.images.delete(b.project.id, { allImages: true });
    // Only the stored prediction refers to it now: the bytes and renderings (its links show them too) stay, the
    // features (training's) go.
    expect(await h.storage.blobs.has(hash)).toBe(true);
    expect(await h.storage.blobs.has(`${hash}.t`)).toBe(true);
    expect(featureRows()).toBe(0);

    const stored = await h.predictions.query(a.project.id, {});
    await h.predictions.delete(
      a.project.id,
      stored.results.filter((p) => p.contentHash === hash).map((p) => p.id),
    );
    expect(await h.storage.blobs.has(hash)).toBe(false);
    expect(await h.storage.blobs.has(`${hash}.t`)).toBe(false);
  });

  it('deleting an iteration frees its model, evaluation, export zip and its stored predictions’ images', async () => {
    h = domainHarness();
    const { project } = await h.trainableProject();
    const before = filesUnder(join(h.dataDir, 'blobs'));
    const it = await useEverything(h, project.id);
    const [done] = await h.exports.list(project.id, it.id);
    expect(done?.status).toBe('Done');
    await h.iterations.unpublish(project.id, it.id);
    await h.iterations.delete(project.id, it.id);
    const after = filesUnder(join(h.dataDir, 'blobs'));
    // What stays is the images' own bytes and renderings.
    const added = [...after.keys()].filter((k) => !before.has(k));
    expect(added.every((k) => /\.(r|t)$/.test(k))).toBe(true);
    expect(added).toHaveLength(2);
    expect(rowCounts(h)).toMatchObject({ predictions: 0, exports: 0, iterations: 0, iteration_images: 0 });
  });

  it('deleting a project while it trains leaves no model behind', async () => {
    h = domainHarness();
    await h.trainableProject('other');
    const before = filesUnder(join(h.dataDir, 'blobs'));
    const { project } = await h.trainableProject('deleted', 5, 10);
    await h.training.train(project.id, {});
    await h.projects.delete(project.id);
    await h.idle();
    expect(filesUnder(join(h.dataDir, 'blobs'))).toEqual(before);
    expect(rowCounts(h)).toMatchObject({ features: 0, iterations: 0, images: 10 });
  });
});

describe('uploads racing deletes of the same bytes', () => {
  it('an upload that writes its blob while a delete of the last image with those bytes collects keeps it', async () => {
    h = domainHarness();
    const a = await h.trainableProject('a', 5);
    const b = await h.projects.create({ name: 'b' });
    const [victim] = await h.images.list(a.project.id, { orderBy: 'Oldest', take: 1 });
    const put = h.storage.blobs.put.bind(h.storage.blobs);
    vi.spyOn(h.storage.blobs, 'put').mockImplementation(async (key, bytes) => {
      await put(key, bytes);
      // Between the blob write and the row commit of b's upload, a's only image with these bytes goes.
      if (key === victim!.contentHash) await h.images.delete(a.project.id, { imageIds: [victim!.id] });
    });
    const { images } = await h.images.create(b.id, [{ sourceUrl: null, bytes: a.photos[0]! }]);
    expect(images[0]?.status).toBe('OK');
    expect(await h.storage.blobs.get(victim!.contentHash)).toEqual(a.photos[0]);
  });

  it('a pin taken while its bytes are being collected waits until they are gone, then writes them anew', async () => {
    h = domainHarness();
    const bytes = await jpeg(8, 8);
    const hash = sha256(bytes);
    await h.storage.blobs.put(hash, bytes);
    let letGo!: () => void;
    const held = new Promise<void>((r) => {
      letGo = r;
    });
    const slow: Storage = {
      ...h.storage,
      references: {
        usage: async (hashes) => {
          await held;
          return h.storage.references.usage(hashes);
        },
      },
    };
    const collector = new BlobCollector(slow);
    const collecting = collector.collect({ contentHashes: [hash], blobKeys: [] });
    await new Promise((r) => setTimeout(r, 5)); // the collection has started, and waits on `held`
    let pinned = false;
    const pinning = collector.pin([hash]).then((release) => {
      pinned = true;
      return release;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(pinned).toBe(false);
    letGo();
    await collecting;
    const release = await pinning;
    expect(await h.storage.blobs.has(hash)).toBe(false);
    await h.storage.blobs.put(hash, bytes);
    expect(await h.storage.blobs.has(hash)).toBe(true);
    // Released with no row committed (a failed upload): the bytes go too.
    await release();
    expect(await h.storage.blobs.has(hash)).toBe(false);
  });
});
