/**
 * Keeps the structure of Microsoft's Custom Vision swagger files (paths, parameters, schemas, enums, status codes)
 * and drops their prose and examples, which are not ours to ship. The conformance check reads the result.
 *
 *   npx tsx spec/azure/strip.ts <folder holding Microsoft's training-v3.*.json and prediction-v3.*.json>
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Keys whose string values are Microsoft's wording (a schema property may also be *named* `description`). */
const PROSE_KEYS = new Set(['description', 'summary']);
/** Keys dropped whatever they hold: links to Microsoft's example files and documentation. */
const DROPPED_KEYS = new Set(['x-ms-examples', 'externalDocs']);

export function stripProse(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripProse);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (DROPPED_KEYS.has(key) || (PROSE_KEYS.has(key) && typeof child === 'string')) continue;
    out[key] = stripProse(child);
  }
  return out;
}

const SWAGGER = /^(training|prediction)-v3\.\d+(-preview)?\.json$/;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const from = process.argv[2];
  if (!from) {
    console.error('usage: tsx spec/azure/strip.ts <folder with Microsoft swagger files>');
    process.exit(2);
  }
  const here = dirname(fileURLToPath(import.meta.url));
  for (const file of readdirSync(from).filter((f) => SWAGGER.test(f))) {
    const stripped = stripProse(JSON.parse(readFileSync(join(from, file), 'utf8')));
    writeFileSync(join(here, file), `${JSON.stringify(stripped, null, 2)}\n`);
    console.log(`${file} written`);
  }
}
