import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PREDICTION_KEY, TRAINING_KEY } from '../helpers/test-server.ts';

const serverDir = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(serverDir, 'src/cli.ts');

export interface ChildServer {
  child: ChildProcess;
  url: string;
  training: string;
  prediction: string;
  stderr(): string;
  /** Resolves with the exit code (or the signal) when the process has ended. */
  exited: Promise<number | NodeJS.Signals | null>;
  kill(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals | null>;
}

/**
 * `src/cli.ts` run with tsx in a child process on 127.0.0.1 and a random port, as an operator would run it.
 * Resolves once it logs that it listens; rejects with its stderr if it exits first or takes over `timeoutMs`.
 */
export function spawnServer(
  dataDir: string,
  /** `host: null` passes no --host (the server's default); `keys: false` passes no keys (the development keys). */
  opts: {
    args?: string[];
    env?: Record<string, string>;
    timeoutMs?: number;
    host?: string | null;
    keys?: boolean;
  } = {},
): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      CLI,
      '--port',
      '0',
      ...(opts.host === null ? [] : ['--host', opts.host ?? '127.0.0.1']),
      '--data-dir',
      dataDir,
      ...(opts.keys === false ? [] : ['--training-key', TRAINING_KEY, '--prediction-key', PREDICTION_KEY]),
      '--log-level',
      'info',
      ...(opts.args ?? []),
    ],
    { cwd: serverDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  );
  let err = '';
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${opts.timeoutMs ?? 30_000} ms:\n${err}`));
    }, opts.timeoutMs ?? 30_000);
    child.stdout!.resume();
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      for (const line of err.split('\n')) {
        if (!line.includes('cvkit server listening')) continue;
        const { url } = JSON.parse(line) as { url: string };
        clearTimeout(timer);
        resolve({
          child,
          url,
          training: `${url}/customvision/v3.3/training`,
          prediction: `${url}/customvision/v3.1/prediction`,
          stderr: () => err,
          exited,
          kill: (signal = 'SIGKILL') => {
            child.kill(signal);
            return exited;
          },
        });
        return;
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`server exited (${code}) before listening:\n${err}`), { code, stderr: err }));
    });
  });
}
