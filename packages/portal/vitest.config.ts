import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@cvkit/portal',
    include: ['test/**/*.test.ts'],
    // Real Chromium against a real server with the real ML engine; a busy machine makes each step slower.
    testTimeout: 240_000,
    hookTimeout: 120_000,
    // expect.poll waits on the page; its default second is too short on a machine shared by many processes.
    expect: { poll: { timeout: 20_000, interval: 100 } },
  },
});
