/** The few-shot benchmarks' random draws: which photos train, per tag, for a seed (the rest are held out). */
import { createRng } from '../src/util/random.ts';

/** Indices of `shots` images per tag, drawn with the seed; the seed of draw d at n shots is 1000·n + d. */
export function drawPerTag(tags: readonly string[], shots: number, seed: number): Set<number> {
  const rng = createRng(seed);
  const picked = new Set<number>();
  const byTag = new Map<string, number[]>();
  tags.forEach((t, i) => {
    byTag.set(t, [...(byTag.get(t) ?? []), i]);
  });
  for (const idx of byTag.values()) {
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    for (const i of idx.slice(0, shots)) picked.add(i);
  }
  return picked;
}

export function meanSd(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1));
  return { mean, sd };
}
