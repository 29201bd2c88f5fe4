import { defineWorkspace } from 'vitest/config';

// One project per workspace that has tests; each keeps its own vitest.config.ts when it needs one.
export default defineWorkspace(['spec', 'packages/*', 'examples']);
