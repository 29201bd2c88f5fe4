import { cpSync, rmSync } from 'node:fs';
import { defineConfig } from 'tsup';

// Two builds write to dist, so it is cleared once, here.
rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    // Declarations take most of the build's time: made by `npm run build` (and so when packing), not by `npm start`.
    dts: process.env.npm_lifecycle_event === 'build',
    // Files the code reads beside itself (new URL('./app/…', import.meta.url)): the Docker export's app sources.
    onSuccess: async () => {
      cpSync(new URL('./src/export/docker/app', import.meta.url), new URL('./dist/app', import.meta.url), {
        recursive: true,
      });
    },
  },
  {
    // The worker entries are started from an eval'd CommonJS bootstrap that `require`s them (util/worker-bootstrap.ts),
    // so they are built as CommonJS, beside the entry: e.g. train-head-off-thread.ts looks for ./train-head-worker.cjs.
    entry: {
      'train-head-worker': 'src/training/train-head-worker.ts',
      'tfjs-backbone-worker': 'src/backbones/tfjs-backbone-worker.ts',
    },
    format: ['cjs'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    // The TF.js worker's modules locate packages from import.meta.url (engine/modules.ts).
    shims: true,
  },
]);
