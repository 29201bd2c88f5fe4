/**
 * Test-side plumbing for @microsoft/customvision-tfjs: export files served over HTTP on 127.0.0.1
 * (the library loads `model.json` by URL, as in a browser), and its runner process.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExportFile } from '../../../src/export/index.ts';

const RUNNER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'customvision-tfjs-runner.cjs');

export interface ServedExports {
  /** URL of `<name>/model.json`. */
  modelUrl(name: string): string;
  close(): Promise<void>;
}

/** Serves each export under /<name>/ on 127.0.0.1 with a free port. */
export async function serveExports(exports: Record<string, ExportFile[]>): Promise<ServedExports> {
  const server = http.createServer((req, res) => {
    const [, name, ...rest] = (req.url ?? '').split('/');
    const file = exports[name ?? '']?.find((f) => f.path === rest.join('/'));
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    const type = file.path.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    // No keep-alive: the runner is busy for seconds between loads, and a pooled socket the
    // server closed meanwhile makes its next fetch fail.
    res.writeHead(200, { 'content-type': type, connection: 'close' }).end(file.bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    modelUrl: (name) => `http://127.0.0.1:${port}/${encodeURIComponent(name)}/model.json`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export type RunnerImage =
  | { name: string; rgbaFile: string; width: number; height: number }
  | { name: string; pixelsFile: string; size: number };

export interface RunnerJob {
  modelUrl: string;
  images: RunnerImage[];
}

export interface RunnerOutput {
  tfjsVersion: string;
  backend: string;
  jobs: { inputSize: number; isRgbInput: boolean; results: { name: string; probabilities: number[] }[] }[];
}

/** Runs customvision-tfjs-runner.cjs; kills it after `timeoutMs`. */
export function runCustomVisionTfjs(jobs: RunnerJob[], timeoutMs: number): Promise<RunnerOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`customvision-tfjs runner timed out after ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(stdout) as RunnerOutput);
      else reject(new Error(`customvision-tfjs runner exited with ${code}\n${stderr}`));
    });
    child.stdin.end(JSON.stringify({ jobs }));
  });
}
