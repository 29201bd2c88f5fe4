import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@cvkit/server',
    // Most tests here start a server, decode images and train (with the stand-in engine or the real one); measured
    // with two CPU-bound processes on the machine's two cores, several took 3 to 5.5 s and some passed the 5 s
    // default. The budgets are for a busy machine, not for the time the tests usually take.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
