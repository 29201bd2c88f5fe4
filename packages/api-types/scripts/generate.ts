/**
 * Generates everything in this package from spec/*.yaml:
 *   src/generated/<api>.ts         openapi-typescript types (paths, components, operations)
 *   src/generated/<api>-models.ts  one alias per schema, so consumers write `Project`, not components['schemas']['Project']
 *   openapi/<api>.json             the dereferenced document the server serves at /openapi.json
 *
 * `--check` regenerates in memory and fails when a committed file differs (stale generated code).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import YAML from 'yaml';
import { dereference } from './dereference.ts';

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const specDir = resolve(pkgDir, '../../spec');
const apis = ['training', 'prediction'] as const;
const banner = '// Generated from spec/%s.yaml by packages/api-types/scripts/generate.ts. Do not edit.\n';

async function render(api: (typeof apis)[number]): Promise<Record<string, string>> {
  const doc = YAML.parse(readFileSync(join(specDir, `${api}.yaml`), 'utf8'));
  const ast = await openapiTS(structuredClone(doc), { alphabetize: false, exportType: false });
  const types = banner.replace('%s', api) + astToString(ast);
  const schemaNames = Object.keys(doc.components?.schemas ?? {});
  const models =
    banner.replace('%s', api) +
    `import type { components } from './${api}.js';\n\n` +
    schemaNames.map((n) => `export type ${n} = components['schemas']['${n}'];\n`).join('');
  const json = `${JSON.stringify(dereference(doc), null, 2)}\n`;
  return {
    [`src/generated/${api}.ts`]: types,
    [`src/generated/${api}-models.ts`]: models,
    [`openapi/${api}.json`]: json,
  };
}

const check = process.argv.includes('--check');
const stale: string[] = [];
for (const api of apis) {
  for (const [file, content] of Object.entries(await render(api))) {
    const path = join(pkgDir, file);
    let current: string | undefined;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === content) continue;
    if (check) stale.push(relative(process.cwd(), path));
    else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
      console.log(`wrote ${relative(process.cwd(), path)}`);
    }
  }
}
if (stale.length) {
  console.error(`Generated files are stale; run \`npm run generate\`:\n  ${stale.join('\n  ')}`);
  process.exit(1);
}
