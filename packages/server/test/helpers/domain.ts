import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportService } from '../../src/domain/exports.ts';
import { ImageService } from '../../src/domain/images.ts';
import { IterationService } from '../../src/domain/iterations.ts';
import { azureLimits, type Limits } from '../../src/domain/limits.ts';
import { PredictionService } from '../../src/domain/predictions.ts';
import { ProjectService } from '../../src/domain/projects.ts';
import { TagService } from '../../src/domain/tags.ts';
import { TrainingService } from '../../src/domain/training.ts';
import { InProcessJobQueue } from '../../src/jobs/job-queue.ts';
import { createLogger } from '../../src/logging.ts';
import type { ClassifierEngine } from '../../src/ml/classifier-engine.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import { fakeEngine } from './fake-engine.ts';
import { distinctJpegs } from './images.ts';

/**
 * The domain services wired as app.ts wires them, on a temporary SQLite store and the stand-in engine, with no
 * HTTP in between: unit tests call the services directly.
 */
export function domainHarness(opts: { engine?: ClassifierEngine; limits?: Partial<Limits> } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'cvkit-domain-'));
  const storage = openSqliteStorage(dataDir);
  const engine = opts.engine ?? fakeEngine({ features: storage.features });
  const limits = { ...azureLimits, ...opts.limits };
  const logger = createLogger('silent');
  const queue = new InProcessJobQueue(1);
  const projects = new ProjectService(storage, limits);
  const tags = new TagService(storage, projects, limits);
  const iterations = new IterationService(storage, projects, engine);
  const images = new ImageService(storage, projects, limits, async (projectId, iterationId) => {
    await iterations.get(projectId, iterationId);
  });
  const training = new TrainingService(storage, projects, engine, queue, limits, logger);
  const predictions = new PredictionService(storage, iterations, engine, limits);
  const exports = new ExportService(storage, iterations, engine, queue, logger);
  return {
    dataDir,
    storage,
    engine,
    queue,
    projects,
    tags,
    iterations,
    images,
    training,
    predictions,
    exports,
    /** Resolves when queued training and export jobs have finished. */
    idle: () => queue.drain(),
    /** A compact-domain project with two tags of `perTag` distinct images each, ready to train. */
    async trainableProject(name = 'p', perTag = 5, seed = 0) {
      const project = await projects.create({ name, domainId: COMPACT_DOMAIN, classificationType: 'Multiclass' });
      const photos = await distinctJpegs(seed + 2 * perTag);
      const tagIds: string[] = [];
      for (const [i, tagName] of ['red', 'green'].entries()) {
        const tag = await tags.create(project.id, { name: tagName });
        tagIds.push(tag.id);
        const batch = photos.slice(seed + i * perTag, seed + (i + 1) * perTag);
        await images.create(
          project.id,
          batch.map((bytes) => ({ sourceUrl: null, bytes })),
          { tagIds: [tag.id] },
        );
      }
      return { project, tagIds, photos: photos.slice(seed) };
    },
    /** A trainable project trained once: its first iteration, Completed. */
    async trainedProject(name = 'p') {
      const made = await this.trainableProject(name);
      const started = await training.train(made.project.id, {});
      await queue.drain();
      return { ...made, iteration: await iterations.get(made.project.id, started.id) };
    },
    async close() {
      await queue.drain();
      await storage.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type DomainHarness = ReturnType<typeof domainHarness>;

/** General (compact) [S1]: trains and exports. */
export const COMPACT_DOMAIN = '0732100f-1a38-4e49-a514-c9b44c697ab5';

/** Every file under `dir` with its size, relative paths sorted. */
export function filesUnder(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path, `${rel}${e.name}/`);
      else out.set(`${rel}${e.name}`, statSync(path).size);
    }
  };
  walk(dir, '');
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}
