import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { workerRunner } from '../src/backbones/onnx-session-runner.ts';
import { ortOrNull } from './export/helpers/onnxruntime.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('the onnxruntime worker runner', () => {
  it.skipIf(!ortOrNull)(
    'rejects a model onnxruntime cannot load, and does not keep the process alive',
    async () => {
      await expect(workerRunner(new Uint8Array([1, 2, 3, 4]), {})).rejects.toThrow(/protobuf|load/i);
      // In a process of its own: after the rejection nothing may hold the event loop open.
      const script = `import(${JSON.stringify(path.join(here, '../src/backbones/onnx-session-runner.ts'))}).then((m) => m.workerRunner(new Uint8Array([1, 2, 3]), {})).catch(() => console.log('rejected'));`;
      const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 30_000 });
      expect(run.stdout).toContain('rejected');
      expect(run.status).toBe(0);
    },
    60_000,
  );
});
