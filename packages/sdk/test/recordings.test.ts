/**
 * Replays real Azure traffic, recorded by the .NET SDK's test suite, through msw: for every recorded exchange the
 * SDK must send the same request (method, path, query, JSON body) and return the recorded body parsed.
 *
 * The recordings are in the repository's `data/recordings/dotnet` (sources and licence beside them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { type PredictionApiVersion, PredictionClient, type TrainingApiVersion, TrainingClient } from '../src/index.js';
import { predictionOperations } from '../src/prediction/operations.js';
import { trainingOperations } from '../src/training/operations.js';
import { readSent, server, useMockServer } from './support/msw.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const recordingsDir = join(repoRoot, 'data/recordings/dotnet');

interface Entry {
  RequestUri: string;
  RequestMethod: string;
  RequestBody: string | null;
  ResponseHeaders: Record<string, string[]>;
  ResponseBody: string | null;
  StatusCode: number;
}

type Args = { path: Record<string, string>; query: Record<string, unknown>; body: unknown };
type Invoke = (clients: { trainer: TrainingClient; predictor: PredictionClient }, a: Args) => PromiseLike<unknown>;

// biome-ignore lint/suspicious/noExplicitAny: recorded arguments are checked by the request assertions, not the compiler.
type Loose = any;

/** How to call the SDK for each operation that appears in the recordings. */
const invokers: Record<string, Invoke> = {
  GetDomains: ({ trainer }) => trainer.getDomains(),
  GetDomain: ({ trainer }, a) => trainer.getDomain(a.path['domainId']!),
  CreateProject: ({ trainer }, a) => trainer.createProject(a.query as Loose, a.body as Loose),
  UpdateProject: ({ trainer }, a) => trainer.updateProject(a.path['projectId']!, a.body as Loose),
  DeleteProject: ({ trainer }, a) => trainer.deleteProject(a.path['projectId']!),
  CreateTag: ({ trainer }, a) => trainer.createTag(a.path['projectId']!, a.query as Loose),
  UpdateTag: ({ trainer }, a) => trainer.updateTag(a.path['projectId']!, a.path['tagId']!, a.body as Loose),
  DeleteTag: ({ trainer }, a) => trainer.deleteTag(a.path['projectId']!, a.path['tagId']!),
  GetImages: ({ trainer }, a) => trainer.getImages(a.path['projectId']!, a.query as Loose),
  CreateImagesFromUrls: ({ trainer }, a) => trainer.createImagesFromUrls(a.path['projectId']!, a.body as Loose),
  UpdateImageMetadata: ({ trainer }, a) =>
    trainer.updateImageMetadata(a.path['projectId']!, a.body as Loose, a.query as Loose),
  GetIterations: ({ trainer }, a) => trainer.getIterations(a.path['projectId']!),
  GetIteration: ({ trainer }, a) => trainer.getIteration(a.path['projectId']!, a.path['iterationId']!),
  DeleteIteration: ({ trainer }, a) => trainer.deleteIteration(a.path['projectId']!, a.path['iterationId']!),
  GetIterationPerformance: ({ trainer }, a) =>
    trainer.getIterationPerformance(a.path['projectId']!, a.path['iterationId']!, a.query as Loose),
  TrainProject: ({ trainer }, a) => trainer.trainProject(a.path['projectId']!, a.query as Loose, a.body as Loose),
  PublishIteration: ({ trainer }, a) =>
    trainer.publishIteration(a.path['projectId']!, a.path['iterationId']!, a.query as Loose),
  UnpublishIteration: ({ trainer }, a) => trainer.unpublishIteration(a.path['projectId']!, a.path['iterationId']!),
  QueryPredictions: ({ trainer }, a) => trainer.queryPredictions(a.path['projectId']!, a.body as Loose),
  ImageClassifier_ClassifyImageUrl: ({ predictor }, a) =>
    predictor.classifyImageUrl(a.path['projectId']!, a.path['publishedName']!, a.body as Loose, a.query as Loose),
  ObjectDetector_AnalyzeImageUrlWithoutSaving: ({ predictor }, a) =>
    predictor.detectImageUrlWithNoStore(
      a.path['projectId']!,
      a.path['publishedName']!,
      a.body as Loose,
      a.query as Loose,
    ),
};

const csvParameters = new Set(['tagIds', 'imageIds', 'ids', 'regionIds', 'targetExportPlatforms']);

function typedQueryValue(name: string, value: string): unknown {
  if (csvParameters.has(name)) return value.split(',');
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return value;
}

/** Finds the operation a recorded request belongs to and the arguments to replay it with. */
function understand(entry: Entry) {
  const url = new URL(entry.RequestUri.replace(/^\/+/, '/'), 'https://recorded.invalid');
  const match = /^\/customvision\/(v[^/]+)\/(training|prediction)(\/.*)$/.exec(url.pathname);
  if (!match) throw new Error(`unexpected recorded URI ${entry.RequestUri}`);
  const [, version, api, rest] = match as unknown as [string, string, 'training' | 'prediction', string];
  const table = api === 'training' ? trainingOperations : predictionOperations;
  for (const op of Object.values(table)) {
    if (op.method !== entry.RequestMethod) continue;
    const names: string[] = [];
    const pattern = new RegExp(
      `^${op.path.replace(/\{([^}]+)\}/g, (_: string, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}$`,
    );
    const found = pattern.exec(rest);
    if (!found) continue;
    const path = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(found[i + 1]!)]));
    const query = Object.fromEntries([...url.searchParams].map(([k, v]) => [k, typedQueryValue(k, v)]));
    const body = entry.RequestBody ? JSON.parse(entry.RequestBody) : undefined;
    return { api, version, operationId: op.id, path, query, body, url };
  }
  throw new Error(`no operation matches ${entry.RequestMethod} ${url.pathname}`);
}

function loadRecordings(): { file: string; entries: Entry[] }[] {
  const files: string[] = [];
  for (const sub of readdirSync(recordingsDir)) {
    for (const name of readdirSync(join(recordingsDir, sub))) if (name.endsWith('.json')) files.push(`${sub}/${name}`);
  }
  return files.sort().map((file) => ({
    file,
    entries: (JSON.parse(readFileSync(join(recordingsDir, file), 'utf8')) as { Entries: Entry[] }).Entries,
  }));
}

const recordings = loadRecordings();
const endpoint = 'https://recorded.cognitiveservices.azure.com';

useMockServer();

describe('replaying real Azure responses', () => {
  it('finds the recordings', () => {
    expect(recordings.length).toBeGreaterThanOrEqual(10);
  });

  for (const { file, entries } of recordings) {
    it(`${file}: sends the recorded requests and parses the recorded responses`, async () => {
      for (const entry of entries) {
        const call = understand(entry);
        const invoke = invokers[call.operationId];
        if (!invoke) throw new Error(`add an invoker for ${call.operationId} (${file})`);

        // The client speaks v3.3/v3.4-preview (training) and v3.1/v3.0 (prediction); older recordings are replayed
        // with the default version, since the routes and models are the same.
        const trainer = new TrainingClient({
          endpoint,
          trainingKey: '',
          retry: false,
          apiVersion: (call.version === 'v3.4-preview' ? call.version : 'v3.3') as TrainingApiVersion,
        });
        const predictor = new PredictionClient({
          endpoint,
          predictionKey: '',
          retry: false,
          apiVersion: (call.version === 'v3.0' ? call.version : 'v3.1') as PredictionApiVersion,
        });

        let sent: Awaited<ReturnType<typeof readSent>> | undefined;
        server.use(
          http.all('*', async ({ request }) => {
            sent = await readSent(request);
            const headers = new Headers();
            for (const [name, values] of Object.entries(entry.ResponseHeaders)) {
              if (name.toLowerCase() !== 'content-length') headers.set(name, values.join(', '));
            }
            const body = entry.StatusCode === 204 || !entry.ResponseBody ? null : entry.ResponseBody;
            return new HttpResponse(body, { status: entry.StatusCode, headers });
          }),
        );

        const { data, requestId } = await (
          invoke({ trainer, predictor }, call) as ReturnType<TrainingClient['getDomains']>
        ).withResponse();

        // The request, as Azure received it.
        expect(sent, `${file} ${call.operationId}`).toBeDefined();
        expect(sent!.method).toBe(entry.RequestMethod);
        const sentPath = sent!.url.pathname.replace(/^\/customvision\/v[^/]+\//, '/customvision/*/');
        expect(sentPath).toBe(call.url.pathname.replace(/^\/customvision\/v[^/]+\//, '/customvision/*/'));
        expect([...sent!.url.searchParams].sort()).toEqual([...call.url.searchParams].sort());
        if (call.body === undefined) expect(sent!.body).toEqual({ kind: 'none' });
        else expect(sent!.body).toEqual({ kind: 'json', value: call.body });
        expect(sent!.headers.has(call.api === 'training' ? 'training-key' : 'prediction-key')).toBe(true);

        // The response, as the SDK hands it over.
        if (entry.StatusCode === 204) expect(data).toBeUndefined();
        else expect(data).toEqual(JSON.parse(entry.ResponseBody!));
        expect(requestId).toBe(entry.ResponseHeaders['apim-request-id']?.[0]);
      }
    });
  }

  it('the parsed models keep Azure’s values, types and nulls', async () => {
    const entry = recordings.find((r) => r.file.endsWith('ClassifyImageUrl.json'))!.entries[0]!;
    const call = understand(entry);
    server.use(
      http.all('*', () => new HttpResponse(entry.ResponseBody, { headers: { 'content-type': 'application/json' } })),
    );
    const predictor = new PredictionClient({ endpoint, predictionKey: '' });
    const result = await predictor.classifyImageUrl(call.path['projectId']!, call.path['publishedName']!, call.body);
    // `8.79471951E-13` in the raw body: .NET's float format must come out as a number.
    expect(result.predictions?.some((p) => typeof p.probability === 'number' && p.probability < 1e-6)).toBe(true);
    expect(result.predictions?.[0]?.tagType).toBe('Regular');
    expect(typeof result.created).toBe('string');
  });
});
