/** The JSON document the ml benchmarks print: what ran, on what, under which load, and the rows. */
import os from 'node:os';
import { engineInfo } from '../src/index.ts';

export const round = (x: number, d = 4) => Number(x.toFixed(d));

/** Call at the start of a benchmark; the returned function prints the document with the results. */
export function startReport(benchmark: string): (results: unknown[]) => void {
  const started = Date.now();
  const loadBefore = os.loadavg();
  return (results) => {
    const doc = {
      benchmark,
      date: new Date().toISOString(),
      engine: engineInfo(),
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: { before: loadBefore.map((l) => round(l, 2)), after: os.loadavg().map((l) => round(l, 2)) },
      seconds: round((Date.now() - started) / 1000, 1),
      results,
    };
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  };
}
