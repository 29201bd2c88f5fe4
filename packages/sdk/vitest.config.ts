import { configDefaults, defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@cvkit/sdk',
    include: ['test/**/*.test.ts'],
    // The packaging test builds, packs and installs: `npm test` runs it on its own (`npm run test:pack`), after the
    // other tests, so the main run leaves it out rather than reporting it skipped.
    exclude: [
      ...configDefaults.exclude,
      ...(process.env.npm_lifecycle_event === 'test:pack' ? [] : ['test/pack.test.ts']),
    ],
    testTimeout: 10_000,
  },
});
