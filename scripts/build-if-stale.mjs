// Builds each package directory given whose dist/index.js is older than its sources, package.json or tsup config,
// so `npm start` runs the built server without rebuilding when nothing changed.
//
//   node scripts/build-if-stale.mjs packages/ml packages/server
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

function newest(path) {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s) return 0;
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

for (const dir of process.argv.slice(2).map((d) => resolve(d))) {
  const built = statSync(join(dir, 'dist', 'index.js'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const inputs = Math.max(...['src', 'package.json', 'tsup.config.ts'].map((f) => newest(join(dir, f))));
  if (built > inputs) continue;
  console.error(`building ${dir} (dist is ${built ? 'older than its sources' : 'missing'})`);
  execFileSync(process.execPath, [tsupCli(dir)], { cwd: dir, stdio: 'inherit' });
}

function tsupCli(dir) {
  const manifest = createRequire(join(dir, 'package.json')).resolve('tsup/package.json');
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8'));
  return join(dirname(manifest), typeof bin === 'string' ? bin : bin.tsup);
}
