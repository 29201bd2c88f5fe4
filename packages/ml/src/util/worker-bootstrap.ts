/**
 * The eval'd bootstrap of a worker thread whose entry is one of this package's TypeScript modules.
 *
 * `execArgv: ['--import', 'tsx']` does not reach a worker on Node 20 (it fails with "Unknown file extension .ts"), so
 * the worker is a CommonJS script that registers tsx's require hook when running from the sources, then `require`s
 * the entry. The built package (tsup.config.ts) has each worker entry as CommonJS beside `index.js`.
 *
 * `callerUrl` is the caller's `import.meta.url`, `name` the entry's file name without extension, in the caller's
 * folder (sources) or beside the bundle (built).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const requireHere = createRequire(import.meta.url);

export function workerBootstrap(callerUrl: string, name: string): string {
  const fromSources = callerUrl.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./${name}${fromSources ? '.ts' : '.cjs'}`, callerUrl));
  const register = fromSources ? `require(${JSON.stringify(requireHere.resolve('tsx/cjs/api'))}).register();\n` : '';
  return `${register}require(${JSON.stringify(entry)});\n`;
}
