import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStorage } from '../src/storage/sqlite/sqlite-storage.ts';
import type { PredictionRecord } from '../src/storage/types.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function record(id: string, created: number): PredictionRecord {
  return {
    id,
    projectId: 'p',
    iterationId: 'it',
    created: new Date(created),
    contentHash: 'h',
    width: 10,
    height: 10,
    application: null,
    predictions: [],
  };
}

describe('stored predictions (SQLite group commit)', () => {
  it('commits concurrent adds together, each resolved once committed, and isolates a failing row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cvkit-predictions-'));
    dirs.push(dir);
    const storage = openSqliteStorage(dir);
    // The rows' project and iteration are beside the point here. Predictions use the log connection.
    storage.logDb.pragma('foreign_keys = OFF');
    try {
      await storage.predictions.add(record('existing', 1));
      const ids = Array.from({ length: 20 }, (_, i) => `p${i}`);
      const results = await Promise.allSettled([
        ...ids.map((id, i) => storage.predictions.add(record(id, 10 + i))),
        // The same primary key again: only this one fails.
        storage.predictions.add(record('existing', 2)),
      ]);
      expect(results.slice(0, 20).every((r) => r.status === 'fulfilled')).toBe(true);
      expect(results[20]!.status).toBe('rejected');
      const stored = await storage.predictions.getMany('p', [...ids, 'existing']);
      expect(stored.map((p) => p.id).sort()).toEqual([...ids, 'existing'].sort());
      expect(stored.find((p) => p.id === 'existing')!.created.getTime()).toBe(1);
    } finally {
      await storage.close();
    }
    // Reopened: everything acknowledged is there.
    const again = openSqliteStorage(dir);
    try {
      expect(await again.predictions.getMany('p', ['p0', 'p19'])).toHaveLength(2);
    } finally {
      await again.close();
    }
  });
});

describe('stored predictions added as the store closes', () => {
  it('are refused with an error, without throwing from the commit timer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cvkit-predictions-'));
    dirs.push(dir);
    const storage = openSqliteStorage(dir);
    storage.logDb.pragma('foreign_keys = OFF');
    const pending = storage.predictions.add(record('late', 1));
    await storage.close();
    await expect(pending).rejects.toThrow();
  });
});

describe('the log connection (stored predictions, cached features)', () => {
  it('commits without a sync of its own, and what it acknowledged survives the process being killed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cvkit-predictions-'));
    dirs.push(dir);
    const probe = openSqliteStorage(dir);
    try {
      // 2 = FULL for images, tags, iterations; 1 = NORMAL for the log.
      expect(probe.db.pragma('synchronous', { simple: true })).toBe(2);
      expect(probe.logDb.pragma('synchronous', { simple: true })).toBe(1);
    } finally {
      await probe.close();
    }
    const script = `
      import { openSqliteStorage } from ${JSON.stringify(new URL('../src/storage/sqlite/sqlite-storage.ts', import.meta.url).href)};
      const storage = openSqliteStorage(${JSON.stringify(dir)});
      storage.logDb.pragma('foreign_keys = OFF');
      const record = (id) => ({ id, projectId: 'p', iterationId: 'it', created: new Date(1), contentHash: 'h',
        width: 1, height: 1, application: null, predictions: [] });
      await Promise.all(Array.from({ length: 50 }, (_, i) => storage.predictions.add(record('k' + i))));
      await storage.features.put('backbone', 'h', [new Float32Array([1, 2, 3])]);
      process.kill(process.pid, 'SIGKILL');
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    const again = openSqliteStorage(dir);
    try {
      const ids = Array.from({ length: 50 }, (_, i) => `k${i}`);
      expect(await again.predictions.getMany('p', ids)).toHaveLength(50);
      expect([...(await again.features.getMany('backbone', ['h'])).get('h')![0]!]).toEqual([1, 2, 3]);
    } finally {
      await again.close();
    }
  }, 90_000);
});
