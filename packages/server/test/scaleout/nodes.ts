import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PREDICTION_KEY, TRAINING_KEY } from '../helpers/test-server.ts';

const here = dirname(fileURLToPath(import.meta.url));

export interface Node {
  child: ChildProcess;
  /** Base URL of an API process; undefined for a worker. */
  url: string | undefined;
  log(): string;
  kill(signal?: NodeJS.Signals): Promise<unknown>;
}

/**
 * One process of a scale-out deployment with the role and storage `env` gives it, on 127.0.0.1 and a random port.
 * Resolves once it logs that it listens (api, all) or is ready (worker).
 */
export function startNode(
  env: Record<string, string>,
  /** `script`: src/cli.ts runs the real engine; the default is fake-node.ts and its stand-in. */
  { timeoutMs = 60_000, script = join(here, 'fake-node.ts') } = {},
): Promise<Node> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      script,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--training-key',
      TRAINING_KEY,
      '--prediction-key',
      PREDICTION_KEY,
    ],
    {
      cwd: join(here, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CVKIT_LOG_LEVEL: 'info', ...env },
    },
  );
  let log = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node did not start within ${timeoutMs} ms:\n${log}`));
    }, timeoutMs);
    child.stdout!.resume();
    child.stderr!.on('data', (c: Buffer) => {
      const before = log.length;
      log += c.toString();
      for (const line of log.slice(Math.max(0, log.lastIndexOf('\n', before) + 1)).split('\n')) {
        if (!line.includes('cvkit server listening') && !line.includes('cvkit worker ready')) continue;
        clearTimeout(timer);
        const url = (JSON.parse(line) as { url?: string }).url;
        resolve({
          child,
          url,
          log: () => log,
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
      reject(new Error(`node exited (${code}) before it was ready:\n${log}`));
    });
  });
}
