/**
 * Features of the benchmark data sets, embedded once per backbone under every view and cached on disk in
 * bench-results/feature-cache (keyed by the backbone's cache key), so reruns only retrain heads.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Backbone, embedViews, type ImageFeatures, VIEW_NAMES, type ViewName } from '../src/index.ts';
import type { Dataset } from './datasets.ts';

const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bench-results');

/** Features of every image of a data set under every view, cached on disk per backbone cache key. */
export async function datasetFeatures(backbone: Backbone, ds: Dataset): Promise<Map<string, ImageFeatures>> {
  const key = createHash('sha256').update(backbone.cacheKey).digest('hex').slice(0, 16);
  const dir = path.join(RESULTS, 'feature-cache', `${backbone.id}-${key}`);
  const file = path.join(dir, `${ds.name}.bin`);
  const views: readonly ViewName[] = VIEW_NAMES;
  const out = new Map<string, ImageFeatures>();
  const per = views.length * backbone.dim;
  if (existsSync(file)) {
    const buf = readFileSync(file);
    const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    if (all.length === ds.images.length * per) {
      ds.images.forEach((img, i) => {
        const f: ImageFeatures = {};
        views.forEach((v, j) => {
          f[v] = all.slice(i * per + j * backbone.dim, i * per + (j + 1) * backbone.dim);
        });
        out.set(img.file, f);
      });
      return out;
    }
  }
  const all = new Float32Array(ds.images.length * per);
  for (const [i, img] of ds.images.entries()) {
    const { features } = await embedViews(backbone, readFileSync(img.path), views);
    views.forEach((v, j) => {
      all.set(features[v]!, i * per + j * backbone.dim);
    });
    out.set(img.file, features);
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, Buffer.from(all.buffer));
  return out;
}
