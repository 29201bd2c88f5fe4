import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@cvkit/ml',
    // Backbones, TF.js kernels and exports are CPU-bound: measured with two CPU-bound processes on the machine's two
    // cores, tests that take 1 to 2 s on an idle machine took 3 to 5 s, and two passed the 5 s default. The heaviest
    // carry their own budgets; this is the floor for the rest.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
