import { rmSync } from 'node:fs';
import { defineConfig } from 'tsup';

// Two builds run side by side and must not clean each other's output, so dist is cleared once, here.
rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });

export default defineConfig([
  // The command and its library: Node. The workspace packages are bundled (in a checkout their entry points are
  // TypeScript sources); ky stays a dependency.
  {
    entry: { main: 'src/main.ts', index: 'src/index.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    noExternal: [/^@cvkit\//],
    sourcemap: true,
  },
  // The formats, and a project read or written through the SDK, for browsers (the portal): no Node built-ins may
  // appear in this bundle (test/build.test.ts checks).
  {
    entry: { formats: 'src/formats/index.ts', project: 'src/project-dataset.ts' },
    format: ['esm'],
    target: 'es2022',
    platform: 'browser',
    dts: true,
    sourcemap: true,
  },
]);
