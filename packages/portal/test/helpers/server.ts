import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CvkitServer, createServer, defaultConfig, type ServerConfig } from '@cvkit/server';
import { buildIfStale } from '../../scripts/build-if-stale.ts';

export interface RunningServer {
  url: string;
  server: CvkitServer;
  stop(): Promise<void>;
}

/** The portal, built if stale, served by a real server with the real ML engine on a free port and fresh storage. */
export async function startServer(overrides: Partial<ServerConfig> = {}): Promise<RunningServer> {
  await buildIfStale();
  const dataDir = mkdtempSync(join(tmpdir(), 'cvkit-portal-'));
  const server = await createServer(
    defaultConfig({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', ...overrides }),
  );
  const url = await server.listen();
  return {
    url,
    server,
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
