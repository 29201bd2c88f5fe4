// Points the packed package.json at dist while the workspace keeps using the sources; run in a package's directory
// (its `prepack` / `postpack`), so every package of the workspace packs the same way.
//
// In the monorepo `main`, `types` and `exports` point at src/*.ts, so the server and the examples use the packages
// without a build step. A published package must point at dist. pnpm and yarn apply `publishConfig` overrides when packing;
// npm does not, and packs package.json as it is on disk. So `prepack` applies the overrides listed in
// `publishConfig` (keeping the workspace manifest beside it) and `postpack` puts the workspace manifest back.
//
//   node ../../scripts/pack-manifest.mjs apply | restore
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const manifestPath = join(process.cwd(), 'package.json');
const savedPath = join(process.cwd(), 'package.workspace.json');
const overridable = ['main', 'module', 'types', 'exports', 'typesVersions', 'bin'];

function restore() {
  if (!existsSync(savedPath)) return;
  copyFileSync(savedPath, manifestPath);
  rmSync(savedPath);
}

function apply() {
  // A pack that died between prepack and postpack leaves the saved manifest behind: start from it.
  restore();
  const original = readFileSync(manifestPath, 'utf8');
  const { publishConfig = {}, ...manifest } = JSON.parse(original);
  const remaining = { ...publishConfig };
  for (const field of overridable) {
    if (field in publishConfig) {
      manifest[field] = publishConfig[field];
      delete remaining[field];
    }
  }
  if (Object.keys(remaining).length > 0) manifest.publishConfig = remaining;
  writeFileSync(savedPath, original);
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
}

const mode = process.argv[2];
if (mode === 'apply') apply();
else if (mode === 'restore') restore();
else {
  console.error('usage (in a package directory): node ../../scripts/pack-manifest.mjs apply|restore');
  process.exit(2);
}
