import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from '../../src/app.ts';
import { defaultConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logging.ts';
import { DataDirLockedError } from '../../src/storage/data-dir-lock.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import type { Storage } from '../../src/storage/types.ts';
import { fakeEngine } from '../helpers/fake-engine.ts';
import { multipart } from '../helpers/images.ts';
import { json, startTestServer, type TestServer, TRAINING_KEY } from '../helpers/test-server.ts';
import { type ChildServer, spawnServer } from './child-server.ts';
import { listFiles } from './harness.ts';

/**
 * The fault model: the process is killed at any moment (SIGKILL, OOM killer, power loss of the process), a write
 * fails (disk full, read-only volume), and an operator starts a second server on a data directory in use.
 */

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'cvkit-faults-'));
  dirs.push(d);
  return d;
};
const children: ChildServer[] = [];
afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) await c.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Iteration = { id: string; status: string; trainingErrorDetails: string | null };

/** Distinct, incompressible JPEGs: decoding them costs the server real work, so a kill lands mid-batch. */
async function noisyJpegs(n: number, side = 96): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: n }, () =>
      sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer(),
    ),
  );
}

function call(base: string, path: string, init: RequestInit = {}) {
  return fetch(base + path, {
    ...init,
    headers: { 'Training-Key': TRAINING_KEY, ...(init.headers as Record<string, string>) },
  });
}

describe('a server killed with SIGKILL during uploads and training', () => {
  it('restarts with every stored image complete, whole batches only, and the interrupted training Failed; it trains again', async () => {
    const dataDir = tempDir();
    const a = await spawnServer(dataDir);
    children.push(a);
    const train = (path: string, init?: RequestInit) => call(a.training, path, init);

    // Bodies that used to throw out of the multipart reader (ending the process): the server must survive them.
    const nameless = Buffer.from(
      '--b\r\nContent-Disposition: form-data; filename="a.jpg"\r\n\r\nxyz\r\n--b\r\nContent-Disposition: form-data; name="other"; filename="o.bin"\r\n\r\ncut',
    );
    const up = await json<{ id: string }>(train('/projects?name=uploads', { method: 'POST' }));
    const survived = await train(`/projects/${up.id}/images`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
      body: nameless,
    });
    expect(survived.status).toBe(400);
    expect((await train('/projects')).status).toBe(200);

    // A project for a training with the real engine ...
    const tp = await json<{ id: string }>(
      train('/projects?name=training&classificationType=Multiclass', { method: 'POST' }),
    );
    for (const name of ['first', 'second']) {
      const tag = await json<{ id: string }>(train(`/projects/${tp.id}/tags?name=${name}`, { method: 'POST' }));
      const files = (await noisyJpegs(6, 40)).map((bytes, i) => ({ name: `${i}.jpg`, bytes }));
      const res = await train(`/projects/${tp.id}/images?tagIds=${tag.id}`, { method: 'POST', body: multipart(files) });
      expect(res.status).toBe(200);
    }

    // ... and eight upload batches of 64 images at once, each tagged with its own tag.
    const BATCHES = 8;
    const tags: string[] = [];
    for (let b = 0; b < BATCHES; b++)
      tags.push((await json<{ id: string }>(train(`/projects/${up.id}/tags?name=batch${b}`, { method: 'POST' }))).id);
    const batches = await Promise.all(tags.map(() => noisyJpegs(64)));
    const acknowledged: number[] = [];
    let firstAck!: () => void;
    const oneAcknowledged = new Promise<void>((r) => {
      firstAck = r;
    });
    const uploads = batches.map((files, b) =>
      train(`/projects/${up.id}/images?tagIds=${tags[b]}`, {
        method: 'POST',
        body: multipart(files.map((bytes, i) => ({ name: `${b}-${i}.jpg`, bytes }))),
      }).then(
        (res) => {
          if (res.status === 200) acknowledged.push(b);
          firstAck();
        },
        () => {}, // the connection dies with the process
      ),
    );
    await oneAcknowledged;
    // Training starts now, while the other batches are still being stored; the engine first loads its network.
    const started = await json<Iteration>(train(`/projects/${tp.id}/train`, { method: 'POST' }));
    expect(started.status).toBe('Training');
    expect((await json<Iteration>(train(`/projects/${tp.id}/iterations/${started.id}`))).status).toBe('Training');
    const ackedAtKill = acknowledged.length;
    await a.kill('SIGKILL');
    await Promise.all(uploads);

    // Restart on the same directory (here in-process, with the stand-in engine): the dead process's lock is gone.
    const b = await startTestServer({ dataDir }, { engine: fakeEngine() });
    try {
      const storage = b.server.storage as Storage & { lock: { staleOwner?: { pid: number } }; swept: number };
      expect(storage.lock.staleOwner?.pid).toBe(a.child.pid);

      // Every image record has its bytes, and they are the bytes it was stored under.
      const images = await storage.images.query(up.id, { orderBy: 'Oldest' });
      for (const img of images) {
        const bytes = await storage.blobs.get(img.contentHash);
        expect(bytes, `bytes of image ${img.id}`).toBeDefined();
        expect(createHash('sha256').update(bytes!).digest('hex')).toBe(img.contentHash);
      }
      // Each batch is all there or not at all; acknowledged batches are all there; counts agree everywhere.
      const counts = await storage.tags.imageCounts(up.id);
      const perBatch = tags.map((t) => counts.get(t) ?? 0);
      for (const n of perBatch) expect([0, 64]).toContain(n);
      for (const ack of acknowledged) expect(perBatch[ack]).toBe(64);
      expect(images.length).toBe(perBatch.reduce((x, y) => x + y, 0));
      expect(await json<number>(b.train(`/projects/${up.id}/images/count`))).toBe(images.length);
      expect(listFiles(join(dataDir, 'blobs')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      console.log(
        `killed with ${ackedAtKill}/${BATCHES} batches acknowledged; ${perBatch.filter((n) => n).length} stored; ${storage.swept} temporary files swept`,
      );

      // The interrupted training is Failed with a reason, and the project trains again.
      const after = await json<Iteration>(b.train(`/projects/${tp.id}/iterations/${started.id}`));
      expect(after.status).toBe('Failed');
      expect(after.trainingErrorDetails).toMatch(/interrupted/);
      const retry = await json<Iteration>(b.train(`/projects/${tp.id}/train`, { method: 'POST' }));
      await b.server.idle();
      expect((await json<Iteration>(b.train(`/projects/${tp.id}/iterations/${retry.id}`))).status).toBe('Completed');

      // Uploads work again, including images that were in flight when the process died.
      const again = await b.train(`/projects/${up.id}/images?tagIds=${tags[BATCHES - 1]}`, {
        method: 'POST',
        body: multipart(batches[BATCHES - 1]!.map((bytes, i) => ({ name: `${i}.jpg`, bytes }))),
      });
      expect([200, 207]).toContain(again.status);
      expect((await again.json()) as { images: { status: string }[] }).toMatchObject({
        images: Array(64).fill({ status: expect.stringMatching(/^OK(Duplicate)?$/) }),
      });

      // A second server process on the directory this one holds refuses to start, and says why.
      const contender = spawnServer(dataDir);
      const failure = (await contender.then(
        (c) => {
          children.push(c);
          throw new Error('a second server started on a locked data directory');
        },
        (e: Error & { code?: number; stderr?: string }) => e,
      )) as Error & { code?: number; stderr?: string };
      expect(failure.code).toBe(1);
      expect(failure.stderr).toContain(`is in use by another cvkit server (pid ${process.pid}`);
    } finally {
      await b.stop({ keepData: true });
    }
  }, 60_000);
});

describe('two servers on one data directory', () => {
  it('the second open fails with the holder named, until the first closes; a stale owner file does not block', async () => {
    const dir = tempDir();
    const first = openSqliteStorage(dir);
    expect(() => openSqliteStorage(dir)).toThrowError(DataDirLockedError);
    expect(() => openSqliteStorage(dir)).toThrowError(new RegExp(`pid ${process.pid} on `));
    await expect(
      createServer(defaultConfig({ dataDir: dir, logLevel: 'silent' }), {
        engine: fakeEngine(),
        logger: createLogger('silent'),
      }),
    ).rejects.toThrowError(DataDirLockedError);
    await first.close();
    expect(existsSync(join(dir, 'cvkit.lock.json'))).toBe(false);

    // What a killed process leaves: its owner file, naming a pid that no longer runs.
    writeFileSync(
      join(dir, 'cvkit.lock.json'),
      JSON.stringify({ pid: 999_999_999, hostname: 'gone', startedAt: '2020-01-01T00:00:00Z' }),
    );
    const second = openSqliteStorage(dir);
    expect(second.lock.staleOwner).toMatchObject({ pid: 999_999_999 });
    expect(JSON.parse(readFileSync(join(dir, 'cvkit.lock.json'), 'utf8'))).toMatchObject({ pid: process.pid });
    await second.close();
  });
});

// -----------------------------------------------------------------------------------------------------------------

/** A Storage whose writes can be made to fail, as a full disk or a read-only volume would. */
function failing(storage: Storage) {
  const state = { blobPut: (_key: string) => false, imageBatch: false, iterationUpdate: false };
  const ioError = (key: string) =>
    Object.assign(new Error(`ENOSPC: no space left on device, open '/srv/cvkit/blobs/${key.slice(0, 2)}/${key}.tmp'`), {
      code: 'ENOSPC',
      errno: -28,
    });
  const wrapped: Storage = {
    ...storage,
    blobs: {
      ...storage.blobs,
      get: (k) => storage.blobs.get(k),
      has: (k) => storage.blobs.has(k),
      delete: (k) => storage.blobs.delete(k),
      put: async (key, bytes) => {
        if (state.blobPut(key)) throw ioError(key);
        return storage.blobs.put(key, bytes);
      },
    },
    images: Object.assign(Object.create(storage.images), {
      addBatch: async (projectId: string, images: Parameters<Storage['images']['addBatch']>[1]) => {
        if (state.imageBatch) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
        return storage.images.addBatch(projectId, images);
      },
    }),
    close: () => storage.close(),
  };
  return { storage: wrapped, state };
}

describe('failed writes', () => {
  let s: TestServer;
  let f: ReturnType<typeof failing>;
  afterAll(() => s?.stop());

  it('a blob write that fails is that image’s ErrorStorage; the rest of the batch and earlier data are kept', async () => {
    const dir = tempDir();
    f = failing(openSqliteStorage(dir));
    const server = await createServer(
      defaultConfig({ port: 0, host: '127.0.0.1', dataDir: dir, trainingKey: TRAINING_KEY, logLevel: 'silent' }),
      {
        storage: f.storage,
        engine: fakeEngine(),
        logger: createLogger('silent'),
      },
    );
    const url = await server.listen();
    s = {
      server,
      url,
      dataDir: dir,
      train: (path: string, init: RequestInit = {}) => call(`${url}/customvision/v3.3/training`, path, init),
      stop: () => server.close(),
    } as unknown as TestServer;
    const p = await json<{ id: string }>(s.train('/projects?name=disk', { method: 'POST' }));
    const earlier = await noisyJpegs(2, 32);
    expect(
      (
        await s.train(`/projects/${p.id}/images`, {
          method: 'POST',
          body: multipart(earlier.map((bytes, i) => ({ name: `${i}.jpg`, bytes }))),
        })
      ).status,
    ).toBe(200);

    const batch = await noisyJpegs(3, 32);
    const doomed = createHash('sha256').update(batch[1]!).digest('hex');
    f.state.blobPut = (key) => key === doomed;
    const res = await s.train(`/projects/${p.id}/images`, {
      method: 'POST',
      body: multipart(batch.map((bytes, i) => ({ name: `${i}.jpg`, bytes }))),
    });
    expect(res.status).toBe(207);
    expect(((await res.json()) as { images: { status: string }[] }).images.map((i) => i.status)).toEqual([
      'OK',
      'ErrorStorage',
      'OK',
    ]);
    expect(await json<number>(s.train(`/projects/${p.id}/images/count`))).toBe(4);

    // Once the disk has room again, the same upload stores the missing image and reports the others as duplicates.
    f.state.blobPut = () => false;
    const retry = await s.train(`/projects/${p.id}/images`, {
      method: 'POST',
      body: multipart(batch.map((bytes, i) => ({ name: `${i}.jpg`, bytes }))),
    });
    expect(((await retry.json()) as { images: { status: string }[] }).images.map((i) => i.status)).toEqual([
      'OKDuplicate',
      'OK',
      'OKDuplicate',
    ]);
    expect(await json<number>(s.train(`/projects/${p.id}/images/count`))).toBe(5);
  });

  it('a database write that fails answers 500 ErrorUnknown, stores nothing of the batch and keeps earlier data', async () => {
    const [p] = await json<{ id: string }[]>(s.train('/projects'));
    f.state.imageBatch = true;
    const res = await s.train(`/projects/${p!.id}/images`, {
      method: 'POST',
      body: multipart((await noisyJpegs(2, 32)).map((bytes, i) => ({ name: `${i}.jpg`, bytes }))),
    });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ code: 'ErrorUnknown', message: 'An unexpected error occurred.' });
    f.state.imageBatch = false;
    expect(await json<number>(s.train(`/projects/${p!.id}/images/count`))).toBe(5);
    const images = await s.server.storage.images.query(p!.id, {});
    for (const img of images) expect(await s.server.storage.blobs.has(img.contentHash)).toBe(true);
  });

  it('a model that cannot be written leaves the iteration Failed with details; the project trains again', async () => {
    const [p] = await json<{ id: string }[]>(s.train('/projects'));
    for (const name of ['x', 'y']) {
      const tag = await json<{ id: string }>(s.train(`/projects/${p!.id}/tags?name=${name}`, { method: 'POST' }));
      const files = (await noisyJpegs(5, 24)).map((bytes, i) => ({ name: `${i}.jpg`, bytes }));
      await s.train(`/projects/${p!.id}/images?tagIds=${tag.id}`, { method: 'POST', body: multipart(files) });
    }
    f.state.blobPut = (key) => key.startsWith('model-');
    const it1 = await json<Iteration>(s.train(`/projects/${p!.id}/train`, { method: 'POST' }));
    await s.server.idle();
    expect(await json<Iteration>(s.train(`/projects/${p!.id}/iterations/${it1.id}`))).toMatchObject({
      status: 'Failed',
      trainingErrorDetails: 'Training stopped on a server error (ENOSPC); train again.',
    });
    expect(JSON.stringify(await json(s.train(`/projects/${p!.id}/iterations/${it1.id}`)))).not.toContain('/srv/');
    f.state.blobPut = () => false;
    const it2 = await json<Iteration>(s.train(`/projects/${p!.id}/train`, { method: 'POST' }));
    await s.server.idle();
    expect((await json<Iteration>(s.train(`/projects/${p!.id}/iterations/${it2.id}`))).status).toBe('Completed');
  });
});
