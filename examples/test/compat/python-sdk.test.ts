/**
 * Microsoft's Python clients (azure-cognitiveservices-vision-customvision 3.1.0 with msrest, Debian's python3-azure),
 * unchanged, against a cvkit server started here on a free port with fresh storage. The scripts in ./python are our
 * own: training_client.py and prediction_client.py call every method of CustomVisionTrainingClient and
 * CustomVisionPredictionClient (stand-in engine: the wire is under test, not the model);
 * classification_quickstart.py replays the calls Microsoft's Python classification quickstart makes (project, tags,
 * uploads, train, publish, classify) on the quickstart's tree photos; object_detection_quickstart.py those of the
 * detection quickstart up to training, which cvkit refuses until detection is built.
 *
 * Debian's /usr/bin/python3 runs them: a `python3` earlier on PATH may not see Debian's packages. Without the
 * package the suite is skipped with a message, except under CI=true, where that is a failure.
 * Each call is recorded (test/helpers/recorder.ts) for docs/compatibility.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeEngine } from '../../../packages/server/test/helpers/fake-engine.ts';
import { jpeg } from '../../../packages/server/test/helpers/images.ts';
import {
  PREDICTION_KEY,
  startTestServer,
  type TestServer,
  TRAINING_KEY,
} from '../../../packages/server/test/helpers/test-server.ts';
import { type ClientName, Recorder } from '../helpers/recorder.ts';

const PYTHON = '/usr/bin/python3';
const here = dirname(fileURLToPath(import.meta.url));
const scripts = join(here, 'python');
const repoRoot = resolve(here, '../../..');

function pythonClientProblem(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import azure.cognitiveservices.vision.customvision, msrest'], {
    encoding: 'utf8',
  });
  if (r.error) return `${PYTHON} is not installed`;
  if (r.status !== 0) return `${PYTHON} cannot import azure.cognitiveservices.vision.customvision: ${r.stderr.trim()}`;
  return undefined;
}

const problem = pythonClientProblem();
if (problem && process.env.CI !== 'true')
  console.warn(`Python compatibility suite skipped: ${problem} (install the Debian package python3-azure).`);

interface Call {
  call: string;
  client: ClientName;
  ok: boolean;
  status: number | null;
  code?: string | null;
}
interface Step {
  step: string;
  ok: boolean;
  error?: string;
}
interface Run {
  exitCode: number | null;
  calls: Call[];
  steps: Step[];
  methods: Record<string, string[]>;
  stderr: string;
  ms: number;
}

describe.skipIf(problem !== undefined && process.env.CI !== 'true')(
  "Microsoft's Python clients (azure-cognitiveservices-vision-customvision 3.1.0) against cvkit",
  () => {
    const recorders = {
      'python-training': new Recorder('python-training', 'compat/python-sdk'),
      'python-prediction': new Recorder('python-prediction', 'compat/python-sdk'),
    } as const;
    let origin: Server;
    let imageUrl: string;
    let imagesDir: string;

    beforeAll(async () => {
      expect(problem, `${problem} (install the Debian package python3-azure)`).toBeUndefined();
      imagesDir = mkdtempSync(join(tmpdir(), 'cvkit-python-images-'));
      // Shades of red or blue: the stand-in engine separates them by mean colour.
      for (let i = 0; i < 10; i++) {
        writeFileSync(join(imagesDir, `red-${i}.jpg`), await jpeg(24, 24, [250 - i * 9, i * 7, 10]));
        writeFileSync(join(imagesDir, `blue-${i}.jpg`), await jpeg(24, 24, [i * 7, 10, 250 - i * 9]));
      }
      const served = await jpeg(24, 24, [42, 10, 196]);
      origin = createHttpServer((_req, res) => res.end(served));
      await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
      imageUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/blue.jpg`;
    });
    afterAll(async () => {
      origin?.closeAllConnections();
      origin?.close();
      if (imagesDir) rmSync(imagesDir, { recursive: true, force: true });
    });

    /**
     * Runs one script to its end against a server of its own (free port, fresh storage); each call it makes is
     * recorded under the test that runs it.
     */
    async function runScript(name: string): Promise<Run> {
      const s = await startTestServer({ allowPrivateUrls: true }, { engine: fakeEngine() });
      try {
        return await runAgainst(s, name);
      } finally {
        await s.stop();
      }
    }

    function runAgainst(s: TestServer, name: string): Promise<Run> {
      const started = Date.now();
      return new Promise((resolvePromise, reject) => {
        const child = spawn(PYTHON, [join(scripts, name)], {
          cwd: scripts,
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            PYTHONDONTWRITEBYTECODE: '1',
            CVKIT_ENDPOINT: s.url,
            CVKIT_TRAINING_KEY: TRAINING_KEY,
            CVKIT_PREDICTION_KEY: PREDICTION_KEY,
            CVKIT_IMAGE_URL: imageUrl,
            CVKIT_IMAGES_DIR: imagesDir,
            CVKIT_DATA_DIR: join(repoRoot, 'data'),
          },
        });
        const run: Run = { exitCode: null, calls: [], steps: [], methods: {}, stderr: '', ms: 0 };
        let pending = '';
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (chunk: string) => {
          pending += chunk;
          const lines = pending.split('\n');
          pending = lines.pop()!;
          for (const line of lines) {
            if (!line.trim()) continue;
            const record = JSON.parse(line) as Partial<Call & Step & { methods: Record<string, string[]> }>;
            if (record.call) {
              run.calls.push(record as Call);
              recorders[record.client as keyof typeof recorders].hit(record.call, {
                ok: record.ok!,
                status: record.status ?? undefined,
                code: record.code ?? undefined,
              });
            } else if (record.step) run.steps.push(record as Step);
            else if (record.methods) run.methods = record.methods;
          }
        });
        child.stderr.on('data', (chunk: Buffer) => {
          run.stderr += chunk.toString();
        });
        child.on('error', reject);
        child.on('close', (code) => {
          run.exitCode = code;
          run.ms = Date.now() - started;
          resolvePromise(run);
        });
      });
    }

    const failures = (run: Run) => run.steps.filter((st) => !st.ok).map((st) => `${st.step}\n${st.error}`);
    const called = (run: Run, client: string) =>
      [...new Set(run.calls.filter((c) => c.client === client).map((c) => c.call))].sort();

    it('the classification quickstart: create a project, tag, upload, train, publish and classify', async () => {
      const run = await runScript('classification_quickstart.py');
      expect(failures(run), run.stderr).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(run.steps.map((st) => st.step)).toEqual([
        'create the project and its tags',
        'upload the photos',
        'train until Completed',
        'publish',
        'classify the test photo',
      ]);
    });

    it('the object detection quickstart, as far as cvkit serves it: regions tag their images; training is refused', async () => {
      const run = await runScript('object_detection_quickstart.py');
      expect(failures(run), run.stderr).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(run.calls.filter((c) => !c.ok)).toEqual([
        { call: 'train_project', client: 'python-training', ok: false, status: 400, code: 'BadRequestNotSupported' },
      ]);
    });

    it.each([
      ['CustomVisionTrainingClient', 'training_client.py', 'python-training', 52],
      ['CustomVisionPredictionClient', 'prediction_client.py', 'python-prediction', 8],
    ] as const)('%s: every method', async (_name, script, client, methods) => {
      const run = await runScript(script);
      expect(failures(run), run.stderr).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(run.methods[client]).toHaveLength(methods);
      expect(called(run, client)).toEqual(run.methods[client]);
    });
  },
);
