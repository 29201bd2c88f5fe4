import { configDefaults, defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@cvkit/server',
    // The packaging test packs and installs the server: `npm test` runs it on its own (`npm run test:pack`), after
    // the other tests, so the main run leaves it out rather than reporting it skipped.
    exclude: [
      ...configDefaults.exclude,
      ...(process.env.npm_lifecycle_event === 'test:pack' ? [] : ['test/pack.test.ts']),
    ],
    // Most tests here start a server, decode images and train (with the stand-in engine or the real one); measured
    // with two CPU-bound processes on the machine's two cores, several took 3 to 5.5 s and some passed the 5 s
    // default. The budgets are for a busy machine, not for the time the tests usually take.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
