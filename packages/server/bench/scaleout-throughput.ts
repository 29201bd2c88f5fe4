/**
 * Prediction throughput of one API process against two, on one PostgreSQL database and one Azure Blob Storage
 * account (a throwaway Debian PostgreSQL cluster and Azurite, as the scale-out tests start them). The first process
 * (role all) trains a compact-domain classifier on the azure-cv-trees photos with the real engine and publishes it;
 * a second process (role api) joins; then `--clients` concurrent clients classify the test photo for `--seconds`
 * against the first process alone, then spread over both.
 *
 *   npm run bench:scaleout -w @cvkit/server
 *   npm run bench:scaleout -w @cvkit/server -- --clients 8 --seconds 20 --engine fake
 *
 * `--engine fake` uses the stand-in engine (mean colour), which measures the serving path without the network.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startAzurite, startPgCluster } from '../test/helpers/postgres-cluster.ts';
import { PREDICTION_KEY, TRAINING_KEY } from '../test/helpers/test-server.ts';
import { type Node, startNode } from '../test/scaleout/nodes.ts';

const here = dirname(fileURLToPath(import.meta.url));
const trees = resolve(here, '../../../data/datasets/azure-cv-trees');
const { values: opts } = parseArgs({
  options: {
    clients: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '15' },
    engine: { type: 'string', default: 'real' },
  },
});
const CLIENTS = Number(opts.clients);
const SECONDS = Number(opts.seconds);
const COMPACT = '0732100f-1a38-4e49-a514-c9b44c697ab5';

const [cluster, azurite] = await Promise.all([startPgCluster(), startAzurite()]);
const nodes: Node[] = [];
try {
  const env = {
    CVKIT_DATABASE_URL: await cluster.createDatabase(),
    CVKIT_BLOB_CONNECTION_STRING: azurite.connectionString,
  };
  const script = opts.engine === 'real' ? join(here, '../src/cli.ts') : undefined;
  const start = (role: string) =>
    startNode({ ...env, CVKIT_ROLE: role }, { timeoutMs: 180_000, ...(script ? { script } : {}) });
  const first = await start('all');
  nodes.push(first);
  const call = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${first.url}/customvision/v3.3/training${path}`, {
      ...init,
      headers: { 'Training-Key': TRAINING_KEY, ...(init.headers as Record<string, string>) },
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const project = await call<{ id: string }>(`/projects?name=bench&domainId=${COMPACT}`, { method: 'POST' });
  for (const name of ['Hemlock', 'Japanese_Cherry']) {
    const tag = await call<{ id: string }>(`/projects/${project.id}/tags?name=${name}`, { method: 'POST' });
    const form = new FormData();
    for (const f of readdirSync(join(trees, 'train', name)))
      form.append('imageData', new Blob([readFileSync(join(trees, 'train', name, f))]), f);
    await call(`/projects/${project.id}/images?tagIds=${tag.id}`, { method: 'POST', body: form });
  }
  const t0 = Date.now();
  const it = await call<{ id: string }>(`/projects/${project.id}/train`, { method: 'POST' });
  for (;;) {
    const now = await call<{ status: string }>(`/projects/${project.id}/iterations/${it.id}`);
    if (now.status === 'Completed') break;
    if (now.status !== 'Training') throw new Error(`training ended ${now.status}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const trainMs = Date.now() - t0;
  await call(`/projects/${project.id}/iterations/${it.id}/publish?publishName=bench&predictionId=local`, {
    method: 'POST',
  });
  nodes.push(await start('api'));

  const photo = readFileSync(join(trees, 'test', 'Hemlock', 'test_image.jpg'));
  const classify = async (node: Node) => {
    const t = performance.now();
    const res = await fetch(`${node.url}/customvision/v3.1/prediction/${project.id}/classify/iterations/bench/image`, {
      method: 'POST',
      headers: { 'Prediction-Key': PREDICTION_KEY, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(photo),
    });
    await res.arrayBuffer();
    return { ok: res.status === 200, ms: performance.now() - t };
  };
  // Warm up: each process loads the published model from the shared stores once, then serves it from memory.
  for (const n of nodes) for (let i = 0; i < 3; i++) await classify(n);

  const measure = async (targets: Node[]) => {
    const latencies: number[] = [];
    let errors = 0;
    const end = Date.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        for (let i = c; Date.now() < end; i += CLIENTS) {
          const r = await classify(targets[i % targets.length]!);
          if (r.ok) latencies.push(r.ms);
          else errors++;
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    const q = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!);
    return { rps: +(latencies.length / SECONDS).toFixed(1), p50: q(0.5), p99: q(0.99), ok: latencies.length, errors };
  };
  const one = await measure([nodes[0]!]);
  const two = await measure(nodes);
  console.log(
    JSON.stringify(
      {
        engine: opts.engine,
        clients: CLIENTS,
        seconds: SECONDS,
        cpus: cpus().length,
        loadavg: loadavg().map((l) => +l.toFixed(2)),
        trainMs,
        oneApiProcess: one,
        twoApiProcesses: two,
      },
      null,
      2,
    ),
  );
} finally {
  for (const n of nodes) await n.kill('SIGTERM');
  await Promise.all([cluster.stop(), azurite.stop()]);
}
