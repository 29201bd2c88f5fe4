/**
 * The TypeScript blocks of the README and docs/getting-started.md that are marked `<!-- snippet: <id> -->` run here
 * unchanged except for two substitutions: the server URL (a test server on a random port, with the development keys
 * and the stand-in engine: the code is under test, not the model) and the dataset folder.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_PREDICTION_KEY, DEV_TRAINING_KEY } from '@cvkit/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../../packages/server/test/helpers/test-server.ts';
import { datasetsDir, repoRoot } from '../lib/paths.ts';

function snippets(file: string): Map<string, string> {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const out = new Map<string, string>();
  for (const m of text.matchAll(/<!-- snippet: ([\w-]+)[^>]*-->\s*```ts\n([\s\S]*?)```/g)) out.set(m[1]!, m[2]!);
  return out;
}

const blocks = new Map([...snippets('README.md'), ...snippets('docs/getting-started.md')]);
const dir = join(repoRoot, 'examples/test/.snippets');
describe('documentation snippets run as written', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ trainingKey: DEV_TRAINING_KEY, predictionKey: DEV_PREDICTION_KEY });
    mkdirSync(dir, { recursive: true });
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await s?.stop();
  });

  it('finds the marked blocks', () => {
    expect([...blocks.keys()].sort()).toEqual(['getting-started-official', 'getting-started-sdk', 'readme-quickstart']);
  });

  for (const id of ['readme-quickstart', 'getting-started-sdk', 'getting-started-official'])
    it(`${id}: runs and classifies the test image`, async () => {
      const code = blocks
        .get(id)!
        .replaceAll("'http://localhost:3000'", `'${s.url}'`)
        .replaceAll("'data/datasets", `'${datasetsDir()}`);
      expect(code).toContain(s.url);
      const file = join(dir, `${id}.ts`);
      writeFileSync(file, `${code}\nexport {};\n`);
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      try {
        await import(file);
        const printed = log.mock.calls.map((c) => c.join(' ')).join('\n');
        expect(printed).toMatch(/Hemlock|Japanese_Cherry/);
      } finally {
        log.mockRestore();
      }
    });
});
