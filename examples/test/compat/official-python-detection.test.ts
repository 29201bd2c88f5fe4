/**
 * The object detection quickstart's calls through Microsoft's Python client (python/detection_quickstart.py, our
 * own script) against cvkit with the real engine. Needs /usr/bin/python3 with the client: Debian's python3-azure.
 * With CI=true a missing client fails the test; otherwise the test is skipped with a message.
 */
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PREDICTION_KEY,
  startTestServer,
  type TestServer,
  TRAINING_KEY,
} from '../../../packages/server/test/helpers/test-server.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
const available = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import azure.cognitiveservices.vision.customvision.training'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!available && process.env.CI !== 'true')
  console.warn('Python detection compat test skipped: install the Debian package python3-azure');

describe.skipIf(!available && process.env.CI !== 'true')("Microsoft's Python client: detection quickstart", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({}, { engine: 'real' });
  });
  afterAll(() => s?.stop());

  it('uploads with regions, trains, publishes and detects', async () => {
    const { stdout } = await promisify(execFile)(
      PYTHON,
      [
        path.join(HERE, 'python', 'detection_quickstart.py'),
        s.url,
        TRAINING_KEY,
        PREDICTION_KEY,
        path.resolve(HERE, '../../../data/datasets/azure-cv-fork-scissors'),
      ],
      { timeout: 240_000 },
    );
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      uploaded: boolean;
      status: string;
      mAP: number;
      top: { tagName: string; probability: number; box: number[] };
    };
    expect(out).toMatchObject({ uploaded: true, status: 'Completed', top: { tagName: 'fork' } });
    expect(out.mAP).toBeGreaterThanOrEqual(0.85);
    expect(out.top.box.every((v) => v >= 0 && v <= 1)).toBe(true);
  }, 300_000);
});
