import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClassifierEngine } from '../../src/ml/classifier-engine.ts';
import { type DomainHarness, domainHarness } from '../helpers/domain.ts';
import { fakeEngine } from '../helpers/fake-engine.ts';

/** The stand-in engine, held after its first progress report until `open()`. */
function gatedEngine() {
  const base = fakeEngine();
  let open!: () => void;
  const gate = new Promise<void>((r) => {
    open = r;
  });
  const engine: ClassifierEngine = {
    ...base,
    async train(job) {
      job.onProgress?.(0.5);
      await gate;
      return base.train(job);
    },
  };
  return { engine, open };
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

let h: DomainHarness;
afterEach(async () => {
  vi.restoreAllMocks();
  await h?.close();
});

describe('TrainingService writes only what it owns', () => {
  it('keeps a rename made while the iteration trains, and stores its progress on the way', async () => {
    const { engine, open } = gatedEngine();
    h = domainHarness({ engine });
    const { project } = await h.trainableProject();
    const started = await h.training.train(project.id, {});
    await until(async () => (await h.iterations.get(project.id, started.id)).progress >= 0.5);
    await h.iterations.rename(project.id, started.id, 'renamed while training');
    open();
    await h.idle();
    const done = await h.iterations.get(project.id, started.id);
    expect(done).toMatchObject({ name: 'renamed while training', status: 'Completed', progress: 1 });
    expect(done.modelKey).toBeTruthy();
  });

  it('awaits its progress writes: one that fails ends the iteration Failed, not an unhandled rejection', async () => {
    const { engine, open } = gatedEngine();
    h = domainHarness({ engine });
    const { project } = await h.trainableProject();
    const patch = h.storage.iterations.patch.bind(h.storage.iterations);
    vi.spyOn(h.storage.iterations, 'patch').mockImplementation(async (p, i, changes) => {
      if (changes.progress !== undefined && changes.progress < 1)
        throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      return patch(p, i, changes);
    });
    const started = await h.training.train(project.id, {});
    open();
    await h.idle();
    const it = await h.iterations.get(project.id, started.id);
    expect(it.status).toBe('Failed');
    expect(it.trainingErrorDetails).toBe('Training stopped on a server error (SQLITE_FULL); train again.');
    expect(it.modelKey).toBeNull();
  });

  it('marks iterations a dead process left in Training as Failed, keeping their names', async () => {
    const { engine, open } = gatedEngine();
    h = domainHarness({ engine });
    const { project } = await h.trainableProject();
    const live = await h.training.train(project.id, {});
    // An iteration a dead process left in Training: no job of this process will finish it.
    const orphan = { ...live, id: randomUUID(), name: 'Iteration 0', created: new Date(0), lastModified: new Date(0) };
    await h.storage.iterations.create(orphan, []);
    await h.iterations.rename(project.id, orphan.id, 'kept');
    // The live one has its job in this process's queue: only the orphan is recovered.
    expect(await h.training.recoverInterrupted()).toBe(1);
    expect(await h.iterations.get(project.id, orphan.id)).toMatchObject({ name: 'kept', status: 'Failed' });
    expect((await h.iterations.get(project.id, live.id)).status).toBe('Training');
    open();
  });
});
