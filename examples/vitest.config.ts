import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@cvkit/examples',
    include: ['test/**/*.test.ts'],
    // The examples train real models (the real engine) on small dataset subsets.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
