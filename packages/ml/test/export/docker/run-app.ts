/**
 * Runs an exported Docker package's app without Docker: the files are written to a temp dir,
 * app/node_modules is a symlink to the repository's node_modules (what `npm install` in the
 * image would provide, at the versions app/package.json pins), and `node server.js` is started on
 * a free port. The process is stopped with SIGTERM (what `docker stop` sends), then SIGKILL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExportFile } from '../../../src/export/index.ts';
import { REPO_ROOT } from '../helpers/fixtures.ts';

export function writePackage(files: ExportFile[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cvkit-docker-export-'));
  for (const file of files) {
    const target = path.join(dir, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.bytes);
  }
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'app', 'node_modules'), 'dir');
  return dir;
}

export function removePackage(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface RunningApp {
  url: string;
  /** Everything the app printed, for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how the process ended. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();
// Last resort if the test process goes away without afterAll: never leave an app behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function startApp(packageDir: string, timeoutMs = 45_000): Promise<RunningApp> {
  const child = spawn(process.execPath, ['server.js'], {
    cwd: path.join(packageDir, 'app'),
    env: { ...process.env, PORT: '0', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const stop = async (graceMs = 5_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    }
    return exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop(0);
      reject(new Error(`the app did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const port = /listening on port (\d+)/.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.on('data', (more: Buffer) => {
          output += more.toString();
        });
        resolve({ url: `http://127.0.0.1:${port}`, output: () => output, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the app exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
}
