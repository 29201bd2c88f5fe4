/** `cvkit migrate` options and outcomes, run in-process: --project, --train, failures with reasons, exit codes. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azureLimits } from '../../server/src/domain/limits.ts';
import { startTestServer, type TestServer, TRAINING_KEY } from '../../server/test/helpers/test-server.ts';
import { runCli } from '../src/cli.ts';
import { collectingOutput } from '../src/output.ts';
import { client, repoRoot, seedClassification, seedDetection } from './helpers.ts';

let source: TestServer;
let work: string;
let trees: string;
const targets: TestServer[] = [];

beforeAll(async () => {
  source = await startTestServer();
  work = mkdtempSync(join(tmpdir(), 'cvkit-migrate-options-'));
  trees = await seedClassification(client(source.url, TRAINING_KEY));
  await seedDetection(client(source.url, TRAINING_KEY), 'fork and scissors', 6);
}, 120_000);
afterAll(async () => {
  await source?.stop();
  for (const t of targets) await t.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function target(overrides: Parameters<typeof startTestServer>[0] = {}) {
  const t = await startTestServer(overrides);
  targets.push(t);
  return t;
}

async function migrate(to: TestServer, ...extra: string[]) {
  const out = collectingOutput();
  const code = await runCli(
    [
      'migrate',
      ...['--source-endpoint', source.url, '--source-key', TRAINING_KEY],
      ...['--target-endpoint', to.url, '--target-key', TRAINING_KEY],
      ...extra,
    ],
    {},
    out,
  );
  return { code, text: out.lines.join('\n') };
}

describe('cvkit migrate options', () => {
  it('--project copies only the named project; --train trains the copy', async () => {
    const imported = collectingOutput();
    await runCli(
      ['dataset', 'import', '--endpoint', source.url, '--training-key', TRAINING_KEY, '--format', 'folders'].concat([
        '--in',
        join(repoRoot, 'data', 'datasets', 'azure-cv-trees', 'train'),
        '--name',
        'trees only',
      ]),
      {},
      imported,
    );
    const treesOnly = /Imported into project (\S+):/.exec(imported.lines.join('\n'))![1]!;
    const to = await target();
    const r = await migrate(to, '--project', treesOnly, '--state', join(work, 'one.json'), '--train');
    expect(r.code, r.text).toBe(0);
    expect(r.text).toMatch(/trees only .* ok, trained Iteration 1/);
    const projects = await client(to.url, TRAINING_KEY).getProjects();
    expect(projects.map((p) => p.name)).toEqual(['trees only']);
    const [iteration] = await client(to.url, TRAINING_KEY).getIterations(projects[0]!.id!);
    expect(iteration?.status).toBe('Completed');
  });

  it("a copy that cannot train is reported as copied with the service's reason, exit code 1", async () => {
    const to = await target();
    const r = await migrate(to, '--project', trees, '--state', join(work, 'thin.json'), '--train');
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/copied; training failed: .*at least 5 images; too few for: none/);
    expect(r.text).toMatch(/Everything was copied, but not every copy trained/);
  });

  it('images the target refuses are listed with their reason, the exit code is 1, and a rerun retries them', async () => {
    // A target that takes images up to 200 kB only: some of the trees' photos are larger.
    const to = await target({ limits: { ...azureLimits, trainingImageBytes: 200_000 } });
    const state = join(work, 'failing.json');
    const r = await migrate(to, '--state', state);
    expect(r.code, r.text).toBe(1);
    const row = /^trees\s+\S+\s+23\s+(\d+)\s+0\s+(\d+)\s+0\s+incomplete: rerun to retry$/m.exec(r.text);
    expect(row, r.text).not.toBeNull();
    expect(Number(row![1]) + Number(row![2])).toBe(23);
    expect(r.text).toMatch(/trees: image \S+ failed: ErrorImageSize/);
    expect(r.text).toMatch(/fork and scissors\s+\S+\s+6\s+6\s+0\s+0\s+\d+\s+ok/);
    expect(r.text).toMatch(/Not everything was copied/);
    // The rerun tries the failed images again (and fails again the same way), copying nothing twice.
    const again = await migrate(to, '--state', state);
    expect(again.code).toBe(1);
    expect(again.text).toMatch(
      new RegExp(`^trees\\s+\\S+\\s+23\\s+0\\s+${23 - Number(row![2])}\\s+${row![2]}\\s`, 'm'),
    );
  });

  it('refuses a state file made for another pair of endpoints, and a bad command line with exit code 2', async () => {
    const other = await target();
    const r = await migrate(other, '--state', join(work, 'one.json'));
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/one\.json records a migration from .* use another --state file/);
    expect((await migrate(other, '--batch-size', '65')).code).toBe(2);
    expect((await runCli(['migrate'], {}, collectingOutput())) as number).toBe(2);
  });

  it('is on the PATH of the repository after npm install: npx cvkit --help', () => {
    const r = spawnSync(join(repoRoot, 'node_modules', '.bin', 'cvkit'), ['--help'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cvkit migrate --source-endpoint URL/);
  });
});
