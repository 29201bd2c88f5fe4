/**
 * Builds the portal when dist/ is missing or older than any of its sources (the portal's own files and the SDK it
 * bundles), so `npm start` on a fresh clone or after a pull serves the current portal without a separate step.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sources = [
  join(root, 'src'),
  join(root, 'public'),
  join(root, 'index.html'),
  join(root, 'vite.config.ts'),
  join(root, 'package.json'),
  resolve(root, '../sdk/src'),
];

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

export function isStale(): boolean {
  const built = join(root, 'dist', 'index.html');
  return !existsSync(built) || statSync(built).mtimeMs < Math.max(...sources.map(newest));
}

export async function buildIfStale(): Promise<boolean> {
  if (!isStale()) return false;
  const { build } = await import('vite');
  await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  return true;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  try {
    if (await buildIfStale()) console.log(`portal built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (e) {
    // The API does not need the portal: start without it (`/` then says how to build it) rather than not at all.
    console.warn(`the portal could not be built, the server starts without it: ${(e as Error).message}`);
  }
}
