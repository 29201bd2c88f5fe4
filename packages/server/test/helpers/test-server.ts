import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CvkitServer, createServer } from '../../src/app.ts';
import { defaultConfig, type ServerConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logging.ts';
import type { ClassifierEngine } from '../../src/ml/classifier-engine.ts';
import { fakeEngine } from './fake-engine.ts';

export const TRAINING_KEY = 'test-training-key';
export const PREDICTION_KEY = 'test-prediction-key';

export interface TestServer {
  server: CvkitServer;
  url: string;
  training: string;
  prediction: string;
  dataDir: string;
  config: ServerConfig;
  /** fetch against the training API with the key set. */
  train(path: string, init?: RequestInit): Promise<Response>;
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

/** A server on a random loopback port with its own temporary data directory. */
export async function startTestServer(
  overrides: Partial<ServerConfig> = {},
  /** `engine: 'real'` runs the real engine (@cvkit/ml); the default is the fast stand-in. */
  opts: { engine?: ClassifierEngine | 'real' } = {},
): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'cvkit-test-'));
  const config = defaultConfig({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    trainingKey: TRAINING_KEY,
    predictionKey: PREDICTION_KEY,
    logLevel: 'silent',
    ...overrides,
  });
  const engine = opts.engine === 'real' ? undefined : (opts.engine ?? fakeEngine());
  const server = await createServer(config, { logger: createLogger('silent'), ...(engine ? { engine } : {}) });
  const url = await server.listen();
  const training = `${url}/customvision/v3.3/training`;
  return {
    server,
    url,
    training,
    prediction: `${url}/customvision/v3.1/prediction`,
    dataDir,
    config,
    train: (path, init = {}) =>
      fetch(training + path, {
        ...init,
        headers: { 'Training-Key': TRAINING_KEY, ...(init.headers as Record<string, string>) },
      }),
    async stop({ keepData = false } = {}) {
      await server.close();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function json<T = unknown>(res: Response | Promise<Response>): Promise<T> {
  const r = await res;
  return (await r.json()) as T;
}
