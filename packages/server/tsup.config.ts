import { rmSync } from 'node:fs';
import { defineConfig } from 'tsup';

// Two builds write to dist, so it is cleared once, here.
rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });

/**
 * The server as JavaScript for Node 20: `npm start` and the `cvkit-server` bin run dist/cli.js. Dependencies stay
 * external (tsup's default for everything in package.json), including @cvkit/ml and @cvkit/api-types, which are
 * their own packages; the ML engine is imported on demand (app.ts) and becomes its own chunk.
 */
export default defineConfig([
  {
    entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    // Declarations take most of the build's time: made by `npm run build` (and so when packing), not by `npm start`.
    dts: process.env.npm_lifecycle_event === 'build' ? { entry: { index: 'src/index.ts' } } : false,
  },
  {
    // The BMP decoder's worker is started from an eval'd CommonJS bootstrap that `require`s it (imaging/bmp-pool.ts),
    // so it is built as CommonJS beside the entry chunks.
    entry: { 'bmp-worker': 'src/imaging/bmp-worker.ts' },
    format: ['cjs'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
  },
]);
