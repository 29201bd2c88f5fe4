/**
 * Webhooks: a receiver on loopback gets one signed JSON POST per finished training and export, retried with
 * backoff while it answers 5xx, and none when the URL-import policy refuses its address.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TrainingClient } from '@cvkit/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configFromArgs, defaultConfig } from '../src/config.ts';
import type { WebhookPayload } from '../src/domain/webhooks.ts';
import { fakeEngine } from './helpers/fake-engine.ts';
import { jpeg } from './helpers/images.ts';
import { startTestServer, type TestServer, TRAINING_KEY } from './helpers/test-server.ts';

const SECRET = 'receiver-shared-secret';
const COMPACT = '0732100f-1a38-4e49-a514-c9b44c697ab5'; // General (compact), exports TensorFlow

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

let receiver: Server;
let receiverUrl: string;
let received: Received[] = [];
let answers: number[] = []; // statuses to answer, in order; 200 once exhausted
const servers: TestServer[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString(), at: Date.now() });
      res.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/cvkit`;
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  received = [];
  answers = [];
});
afterAll(() => new Promise((r) => receiver.close(r)));

async function server(
  opts: { allowPrivateUrls?: boolean; maxAttempts?: number; failTraining?: boolean; failExport?: boolean } = {},
) {
  const engine = fakeEngine(opts.failTraining ? { failWith: 'the engine ran out of memory' } : {});
  if (opts.failExport)
    engine.exportModel = async () => {
      throw new Error('no space left for the model files');
    };
  const s = await startTestServer(
    {
      allowPrivateUrls: opts.allowPrivateUrls ?? true,
      webhook: {
        ...defaultConfig().webhook,
        url: receiverUrl,
        secret: SECRET,
        initialDelayMs: 40,
        maxAttempts: opts.maxAttempts ?? 6,
      },
    },
    { engine },
  );
  servers.push(s);
  return { s, trainer: new TrainingClient({ endpoint: s.url, trainingKey: TRAINING_KEY }) };
}

/** A compact-domain project with two tags of five images each, trained; answers its ids once training ended. */
async function trained(s: TestServer, trainer: TrainingClient) {
  const { id } = await trainer.createProject({ name: 'hooks', domainId: COMPACT });
  for (const [k, name] of ['red', 'blue'].entries()) {
    const tag = await trainer.createTag(id!, { name });
    const images = await Promise.all([0, 1, 2, 3, 4].map((i) => jpeg(12, 12, k ? [0, i * 9, 250] : [250, i * 9, 0])));
    await trainer.uploadImages(id!, images, { tagIds: [tag.id!] });
  }
  const iteration = await trainer.trainProject(id!);
  await s.server.idle();
  return { projectId: id!, iterationId: iteration.id! };
}

function verified(r: Received): WebhookPayload {
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`);
  const got = Buffer.from(String(r.headers['x-cvkit-signature']));
  expect(got.length === expected.length && timingSafeEqual(got, expected), 'signature').toBe(true);
  expect(r.headers['content-type']).toBe('application/json');
  const payload = JSON.parse(r.body) as WebhookPayload;
  expect(r.headers['x-cvkit-event']).toBe(payload.type);
  expect(r.headers['x-cvkit-delivery']).toBe(payload.id);
  return payload;
}

describe('webhook deliveries', () => {
  it('one signed delivery per finished training and per finished export', async () => {
    const { s, trainer } = await server();
    const { projectId, iterationId } = await trained(s, trainer);
    expect(received).toHaveLength(1);
    expect(verified(received[0]!)).toMatchObject({
      type: 'training.completed',
      projectId,
      iterationId,
      iteration: { id: iterationId, name: 'Iteration 1', status: 'Completed', trainingErrorDetails: null },
    });

    await trainer.exportIteration(projectId, iterationId, { platform: 'TensorFlow' });
    await s.server.idle();
    expect(received).toHaveLength(2);
    expect(verified(received[1]!)).toMatchObject({
      type: 'export.completed',
      projectId,
      iterationId,
      export: { platform: 'TensorFlow', flavor: null, status: 'Done', error: null },
    });
    // Nothing more arrives later: one delivery per event.
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toHaveLength(2);
  });

  it('a failed training is delivered as training.failed with its error details', async () => {
    const { s, trainer } = await server({ failTraining: true });
    await trained(s, trainer);
    expect(received).toHaveLength(1);
    expect(verified(received[0]!)).toMatchObject({
      type: 'training.failed',
      iteration: { status: 'Failed', trainingErrorDetails: 'the engine ran out of memory' },
    });
  });

  it('a failed export is delivered as export.failed with its error', async () => {
    const { s, trainer } = await server({ failExport: true });
    const { projectId, iterationId } = await trained(s, trainer);
    await trainer.exportIteration(projectId, iterationId, { platform: 'TensorFlow' });
    await s.server.idle();
    expect(received.map((r) => verified(r).type)).toEqual(['training.completed', 'export.failed']);
    expect(verified(received[1]!).export).toMatchObject({
      platform: 'TensorFlow',
      status: 'Failed',
      error: 'Export failed: no space left for the model files',
    });
  });

  it('retries while the receiver answers 500, with the same delivery and growing waits', async () => {
    const { s, trainer } = await server();
    answers = [500, 500, 503];
    await trained(s, trainer);
    expect(received).toHaveLength(4);
    expect(received.map((r) => r.headers['x-cvkit-attempt'])).toEqual(['1', '2', '3', '4']);
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    for (const r of received) verified(r);
    const gaps = received.slice(1).map((r, i) => r.at - received[i]!.at);
    // 40, 80, 160 ms backoff (timers fire no earlier than asked).
    expect(gaps[0]).toBeGreaterThanOrEqual(38);
    expect(gaps[1]).toBeGreaterThanOrEqual(78);
    expect(gaps[2]).toBeGreaterThanOrEqual(158);
  });

  it('gives up after the configured attempts, and does not retry a 4xx refusal', async () => {
    const first = await server({ maxAttempts: 3 });
    answers = [500, 500, 500, 500, 500];
    await trained(first.s, first.trainer);
    expect(received).toHaveLength(3);

    received = [];
    answers = [410];
    const second = await server();
    await trained(second.s, second.trainer);
    expect(received).toHaveLength(1);
  });

  it('does not call a loopback receiver unless private URLs are allowed (the URL-import policy)', async () => {
    const { s, trainer } = await server({ allowPrivateUrls: false });
    const { projectId, iterationId } = await trained(s, trainer);
    expect((await trainer.getIteration(projectId, iterationId)).status).toBe('Completed');
    expect(received).toHaveLength(0);
  });
});

describe('webhook configuration', () => {
  it('reads CVKIT_WEBHOOK_URL and CVKIT_WEBHOOK_SECRET (flags win), off by default', () => {
    expect(defaultConfig().webhook.url).toBeUndefined();
    const env = { CVKIT_WEBHOOK_URL: 'https://hooks.example.com/cv', CVKIT_WEBHOOK_SECRET: 'x' };
    expect(configFromArgs([], env)).toMatchObject({ webhook: { url: 'https://hooks.example.com/cv', secret: 'x' } });
    expect(configFromArgs(['--webhook-url', 'http://h.example/a'], env)).toMatchObject({
      webhook: { url: 'http://h.example/a', secret: 'x' },
    });
    expect(() => configFromArgs([], { CVKIT_WEBHOOK_URL: 'ftp://h.example/a' })).toThrow(/Invalid webhook URL/);
  });
});
