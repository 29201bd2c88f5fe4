import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@cvkit/sdk',
    include: ['test/**/*.test.ts'],
    // The packaging test builds, packs and installs; it runs on demand (`npm run test:pack`), see its header.
    testTimeout: 10_000,
  },
});
