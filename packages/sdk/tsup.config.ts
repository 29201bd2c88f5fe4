import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';

// Two builds run side by side and must not clean each other's output, so dist is cleared once, here.
rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });

const shared: Options = {
  entry: { index: 'src/index.ts', node: 'src/node.ts' },
  target: 'es2022',
  platform: 'neutral',
  // The default entry must not pull in Node built-ins; only `node.ts` uses them.
  external: [/^node:/],
  removeNodeProtocol: false,
  sourcemap: true,
  treeshake: true,
  // The contract types are inlined so the published declarations need no @cvkit/api-types. They are read from the
  // workspace sources: through node_modules the declaration bundler leaves their namespace re-exports unresolved.
  dts: {
    resolve: ['@cvkit/api-types'],
    compilerOptions: {
      paths: { '@cvkit/api-types': [fileURLToPath(new URL('../api-types/src/index.ts', import.meta.url))] },
    },
  },
};

export default defineConfig([
  // ESM keeps ky as a dependency.
  { ...shared, format: ['esm'] },
  // ky ships ESM only, which `require` cannot load before Node 20.19; the CommonJS build bundles it.
  { ...shared, format: ['cjs'], noExternal: ['ky'] },
]);
