/**
 * Trains on the real azure-cv-trees photos (Custom Vision's quickstart set) the repository ships in data/datasets.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { getBackbone } from '../src/backbones/registry.ts';
import { embedViews } from '../src/embed.ts';
import { initEngine } from '../src/engine/engine.ts';
import { accuracy, metricsAt } from '../src/evaluation/metrics.ts';
import { predict } from '../src/heads/head.ts';
import { preprocess } from '../src/preprocess/preprocess.ts';
import { trainHead } from '../src/training/train-head.ts';
import { datasetsDir } from './export/helpers/fixtures.ts';

const TREES = path.join(datasetsDir(), 'azure-cv-trees');

describe('azure-cv-trees (real photos)', () => {
  const rows = readFileSync(path.join(TREES, 'manifest.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','))
    .map(([split, tag, file]) => ({ split: split!, tag: tag!, file: path.join(TREES, file!) }));

  it('applies the EXIF orientation of the upside-down cherry photo', async () => {
    const file = path.join(TREES, 'train', 'Japanese_Cherry', 'japanese_cherry_8.jpg');
    const bytes = readFileSync(file);
    expect((await sharp(bytes).metadata()).orientation).toBe(3);
    const upright = await sharp(bytes).rotate().png().toBuffer();
    const a = await preprocess(bytes, { size: 224 });
    const b = await preprocess(upright, { size: 224 });
    let diff = 0;
    for (let i = 0; i < a.data.length; i++) diff += Math.abs(a.data[i]! - b.data[i]!);
    expect(diff / a.data.length).toBeLessThan(3);
  });

  it('trains a Hemlock / Japanese cherry classifier with a cross-validated evaluation', async () => {
    await initEngine();
    const backbone = await getBackbone('general');
    const tagIds = ['Hemlock', 'Japanese_Cherry'];
    const train = rows.filter((r) => r.split === 'train');
    expect(train).toHaveLength(20);
    const images = [];
    for (const r of train) {
      const { features } = await embedViews(backbone, readFileSync(r.file), ['centre', 'centre-mirrored']);
      images.push({ features, tags: [tagIds.indexOf(r.tag)] });
    }
    const { head, evaluation } = await trainHead({
      backbone: { ...backbone, defaultL2: backbone.spec.defaultL2 },
      tagIds,
      tagTypes: ['Regular', 'Regular'],
      images,
      classificationType: 'Multiclass',
      seed: 1,
    });
    expect(evaluation!.folds).toBe(5);
    expect(accuracy(evaluation!)).toBeGreaterThanOrEqual(0.9);
    const m = metricsAt(evaluation!, 0.5);
    expect(m.averagePrecision).toBeGreaterThanOrEqual(0.9);
    expect(m.perTag.map((t) => t.tagId)).toEqual(tagIds);
    // Every training photo is recognised by the final head.
    for (const img of images) expect(predict(head, img.features)[0]!.tagId).toBe(tagIds[img.tags[0]!]);
  }, 60_000);
});
