/**
 * Every one of the 60 methods, one row each: the request it must send (method, path, query, headers, body) and the
 * result it must return. The expectations are written out literally rather than derived from the SDK's own
 * operation table, so a wrong row there fails here.
 */
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { PredictionClient, TrainingClient } from '../src/index.js';
import { predictionOperations } from '../src/prediction/operations.js';
import { trainingOperations } from '../src/training/operations.js';
import { endpoint, readSent, type SentRequest, server, useMockServer } from './support/msw.js';

useMockServer();

const trainer = new TrainingClient({ endpoint, trainingKey: 'train-key', retry: false });
const predictor = new PredictionClient({ endpoint, predictionKey: 'predict-key', retry: false });

const P = '0f9e3c1a-1111-4c8c-886d-be4ea92e01c8';
const I = 'a1608486-2795-499a-bf16-e9a3075e5388';
const T = '5ae66dcc-ba41-4531-89d4-631aeac4a133';
const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);

type Body = SentRequest['body'];
const none: Body = { kind: 'none' };
const json = (value: unknown): Body => ({ kind: 'json', value });
const bytes = (b: Uint8Array): Body => ({ kind: 'bytes', bytes: [...b] });

interface Row {
  operationId: string;
  method: string;
  /** Path below `/customvision/<version>/<api>`, as sent (encoded). */
  path: string;
  /** The exact query string sent, without `?`. */
  query?: string;
  body?: Body;
  call: () => PromiseLike<unknown>;
  /** What the server answers (default: 200 with `{ ok: <operationId> }`). */
  reply?: { status: number; json?: unknown; bytes?: Uint8Array };
}

const trainingRows: Row[] = [
  { operationId: 'GetDomains', method: 'GET', path: '/domains', call: () => trainer.getDomains() },
  { operationId: 'GetDomain', method: 'GET', path: '/domains/d-1', call: () => trainer.getDomain('d-1') },
  { operationId: 'GetProjects', method: 'GET', path: '/projects', call: () => trainer.getProjects() },
  {
    operationId: 'CreateProject',
    method: 'POST',
    path: '/projects',
    query:
      'name=Test%20Project&description=A%20b&domainId=ee85a74c&classificationType=Multiclass&targetExportPlatforms=ONNX,CoreML',
    body: json({ notificationQueueUri: 'https://q.example/x' }),
    call: () =>
      trainer.createProject(
        {
          name: 'Test Project',
          description: 'A b',
          domainId: 'ee85a74c',
          classificationType: 'Multiclass',
          targetExportPlatforms: ['ONNX', 'CoreML'],
        },
        { notificationQueueUri: 'https://q.example/x' },
      ),
  },
  { operationId: 'GetProject', method: 'GET', path: `/projects/${P}`, call: () => trainer.getProject(P) },
  {
    operationId: 'DeleteProject',
    method: 'DELETE',
    path: `/projects/${P}`,
    reply: { status: 204 },
    call: () => trainer.deleteProject(P),
  },
  {
    operationId: 'UpdateProject',
    method: 'PATCH',
    path: `/projects/${P}`,
    body: json({ name: 'Another Name', description: 'Updated' }),
    call: () => trainer.updateProject(P, { name: 'Another Name', description: 'Updated' }),
  },
  {
    operationId: 'GetArtifact',
    method: 'GET',
    path: `/projects/${P}/artifacts`,
    query: 'path=models%2Fm.zip',
    reply: { status: 200, bytes: png },
    call: () => trainer.getArtifact(P, { path: 'models/m.zip' }),
  },
  { operationId: 'ExportProject', method: 'GET', path: `/projects/${P}/export`, call: () => trainer.exportProject(P) },
  {
    operationId: 'GetImages',
    method: 'GET',
    path: `/projects/${P}/images`,
    // The WHATWG URL parser writes `'` as %27 in http(s) queries.
    query: `iterationId=${I}&tagIds=a,b&taggingStatus=Tagged&$filter=camera%20eq%20%27north%27&orderBy=Oldest&take=10&skip=20`,
    call: () =>
      trainer.getImages(P, {
        iterationId: I,
        tagIds: ['a', 'b'],
        taggingStatus: 'Tagged',
        $filter: "camera eq 'north'",
        orderBy: 'Oldest',
        take: 10,
        skip: 20,
      }),
  },
  {
    operationId: 'CreateImagesFromData',
    method: 'POST',
    path: `/projects/${P}/images`,
    query: 'tagIds=a,b',
    body: {
      kind: 'multipart',
      parts: [
        { field: 'imageData', name: 'image-1', bytes: [...jpeg] },
        { field: 'imageData', name: 'b.png', bytes: [...png] },
      ],
    },
    call: () =>
      trainer.createImagesFromData(P, [jpeg, new File([png], 'b.png', { type: 'image/png' })], { tagIds: ['a', 'b'] }),
  },
  {
    operationId: 'DeleteImages',
    method: 'DELETE',
    path: `/projects/${P}/images`,
    query: 'imageIds=i1,i2&allImages=false&allIterations=true',
    reply: { status: 202 },
    call: () => trainer.deleteImages(P, { imageIds: ['i1', 'i2'], allImages: false, allIterations: true }),
  },
  {
    operationId: 'GetImageRegionProposals',
    method: 'POST',
    path: `/projects/${P}/images/img-1/regionproposals`,
    call: () => trainer.getImageRegionProposals(P, 'img-1'),
  },
  {
    operationId: 'GetImageCount',
    method: 'GET',
    path: `/projects/${P}/images/count`,
    query: 'taggingStatus=Untagged&tagIds=a',
    reply: { status: 200, json: 42 },
    call: () => trainer.getImageCount(P, { taggingStatus: 'Untagged', tagIds: ['a'] }),
  },
  {
    operationId: 'CreateImagesFromFiles',
    method: 'POST',
    path: `/projects/${P}/images/files`,
    body: json({ images: [{ name: 'a.jpg', contents: 'AAE=' }], tagIds: ['t'] }),
    call: () => trainer.createImagesFromFiles(P, { images: [{ name: 'a.jpg', contents: 'AAE=' }], tagIds: ['t'] }),
  },
  {
    operationId: 'GetImagesByIds',
    method: 'GET',
    path: `/projects/${P}/images/id`,
    query: `imageIds=i1,i2&iterationId=${I}`,
    call: () => trainer.getImagesByIds(P, { imageIds: ['i1', 'i2'], iterationId: I }),
  },
  {
    operationId: 'UpdateImageMetadata',
    method: 'POST',
    path: `/projects/${P}/images/metadata`,
    query: 'imageIds=i1',
    body: json({ type: 'unit test', value: '30' }),
    call: () => trainer.updateImageMetadata(P, { type: 'unit test', value: '30' }, { imageIds: ['i1'] }),
  },
  {
    operationId: 'CreateImagesFromPredictions',
    method: 'POST',
    path: `/projects/${P}/images/predictions`,
    body: json({ images: [{ id: 'pred-1', tagIds: ['t'] }] }),
    call: () => trainer.createImagesFromPredictions(P, { images: [{ id: 'pred-1', tagIds: ['t'] }] }),
  },
  {
    operationId: 'CreateImageRegions',
    method: 'POST',
    path: `/projects/${P}/images/regions`,
    body: json({ regions: [{ imageId: 'i', tagId: 't', left: 0.1, top: 0.2, width: 0.3, height: 0.4 }] }),
    call: () =>
      trainer.createImageRegions(P, {
        regions: [{ imageId: 'i', tagId: 't', left: 0.1, top: 0.2, width: 0.3, height: 0.4 }],
      }),
  },
  {
    operationId: 'DeleteImageRegions',
    method: 'DELETE',
    path: `/projects/${P}/images/regions`,
    query: 'regionIds=r1,r2',
    reply: { status: 204 },
    call: () => trainer.deleteImageRegions(P, { regionIds: ['r1', 'r2'] }),
  },
  {
    operationId: 'QuerySuggestedImages',
    method: 'POST',
    path: `/projects/${P}/images/suggested`,
    query: `iterationId=${I}`,
    body: json({ tagIds: ['t'], threshold: 0.5, maxCount: 10 }),
    call: () => trainer.querySuggestedImages(P, { tagIds: ['t'], threshold: 0.5, maxCount: 10 }, { iterationId: I }),
  },
  {
    operationId: 'QuerySuggestedImageCount',
    method: 'POST',
    path: `/projects/${P}/images/suggested/count`,
    query: `iterationId=${I}`,
    body: json({ tagIds: ['t'], threshold: 0.5 }),
    reply: { status: 200, json: { t: 3 } },
    call: () => trainer.querySuggestedImageCount(P, { tagIds: ['t'], threshold: 0.5 }, { iterationId: I }),
  },
  {
    operationId: 'GetTaggedImages',
    method: 'GET',
    path: `/projects/${P}/images/tagged`,
    query: 'tagIds=t&orderBy=Newest&take=5',
    call: () => trainer.getTaggedImages(P, { tagIds: ['t'], orderBy: 'Newest', take: 5 }),
  },
  {
    operationId: 'GetTaggedImageCount',
    method: 'GET',
    path: `/projects/${P}/images/tagged/count`,
    query: `iterationId=${I}&tagIds=a,b`,
    reply: { status: 200, json: 7 },
    call: () => trainer.getTaggedImageCount(P, { iterationId: I, tagIds: ['a', 'b'] }),
  },
  {
    operationId: 'CreateImageTags',
    method: 'POST',
    path: `/projects/${P}/images/tags`,
    body: json({ tags: [{ imageId: 'i', tagId: 't' }] }),
    call: () => trainer.createImageTags(P, { tags: [{ imageId: 'i', tagId: 't' }] }),
  },
  {
    operationId: 'DeleteImageTags',
    method: 'DELETE',
    path: `/projects/${P}/images/tags`,
    query: 'imageIds=i1&tagIds=t1,t2',
    reply: { status: 204 },
    call: () => trainer.deleteImageTags(P, { imageIds: ['i1'], tagIds: ['t1', 't2'] }),
  },
  {
    operationId: 'GetUntaggedImages',
    method: 'GET',
    path: `/projects/${P}/images/untagged`,
    query: 'orderBy=Oldest&take=256&skip=0',
    call: () => trainer.getUntaggedImages(P, { orderBy: 'Oldest', take: 256, skip: 0 }),
  },
  {
    operationId: 'GetUntaggedImageCount',
    method: 'GET',
    path: `/projects/${P}/images/untagged/count`,
    query: `iterationId=${I}`,
    reply: { status: 200, json: 0 },
    call: () => trainer.getUntaggedImageCount(P, { iterationId: I }),
  },
  {
    operationId: 'CreateImagesFromUrls',
    method: 'POST',
    path: `/projects/${P}/images/urls`,
    body: json({ images: [{ url: 'https://img.example/a.jpg' }], tagIds: ['t'] }),
    call: () => trainer.createImagesFromUrls(P, { images: [{ url: 'https://img.example/a.jpg' }], tagIds: ['t'] }),
  },
  {
    operationId: 'GetIterations',
    method: 'GET',
    path: `/projects/${P}/iterations`,
    call: () => trainer.getIterations(P),
  },
  {
    operationId: 'GetIteration',
    method: 'GET',
    path: `/projects/${P}/iterations/${I}`,
    call: () => trainer.getIteration(P, I),
  },
  {
    operationId: 'DeleteIteration',
    method: 'DELETE',
    path: `/projects/${P}/iterations/${I}`,
    reply: { status: 204 },
    call: () => trainer.deleteIteration(P, I),
  },
  {
    operationId: 'UpdateIteration',
    method: 'PATCH',
    path: `/projects/${P}/iterations/${I}`,
    body: json({ name: 'Iteration 2' }),
    call: () => trainer.updateIteration(P, I, { name: 'Iteration 2' }),
  },
  {
    operationId: 'GetExports',
    method: 'GET',
    path: `/projects/${P}/iterations/${I}/export`,
    reply: { status: 200, json: [] },
    call: () => trainer.getExports(P, I),
  },
  {
    operationId: 'ExportIteration',
    method: 'POST',
    path: `/projects/${P}/iterations/${I}/export`,
    query: 'platform=ONNX&flavor=ONNX12',
    call: () => trainer.exportIteration(P, I, { platform: 'ONNX', flavor: 'ONNX12' }),
  },
  {
    operationId: 'GetIterationPerformance',
    method: 'GET',
    path: `/projects/${P}/iterations/${I}/performance`,
    query: 'threshold=0.9&overlapThreshold=0.3',
    call: () => trainer.getIterationPerformance(P, I, { threshold: 0.9, overlapThreshold: 0.3 }),
  },
  {
    operationId: 'GetImagePerformances',
    method: 'GET',
    path: `/projects/${P}/iterations/${I}/performance/images`,
    query: 'tagIds=t&take=50&skip=100',
    call: () => trainer.getImagePerformances(P, I, { tagIds: ['t'], take: 50, skip: 100 }),
  },
  {
    operationId: 'GetImagePerformanceCount',
    method: 'GET',
    path: `/projects/${P}/iterations/${I}/performance/images/count`,
    query: 'tagIds=t',
    reply: { status: 200, json: 12 },
    call: () => trainer.getImagePerformanceCount(P, I, { tagIds: ['t'] }),
  },
  {
    operationId: 'PublishIteration',
    method: 'POST',
    path: `/projects/${P}/iterations/${I}/publish`,
    query: 'publishName=Training%20UnitTest%20Iteration&predictionId=%2Fsubscriptions%2Fabc&overwrite=true',
    reply: { status: 200, json: true },
    call: () =>
      trainer.publishIteration(P, I, {
        publishName: 'Training UnitTest Iteration',
        predictionId: '/subscriptions/abc',
        overwrite: true,
      }),
  },
  {
    operationId: 'UnpublishIteration',
    method: 'DELETE',
    path: `/projects/${P}/iterations/${I}/publish`,
    reply: { status: 204 },
    call: () => trainer.unpublishIteration(P, I),
  },
  {
    operationId: 'DeletePrediction',
    method: 'DELETE',
    path: `/projects/${P}/predictions`,
    query: 'ids=p1,p2',
    reply: { status: 204 },
    call: () => trainer.deletePrediction(P, { ids: ['p1', 'p2'] }),
  },
  {
    operationId: 'QueryPredictions',
    method: 'POST',
    path: `/projects/${P}/predictions/query`,
    body: json({ maxCount: 0, orderBy: 'Newest' }),
    call: () => trainer.queryPredictions(P, { maxCount: 0, orderBy: 'Newest' }),
  },
  {
    operationId: 'QuickTestImage',
    method: 'POST',
    path: `/projects/${P}/quicktest/image`,
    query: `iterationId=${I}&store=false`,
    body: bytes(jpeg),
    call: () => trainer.quickTestImage(P, jpeg, { iterationId: I, store: false }),
  },
  {
    operationId: 'QuickTestImageUrl',
    method: 'POST',
    path: `/projects/${P}/quicktest/url`,
    query: `iterationId=${I}`,
    body: json({ url: 'https://img.example/a.jpg' }),
    call: () => trainer.quickTestImageUrl(P, { url: 'https://img.example/a.jpg' }, { iterationId: I }),
  },
  {
    operationId: 'GetTags',
    method: 'GET',
    path: `/projects/${P}/tags`,
    query: `iterationId=${I}`,
    call: () => trainer.getTags(P, { iterationId: I }),
  },
  {
    operationId: 'CreateTag',
    method: 'POST',
    path: `/projects/${P}/tags`,
    query: 'name=Test%20Tag%201&description=This%20is%20a%20test%20tag&type=Negative',
    call: () => trainer.createTag(P, { name: 'Test Tag 1', description: 'This is a test tag', type: 'Negative' }),
  },
  {
    operationId: 'GetTag',
    method: 'GET',
    path: `/projects/${P}/tags/${T}`,
    query: `iterationId=${I}`,
    call: () => trainer.getTag(P, T, { iterationId: I }),
  },
  {
    operationId: 'DeleteTag',
    method: 'DELETE',
    path: `/projects/${P}/tags/${T}`,
    reply: { status: 204 },
    call: () => trainer.deleteTag(P, T),
  },
  {
    operationId: 'UpdateTag',
    method: 'PATCH',
    path: `/projects/${P}/tags/${T}`,
    body: json({ name: 'New Tag Name', description: 'Updated Description' }),
    call: () => trainer.updateTag(P, T, { name: 'New Tag Name', description: 'Updated Description' }),
  },
  {
    operationId: 'SuggestTagsAndRegions',
    method: 'POST',
    path: `/projects/${P}/tagsandregions/suggestions`,
    query: `iterationId=${I}&imageIds=a,b`,
    call: () => trainer.suggestTagsAndRegions(P, { iterationId: I, imageIds: ['a', 'b'] }),
  },
  {
    operationId: 'TrainProject',
    method: 'POST',
    path: `/projects/${P}/train`,
    query: 'trainingType=Advanced&reservedBudgetInHours=1&forceTrain=true&notificationEmailAddress=a%40b.example',
    body: json({ selectedTags: ['t'] }),
    call: () =>
      trainer.trainProject(
        P,
        {
          trainingType: 'Advanced',
          reservedBudgetInHours: 1,
          forceTrain: true,
          notificationEmailAddress: 'a@b.example',
        },
        { selectedTags: ['t'] },
      ),
  },
  {
    operationId: 'ImportProject',
    method: 'POST',
    path: '/projects/import',
    query: 'token=tok%2Bx&name=copy',
    call: () => trainer.importProject({ token: 'tok+x', name: 'copy' }),
  },
];

const published = 'Training UnitTest Iteration';
const publishedPath = 'Training%20UnitTest%20Iteration';
const predictionRows: Row[] = [
  [
    'ImageClassifier_ClassifyImage',
    'classify',
    'image',
    () => predictor.classifyImage(P, published, jpeg, { application: 'app' }),
  ],
  [
    'ImageClassifier_ClassifyImageWithoutSaving',
    'classify',
    'image/nostore',
    () => predictor.classifyImageWithNoStore(P, published, jpeg, { application: 'app' }),
  ],
  [
    'ImageClassifier_ClassifyImageUrl',
    'classify',
    'url',
    () => predictor.classifyImageUrl(P, published, { url: 'https://img.example/a.jpg' }, { application: 'app' }),
  ],
  [
    'ImageClassifier_ClassifyImageUrlWithoutSaving',
    'classify',
    'url/nostore',
    () =>
      predictor.classifyImageUrlWithNoStore(P, published, { url: 'https://img.example/a.jpg' }, { application: 'app' }),
  ],
  [
    'ObjectDetector_AnalyzeImage',
    'detect',
    'image',
    () => predictor.detectImage(P, published, jpeg, { application: 'app' }),
  ],
  [
    'ObjectDetector_AnalyzeImageWithoutSaving',
    'detect',
    'image/nostore',
    () => predictor.detectImageWithNoStore(P, published, jpeg, { application: 'app' }),
  ],
  [
    'ObjectDetector_AnalyzeImageUrl',
    'detect',
    'url',
    () => predictor.detectImageUrl(P, published, { url: 'https://img.example/a.jpg' }, { application: 'app' }),
  ],
  [
    'ObjectDetector_AnalyzeImageUrlWithoutSaving',
    'detect',
    'url/nostore',
    () =>
      predictor.detectImageUrlWithNoStore(P, published, { url: 'https://img.example/a.jpg' }, { application: 'app' }),
  ],
].map(([operationId, kind, tail, call]) => ({
  operationId: operationId as string,
  method: 'POST',
  path: `/${P}/${kind}/iterations/${publishedPath}/${tail}`,
  query: 'application=app',
  body: (tail as string).startsWith('url') ? json({ url: 'https://img.example/a.jpg' }) : bytes(jpeg),
  call: call as Row['call'],
}));

async function runRow(row: Row, api: 'training' | 'prediction'): Promise<{ sent: SentRequest; result: unknown }> {
  let sent: SentRequest | undefined;
  const reply = row.reply ?? { status: 200, json: { ok: row.operationId } };
  server.use(
    http.all('*', async ({ request }) => {
      sent = await readSent(request);
      if (reply.bytes) {
        return new HttpResponse(reply.bytes as Uint8Array<ArrayBuffer>, {
          status: reply.status,
          headers: { 'content-type': 'application/octet-stream' },
        });
      }
      if (reply.json === undefined) return new HttpResponse(null, { status: reply.status });
      return HttpResponse.json(reply.json, { status: reply.status, headers: { 'apim-request-id': 'req-1' } });
    }),
  );
  const result = await row.call();
  if (!sent) throw new Error('no request was sent');
  expect(sent.url.origin).toBe(endpoint);
  expect(sent.url.pathname.startsWith(`/customvision/${api === 'training' ? 'v3.3' : 'v3.1'}/${api}/`)).toBe(true);
  return { sent, result };
}

function expectRequest(row: Row, sent: SentRequest, api: 'training' | 'prediction') {
  const prefix = `/customvision/${api === 'training' ? 'v3.3' : 'v3.1'}/${api}`;
  expect(sent.method).toBe(row.method);
  expect(sent.url.pathname).toBe(`${prefix}${row.path}`);
  expect(sent.url.search).toBe(row.query ? `?${row.query}` : '');
  expect(sent.body).toEqual(row.body ?? none);
  if (api === 'training') {
    expect(sent.headers.get('training-key')).toBe('train-key');
    expect(sent.headers.has('prediction-key')).toBe(false);
  } else {
    expect(sent.headers.get('prediction-key')).toBe('predict-key');
    expect(sent.headers.has('training-key')).toBe(false);
  }
  const expectedType = {
    none: null,
    json: 'application/json',
    bytes: 'application/octet-stream',
    multipart: 'multipart/form-data',
  }[(row.body ?? none).kind];
  if (expectedType === null) expect(sent.contentType).toBeNull();
  else expect(sent.contentType?.split(';')[0]).toBe(expectedType);
}

async function expectResult(row: Row, result: unknown) {
  const reply = row.reply ?? { status: 200, json: { ok: row.operationId } };
  if (reply.bytes) {
    expect(result).toBeInstanceOf(Blob);
    expect([...new Uint8Array(await (result as Blob).arrayBuffer())]).toEqual([...reply.bytes]);
  } else {
    expect(result).toEqual(reply.json);
  }
}

describe('TrainingClient sends every operation as the contract says', () => {
  it('has one row per training operation and one method per row', () => {
    expect(trainingRows.map((r) => r.operationId).sort()).toEqual(Object.keys(trainingOperations).sort());
    expect(trainingRows).toHaveLength(52);
  });

  it.each(trainingRows.map((row) => [row.operationId, row] as const))('%s', async (_, row) => {
    const { sent, result } = await runRow(row, 'training');
    expectRequest(row, sent, 'training');
    await expectResult(row, result);
  });
});

describe('PredictionClient sends every operation as the contract says', () => {
  it('has one row per prediction operation', () => {
    expect(predictionRows.map((r) => r.operationId).sort()).toEqual(Object.keys(predictionOperations).sort());
  });

  it.each(predictionRows.map((row) => [row.operationId, row] as const))('%s', async (_, row) => {
    const { sent, result } = await runRow(row, 'prediction');
    expectRequest(row, sent, 'prediction');
    await expectResult(row, result);
  });
});

describe('client surface', () => {
  const ownMethods = (proto: object) =>
    Object.getOwnPropertyNames(proto).filter(
      (name) => name !== 'constructor' && typeof Reflect.get(proto, name) === 'function',
    );

  it('exposes exactly the 52 training methods plus the helpers, named in camelCase', () => {
    const helpers = [
      'uploadImages',
      'waitForTraining',
      'waitForExport',
      'iterateImages',
      'iterateTaggedImages',
      'iterateUntaggedImages',
      'iterateImagePerformances',
      'iteratePredictions',
      'iterateSuggestedImages',
    ];
    const methods = ownMethods(TrainingClient.prototype).filter((m) => !helpers.includes(m));
    const expected = Object.keys(trainingOperations).map((id) => id[0]!.toLowerCase() + id.slice(1));
    expect(methods.sort()).toEqual(expected.sort());
  });

  it('exposes the 8 prediction methods under their plain names', () => {
    expect(ownMethods(PredictionClient.prototype).sort()).toEqual(
      [
        'classifyImage',
        'classifyImageUrl',
        'classifyImageUrlWithNoStore',
        'classifyImageWithNoStore',
        'detectImage',
        'detectImageUrl',
        'detectImageUrlWithNoStore',
        'detectImageWithNoStore',
      ].sort(),
    );
  });

  it('builds the base URL from the endpoint and api version', () => {
    expect(new TrainingClient({ endpoint: 'https://x.cognitiveservices.azure.com/', trainingKey: 'k' }).baseUrl).toBe(
      'https://x.cognitiveservices.azure.com/customvision/v3.3/training',
    );
    expect(
      new TrainingClient({ endpoint: 'http://localhost:3000', trainingKey: 'k', apiVersion: 'v3.4-preview' }).baseUrl,
    ).toBe('http://localhost:3000/customvision/v3.4-preview/training');
    expect(new PredictionClient({ endpoint: 'http://localhost:3000', predictionKey: 'k' }).baseUrl).toBe(
      'http://localhost:3000/customvision/v3.1/prediction',
    );
    expect(
      new PredictionClient({ endpoint: 'http://localhost:3000', predictionKey: 'k', apiVersion: 'v3.0' }).baseUrl,
    ).toBe('http://localhost:3000/customvision/v3.0/prediction');
    expect(() => new TrainingClient({ endpoint: 'localhost:3000', trainingKey: 'k' })).toThrow(TypeError);
    expect(() => new TrainingClient({ endpoint: 'http://localhost:3000' } as never)).toThrow(/trainingKey/);
  });

  it('sends a single image as octet-stream and keeps the caller-chosen content type off multipart', async () => {
    const row: Row = {
      operationId: 'CreateImagesFromData',
      method: 'POST',
      path: `/projects/${P}/images`,
      body: bytes(jpeg),
      call: () => trainer.createImagesFromData(P, new Blob([jpeg], { type: 'image/jpeg' })),
    };
    const { sent } = await runRow(row, 'training');
    expectRequest(row, sent, 'training');
  });

  it('accepts ArrayBuffer, Node Buffer, ReadableStream and async iterables as image data', async () => {
    const sources = [
      jpeg.buffer.slice(0),
      Buffer.from(jpeg),
      new Blob([jpeg]).stream(),
      (async function* () {
        yield jpeg.subarray(0, 3);
        yield jpeg.subarray(3);
      })(),
    ];
    for (const source of sources) {
      const row: Row = {
        operationId: 'QuickTestImage',
        method: 'POST',
        path: `/projects/${P}/quicktest/image`,
        body: bytes(jpeg),
        call: () => trainer.quickTestImage(P, source),
      };
      const { sent } = await runRow(row, 'training');
      expectRequest(row, sent, 'training');
    }
  });

  it('withResponse() returns the parsed data with the raw response and request id', async () => {
    server.use(
      http.get(`${endpoint}/customvision/v3.3/training/projects`, () =>
        HttpResponse.json([{ name: 'a' }], { headers: { 'apim-request-id': 'abc-123', 'x-extra': 'yes' } }),
      ),
    );
    const { data, response, requestId } = await trainer.getProjects().withResponse();
    expect(data).toEqual([{ name: 'a' }]);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-extra')).toBe('yes');
    expect(requestId).toBe('abc-123');
  });

  it('calls onResponse with every response and sends client and call headers', async () => {
    const seen: string[] = [];
    let headers: Headers | undefined;
    server.use(
      http.get(`${endpoint}/customvision/v3.3/training/domains`, ({ request }) => {
        headers = request.headers;
        return HttpResponse.json([]);
      }),
    );
    const client = new TrainingClient({
      endpoint,
      trainingKey: 'k',
      headers: { 'x-client': 'c' },
      onResponse: ({ operationId, attempt, response }) => {
        seen.push(`${operationId}#${attempt}:${response.status}`);
      },
    });
    await client.getDomains({ headers: { 'x-call': 'd', Accept: 'application/json; odata=minimalmetadata' } });
    expect(seen).toEqual(['GetDomains#0:200']);
    expect(headers?.get('x-client')).toBe('c');
    expect(headers?.get('x-call')).toBe('d');
    expect(headers?.get('training-key')).toBe('k');
    // Set once, by the caller, whatever the letter case.
    expect(headers?.get('accept')).toBe('application/json; odata=minimalmetadata');
  });
});
