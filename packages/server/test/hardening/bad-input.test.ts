import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainCatalog } from '../../src/domain/domain-catalog.ts';
import { predictionOperations, type SpecOperation, trainingOperations } from '../../src/http/spec-operations.ts';
import { jpeg, png } from '../helpers/images.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { bmpBomb, corrupt, gifBomb, jpegBomb, pngBomb, truncated } from './bad-images.ts';
import {
  type Fixture,
  predictionHeaders,
  seedTrainedProject,
  send,
  snapshot,
  startHostileOrigin,
  trainingHeaders,
} from './harness.ts';

/**
 * Bad input, everywhere: every training and prediction operation of the contract gets malformed parameters and
 * bodies, and the upload and URL operations get broken, hostile and oversized images. Each case must be answered
 * with its Azure status and `code` within 5 s (never a 5xx, never a hang), and the stored data (projects, tags,
 * images, iterations, predictions, exports, blob files) must be exactly as before.
 *
 * Batch uploads are the one exception to "4xx": Azure answers 207 with a status per image when images of a batch
 * are unusable; those cases list the per-image statuses they expect.
 */

const TRAINING = '/customvision/v3.3/training';
const PREDICTION = '/customvision/v3.1/prediction';
const RANDOM_UUID = '3f2b8f5e-0c1a-4d5e-9b7a-2c4d6e8f0a1b';
const DOMAIN_ID = domainCatalog[0]!.id;
const LIMIT_MS = 5000;

type Server = 'main' | 'open';
type Request = { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string };
interface Expect {
  status: number;
  code?: string;
  /** For 207 batch answers: the status of each image, in order. */
  images?: string[];
}
interface Case {
  name: string;
  /** `main` refuses private URLs; `open` allows them (for the hostile origin) with a 500 ms fetch timeout. */
  server?: Server;
  build(f: Fixture, origin: string): Request | Promise<Request>;
  expect: Expect;
}

// ---------------------------------------------------------------------------------------------------------------
// Cases generated from the contract: one bad value per parameter, and bad JSON bodies.

const VALID_PATH: Record<string, (f: Fixture) => string> = {
  projectId: (f) => f.projectId,
  tagId: (f) => f.tagA,
  iterationId: (f) => f.iterationId,
  imageId: (f) => f.imageId,
  domainId: () => DOMAIN_ID,
  publishedName: (f) => f.publishName,
};
const VALID_QUERY: Record<string, (f: Fixture) => string> = {
  name: () => 'valid-name',
  token: () => 'x',
  path: (f) => `images/${f.projectId}/${f.imageId}/original`,
  imageIds: (f) => f.imageId,
  tagIds: (f) => f.tagA,
  regionIds: () => RANDOM_UUID,
  ids: () => RANDOM_UUID,
  iterationId: (f) => f.iterationId,
  platform: () => 'TensorFlow',
  publishName: () => 'another-name',
  predictionId: () => 'x',
};

const apiOf = (op: SpecOperation) => (predictionOperations.includes(op) ? 'prediction' : 'training');
const prefix = (op: SpecOperation) => (apiOf(op) === 'prediction' ? PREDICTION : TRAINING);
const keyOf = (op: SpecOperation) => (apiOf(op) === 'prediction' ? predictionHeaders : trainingHeaders);

/** The operation's URL with valid values, except `override` (raw, already encoded) for one parameter. */
function url(op: SpecOperation, f: Fixture, override: { name: string; raw: string | undefined } | undefined): string {
  let path = op.path;
  const query: string[] = [];
  for (const p of op.parameters) {
    if (p.in === 'header') continue;
    const valid = p.in === 'path' ? VALID_PATH[p.name] : VALID_QUERY[p.name];
    const raw =
      override?.name === p.name ? override.raw : p.required && valid ? encodeURIComponent(valid(f)) : undefined;
    if (p.in === 'path') path = path.replace(`{${p.name}}`, raw ?? '');
    else if (raw !== undefined) query.push(`${p.name}=${raw}`);
  }
  return `${prefix(op)}${path}${query.length ? `?${query.join('&')}` : ''}`;
}

const BAD_IDS_IN_PATH = ['not-a-uuid', '..', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', "x'%20OR%201=1--", `${'f'.repeat(300)}`];
const BAD_IDS_IN_QUERY = ['not-a-uuid', '..%2F..%2Fetc%2Fpasswd', '00000000-0000-0000-0000-00000000000g'];

function parameterCases(op: SpecOperation): Case[] {
  const cases: Case[] = [];
  const add = (what: string, name: string, raw: string | undefined, expect: Expect) =>
    cases.push({
      name: `${op.operationId}: ${what}`,
      build: (f) => ({ method: op.method.toUpperCase(), path: url(op, f, { name, raw }), headers: keyOf(op) }),
      expect,
    });
  for (const p of op.parameters) {
    if (p.in === 'header') continue;
    const s = p.schema;
    const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
    if (p.required && p.in === 'query')
      add(`missing ${p.name}`, p.name, undefined, { status: 400, code: 'BadRequestRequiredParamIsNull' });
    if (type === 'string' && s.format === 'uuid')
      for (const bad of p.in === 'path' ? BAD_IDS_IN_PATH : BAD_IDS_IN_QUERY)
        add(`${p.name}=${bad.slice(0, 24)}`, p.name, bad, { status: 400, code: 'BadRequestInvalidIds' });
    if (s.enum) add(`${p.name} outside its enum`, p.name, 'NotAValue', { status: 400, code: 'BadRequest' });
    if (type === 'integer') {
      const bad = ['2147483648', '-2147483649', '99999999999999999999', '1.5', 'NaN', '0x10'];
      if (s.minimum !== undefined || ['skip', 'take'].includes(p.name)) bad.push('-1');
      for (const b of bad) add(`${p.name}=${b}`, p.name, b, { status: 400, code: 'BadRequest' });
    }
    if (type === 'number')
      for (const b of ['abc', 'Infinity', '1e999'])
        add(`${p.name}=${b}`, p.name, b, { status: 400, code: 'BadRequest' });
    if (type === 'boolean') add(`${p.name}=maybe`, p.name, 'maybe', { status: 400, code: 'BadRequest' });
    if (type === 'array') {
      const items = s.items ?? {};
      if (items.format === 'uuid') {
        add(`${p.name} with a bad id`, p.name, `${RANDOM_UUID},nope`, { status: 400, code: 'BadRequestInvalidIds' });
        if (s.maxItems !== undefined) {
          const many = Array.from(
            { length: s.maxItems + 1 },
            (_, i) => `${RANDOM_UUID.slice(0, 24)}${String(i).padStart(12, '0')}`,
          );
          add(`${p.name} over maxItems (${s.maxItems})`, p.name, many.join(','), {
            status: 400,
            code: 'BadRequestExceededBatchSize',
          });
        }
      }
    }
  }
  return cases;
}

function jsonBodyCases(op: SpecOperation): Case[] {
  if (!op.bodyTypes.includes('application/json')) return [];
  const bodies: [string, string, Expect][] = [
    ['malformed JSON', '{"name": "x",', { status: 400, code: 'BadRequest' }],
    ['a JSON array', '[1, 2]', { status: 400, code: 'BadRequest' }],
    ['a JSON string', '"text"', { status: 400, code: 'BadRequest' }],
    ['a JSON number', '42', { status: 400, code: 'BadRequest' }],
    ['nesting 10,000 deep', `{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, { status: 400, code: 'BadRequest' }],
    ['over 1 MB', JSON.stringify({ name: 'x'.repeat(1_100_000) }), { status: 413, code: 'BadRequest' }],
  ];
  if (op.bodyRequired) bodies.push(['null', 'null', { status: 400, code: 'BadRequestRequiredParamIsNull' }]);
  return bodies
    .filter(([name]) => !(name === 'over 1 MB' && op.operationId === 'CreateImagesFromFiles'))
    .map(([what, body, expect]) => ({
      name: `${op.operationId}: body is ${what}`,
      build: (f) => ({
        method: op.method.toUpperCase(),
        path: url(op, f, undefined),
        headers: { ...keyOf(op), 'content-type': 'application/json' },
        body,
      }),
      expect,
    }));
}

const operations = [...trainingOperations, ...predictionOperations];
const generated = operations.flatMap((op) => [...parameterCases(op), ...jsonBodyCases(op)]);

// ---------------------------------------------------------------------------------------------------------------
// Hand-written cases: wrong JSON types, huge strings, broken images, multipart, URLs.

const json = (method: string, path: (f: Fixture) => string, body: unknown, expect: Expect, server?: Server) =>
  ({
    name: '',
    ...(server ? { server } : {}),
    build: (f: Fixture) => ({
      method,
      path: `${TRAINING}${path(f)}`,
      headers: { ...trainingHeaders, 'content-type': 'application/json' },
      body: JSON.stringify(typeof body === 'function' ? (body as (f: Fixture) => unknown)(f) : body),
    }),
    expect,
  }) satisfies Case;

const named = (name: string, c: Case): Case => ({ ...c, name });
const MB = 'x'.repeat(1_000_000);
const region = (f: Fixture, o: Record<string, unknown> = {}) => ({
  imageId: f.imageId,
  tagId: f.tagA,
  left: 0.1,
  top: 0.1,
  width: 0.2,
  height: 0.2,
  ...o,
});

const wrongTypes: Case[] = [
  named(
    'UpdateProject: name is a number',
    json('PATCH', (f) => `/projects/${f.projectId}`, { name: 5 }, { status: 400, code: 'BadRequestProjectName' }),
  ),
  named(
    'UpdateProject: name of 1 MB',
    json('PATCH', (f) => `/projects/${f.projectId}`, { name: MB }, { status: 400, code: 'BadRequestProjectName' }),
  ),
  named(
    'UpdateProject: empty name',
    json('PATCH', (f) => `/projects/${f.projectId}`, { name: '  ' }, { status: 400, code: 'BadRequestProjectName' }),
  ),
  named(
    'UpdateProject: description of 1 MB',
    json(
      'PATCH',
      (f) => `/projects/${f.projectId}`,
      { description: MB },
      { status: 400, code: 'BadRequestProjectDescription' },
    ),
  ),
  named(
    'UpdateProject: description is an object',
    json(
      'PATCH',
      (f) => `/projects/${f.projectId}`,
      { description: {} },
      { status: 400, code: 'BadRequestProjectDescription' },
    ),
  ),
  named(
    'UpdateProject: settings is a string',
    json('PATCH', (f) => `/projects/${f.projectId}`, { settings: 'x' }, { status: 400, code: 'BadRequest' }),
  ),
  named(
    'UpdateProject: domainId is a number',
    json(
      'PATCH',
      (f) => `/projects/${f.projectId}`,
      { settings: { domainId: 7 } },
      { status: 400, code: 'BadRequestProjectUnknownDomain' },
    ),
  ),
  named(
    'UpdateProject: unknown classificationType',
    json(
      'PATCH',
      (f) => `/projects/${f.projectId}`,
      { settings: { classificationType: 'Sideways' } },
      { status: 400, code: 'BadRequestProjectUnknownClassification' },
    ),
  ),
  named(
    'UpdateProject: targetExportPlatforms is a string',
    json(
      'PATCH',
      (f) => `/projects/${f.projectId}`,
      { settings: { targetExportPlatforms: 'ONNX' } },
      { status: 400, code: 'BadRequestProjectUnsupportedExportPlatform' },
    ),
  ),
  named(
    'UpdateProject: augmentation flag is a string',
    json(
      'PATCH',
      (f) => `/projects/${f.projectId}`,
      { settings: { imageProcessingSettings: { augmentationMethods: { rotation: 'yes' } } } },
      { status: 400, code: 'BadRequestProjectImagePreprocessingSettings' },
    ),
  ),
  named(
    'UpdateTag: name is a number',
    json(
      'PATCH',
      (f) => `/projects/${f.projectId}/tags/${f.tagA}`,
      { name: 5 },
      { status: 400, code: 'BadRequestTagName' },
    ),
  ),
  named(
    'UpdateTag: name of 1 MB',
    json(
      'PATCH',
      (f) => `/projects/${f.projectId}/tags/${f.tagA}`,
      { name: MB },
      { status: 400, code: 'BadRequestTagName' },
    ),
  ),
  named(
    'UpdateTag: type outside its enum',
    json(
      'PATCH',
      (f) => `/projects/${f.projectId}/tags/${f.tagA}`,
      { type: 'Positive' },
      { status: 400, code: 'BadRequestTagType' },
    ),
  ),
  named(
    'UpdateTag: description is a list',
    json(
      'PATCH',
      (f) => `/projects/${f.projectId}/tags/${f.tagA}`,
      { description: ['x'] },
      { status: 400, code: 'BadRequestTagDescription' },
    ),
  ),
  named(
    'UpdateIteration: name is a number',
    json(
      'PATCH',
      (f) => `/projects/${f.projectId}/iterations/${f.iterationId}`,
      { name: 5 },
      { status: 400, code: 'BadRequestIterationName' },
    ),
  ),
  named(
    'UpdateIteration: name of 1 MB',
    json(
      'PATCH',
      (f) => `/projects/${f.projectId}/iterations/${f.iterationId}`,
      { name: MB },
      { status: 400, code: 'BadRequestIterationName' },
    ),
  ),
  named(
    'TrainProject: selectedTags is a string',
    json('POST', (f) => `/projects/${f.projectId}/train`, { selectedTags: 'A' }, { status: 400, code: 'BadRequest' }),
  ),
  named(
    'TrainProject: selectedTags names a missing tag',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/train?forceTrain=true`,
      { selectedTags: [RANDOM_UUID] },
      { status: 400, code: 'BadRequestTrainingValidationFailed' },
    ),
  ),
  named(
    'CreateImagesFromFiles: images is a string',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/files`,
      { images: 'x' },
      { status: 400, code: 'BadRequestImageBatch' },
    ),
  ),
  named(
    'CreateImagesFromFiles: images is empty',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/files`,
      { images: [] },
      { status: 400, code: 'BadRequestImageBatch' },
    ),
  ),
  named(
    'CreateImagesFromFiles: an entry is null',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/files`,
      { images: [null] },
      { status: 400, code: 'BadRequest' },
    ),
  ),
  named(
    'CreateImagesFromFiles: 65 entries',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/files`,
      { images: Array.from({ length: 65 }, () => ({ contents: '' })) },
      { status: 400, code: 'BadRequestImageBatch' },
    ),
  ),
  named(
    'CreateImagesFromFiles: tagIds is a string',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/files`,
      (f: Fixture) => ({ images: [{ contents: 'AAAA' }], tagIds: f.tagA }),
      { status: 400, code: 'BadRequestInvalidIds' },
    ),
  ),
  named(
    'CreateImagesFromFiles: tagIds holds a number',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/files`,
      { images: [{ contents: 'AAAA' }], tagIds: [5] },
      { status: 400, code: 'BadRequestInvalidIds' },
    ),
  ),
  named(
    'CreateImagesFromFiles: 21 tagIds',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/files`,
      (f: Fixture) => ({ images: [{ contents: 'AAAA' }], tagIds: Array(21).fill(f.tagA) }),
      { status: 400, code: 'BadRequestExceededBatchSize' },
    ),
  ),
  named(
    'CreateImagesFromFiles: metadata is a string',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/files`,
      { images: [{ contents: 'AAAA' }], metadata: 'x' },
      { status: 400, code: 'BadRequest' },
    ),
  ),
  named(
    'CreateImagesFromFiles: metadata value is a number',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/files`,
      { images: [{ contents: 'AAAA' }], metadata: { k: 5 } },
      { status: 400, code: 'BadRequestImageMetadataValue' },
    ),
  ),
  named(
    'CreateImagesFromFiles: metadata value of 1 MB',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/files`,
      { images: [{ contents: 'AAAA' }], metadata: { k: MB } },
      { status: 400, code: 'BadRequestImageMetadataValue' },
    ),
  ),
  named(
    'CreateImagesFromFiles: 51 metadata keys',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/files`,
      {
        images: [{ contents: 'AAAA' }],
        metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])),
      },
      { status: 400, code: 'BadRequestImageMetadataKey' },
    ),
  ),
  named(
    'CreateImagesFromFiles: a region coordinate is a string',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/files`,
      (f: Fixture) => ({ images: [{ contents: 'AAAA', regions: [{ ...region(f), left: 'x' }] }] }),
      { status: 400, code: 'BadRequestImageRegions' },
    ),
  ),
  named(
    'CreateImagesFromFiles: regions is a number',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/files`,
      { images: [{ contents: 'AAAA', regions: 3 }] },
      { status: 400, code: 'BadRequestImageRegions' },
    ),
  ),
  named(
    'CreateImagesFromFiles: contents is a number (per image)',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/files`,
      { images: [{ name: 'a', contents: 5 }] },
      { status: 207, images: ['ErrorSource'] },
    ),
  ),
  named(
    'CreateImagesFromFiles: contents is not base64 (per image)',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/files`,
      { images: [{ name: 'a', contents: '%%%' }] },
      { status: 207, images: ['ErrorImageFormat'] },
    ),
  ),
  named(
    'CreateImagesFromUrls: url is a number',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/urls`,
      { images: [{ url: 5 }] },
      { status: 400, code: 'BadRequestImageUrl' },
    ),
  ),
  named(
    'CreateImagesFromUrls: entry without url',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/urls`,
      { images: [{}] },
      { status: 400, code: 'BadRequestImageUrl' },
    ),
  ),
  named(
    'CreateImagesFromPredictions: images is a string',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/predictions`,
      { images: 'x' },
      { status: 400, code: 'BadRequestImageBatch' },
    ),
  ),
  named(
    'CreateImagesFromPredictions: an entry is null',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/predictions`,
      { images: [null] },
      { status: 400, code: 'BadRequest' },
    ),
  ),
  named(
    'CreateImagesFromPredictions: a region is null',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/predictions`,
      { images: [{ id: RANDOM_UUID, regions: [null] }] },
      { status: 400, code: 'BadRequestImageRegions' },
    ),
  ),
  named(
    'CreateImagesFromPredictions: regions name no tag',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/predictions`,
      { images: [{ id: RANDOM_UUID, regions: [{ tagId: 5 }] }] },
      { status: 400, code: 'BadRequestImageRegions' },
    ),
  ),
  named(
    'CreateImagesFromPredictions: unknown prediction (per image)',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/predictions`,
      { images: [{ id: RANDOM_UUID }] },
      { status: 207, images: ['ErrorSource'] },
    ),
  ),
  named(
    'CreateImageTags: tags is a string',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/tags`,
      { tags: 'x' },
      { status: 400, code: 'BadRequestImageTags' },
    ),
  ),
  named(
    'CreateImageTags: an entry is null',
    json('POST', (f) => `/projects/${f.projectId}/images/tags`, { tags: [null] }, { status: 400, code: 'BadRequest' }),
  ),
  named(
    'CreateImageTags: imageId is not a uuid',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/tags`,
      (f: Fixture) => ({ tags: [{ imageId: '../x', tagId: f.tagA }] }),
      { status: 400, code: 'BadRequestInvalidIds' },
    ),
  ),
  named(
    'CreateImageTags: unknown image',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/tags`,
      (f: Fixture) => ({ tags: [{ imageId: RANDOM_UUID, tagId: f.tagB }] }),
      { status: 404, code: 'NotFoundImage' },
    ),
  ),
  named(
    'CreateImageTags: 129 entries',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/tags`,
      (f: Fixture) => ({ tags: Array(129).fill({ imageId: f.imageId, tagId: f.tagB }) }),
      { status: 400, code: 'BadRequestExceededBatchSize' },
    ),
  ),
  named(
    'CreateImageRegions: regions is a string',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/regions`,
      { regions: 'x' },
      { status: 400, code: 'BadRequestImageRegions' },
    ),
  ),
  named(
    'CreateImageRegions: left is a string',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/regions`,
      (f: Fixture) => ({ regions: [region(f, { left: '0.1' })] }),
      { status: 400, code: 'BadRequestImageRegions' },
    ),
  ),
  named(
    'CreateImageRegions: left is 1e308',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/regions`,
      (f: Fixture) => ({ regions: [region(f, { left: 1e308 })] }),
      { status: 400, code: 'BadRequestImageRegions' },
    ),
  ),
  named(
    'CreateImageRegions: negative width',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/regions`,
      (f: Fixture) => ({ regions: [region(f, { width: -0.1 })] }),
      { status: 400, code: 'BadRequestImageRegions' },
    ),
  ),
  named(
    'CreateImageRegions: 65 regions',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/regions`,
      (f: Fixture) => ({ regions: Array(65).fill(region(f)) }),
      { status: 400, code: 'BadRequestExceededBatchSize' },
    ),
  ),
  named(
    'UpdateImageMetadata: value is a number',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/metadata?imageIds=${f.imageId}`,
      { k: 5 },
      { status: 400, code: 'BadRequestImageMetadataValue' },
    ),
  ),
  named(
    'UpdateImageMetadata: empty key',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/metadata?imageIds=${f.imageId}`,
      { '': 'v' },
      { status: 400, code: 'BadRequestImageMetadataKey' },
    ),
  ),
  named(
    'UpdateImageMetadata: key of 257 characters',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/metadata?imageIds=${f.imageId}`,
      { ['k'.repeat(257)]: 'v' },
      { status: 400, code: 'BadRequestImageMetadataKey' },
    ),
  ),
  named(
    'UpdateImageMetadata: value of 1 MB',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/metadata?imageIds=${f.imageId}`,
      { k: MB },
      { status: 400, code: 'BadRequestImageMetadataValue' },
    ),
  ),
  named(
    'QueryPredictions: tags is a string',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/predictions/query`,
      { tags: 'x' },
      { status: 400, code: 'BadRequest' },
    ),
  ),
  named(
    'QueryPredictions: a tag is null',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/predictions/query`,
      { tags: [null] },
      { status: 400, code: 'BadRequest' },
    ),
  ),
  named(
    'QueryPredictions: three tags',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/predictions/query`,
      { tags: [{ id: RANDOM_UUID }, { id: RANDOM_UUID }, { id: RANDOM_UUID }] },
      { status: 400, code: 'BadRequestPredictionTagsExceededCount' },
    ),
  ),
  named(
    'QueryPredictions: maxCount 100000',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/predictions/query`,
      { maxCount: 100_000 },
      { status: 400, code: 'BadRequestPredictionResultsExceededCount' },
    ),
  ),
  named(
    'QueryPredictions: maxCount is a string',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/predictions/query`,
      { maxCount: 'ten' },
      { status: 400, code: 'BadRequestPredictionResultsExceededCount' },
    ),
  ),
  named(
    'QueryPredictions: startTime is not a date',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/predictions/query`,
      { startTime: 'yesterday' },
      { status: 400, code: 'BadRequestPredictionInvalidQueryParameters' },
    ),
  ),
  named(
    'QueryPredictions: forged continuation',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/predictions/query`,
      { continuation: 'eyJjIjoiMSJ9' },
      { status: 400, code: 'BadRequestPredictionInvalidQueryParameters' },
    ),
  ),
  named(
    'QueryPredictions: iterationId is an object',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/predictions/query`,
      { iterationId: { $ne: null } },
      { status: 400, code: 'BadRequest' },
    ),
  ),
  named(
    'QuerySuggestedImageCount: tagIds is an object',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/images/suggested/count?iterationId=${f.iterationId}`,
      { tagIds: { length: 2 } },
      { status: 400, code: 'BadRequest' },
    ),
  ),
  named(
    'QuickTestImageUrl: url is a number',
    json(
      'POST',
      (f) => `/projects/${f.projectId}/quicktest/url`,
      { url: 5 },
      { status: 400, code: 'BadRequestImageUrl' },
    ),
  ),
];

const hugeStrings: Case[] = [
  ['CreateProject: name of 1 MB in the query', 'POST', '/projects?name=' + 'x'.repeat(1 << 20)],
  ['GetImages: $filter of 1 MB', 'GET', '/projects/{P}/images?$filter=' + 'x'.repeat(1 << 20)],
  [
    'PublishIteration: publishName of 1 MB',
    'POST',
    '/projects/{P}/iterations/{I}/publish?predictionId=x&publishName=' + 'x'.repeat(1 << 20),
  ],
  ['GetProjects: query of 1 MB', 'GET', `/projects?junk=${'x'.repeat(1 << 20)}`],
  ['GetDomains: query of 64 kB', 'GET', `/domains?junk=${'x'.repeat(1 << 16)}`],
].map(([name, method, path]) => ({
  name: name!,
  build: (f: Fixture) => ({
    method: method!,
    path: TRAINING + path!.replace('{P}', f.projectId).replace('{I}', f.iterationId),
    headers: trainingHeaders,
  }),
  expect: { status: 431, code: 'BadRequest' },
}));

const longButParseable: Case[] = [
  ['CreateProject: name of 8 kB', 'POST', `/projects?name=${'x'.repeat(8000)}`, 'BadRequestProjectName'],
  [
    'CreateProject: description of 8 kB',
    'POST',
    `/projects?name=ok&description=${'x'.repeat(8000)}`,
    'BadRequestProjectDescription',
  ],
  ['CreateTag: name of 8 kB', 'POST', `/projects/{P}/tags?name=${'x'.repeat(8000)}`, 'BadRequestTagName'],
  [
    'PublishIteration: publishName of 8 kB',
    'POST',
    `/projects/{P}/iterations/{I}/publish?predictionId=x&publishName=${'x'.repeat(8000)}`,
    'BadRequestInvalidPublishName',
  ],
  [
    'PublishIteration: publishName with a slash',
    'POST',
    '/projects/{P}/iterations/{I}/publish?predictionId=x&publishName=..%2F..%2Fx',
    'BadRequestInvalidPublishName',
  ],
  [
    'TrainProject: hostile email of 15 kB',
    'POST',
    `/projects/{P}/train?forceTrain=true&notificationEmailAddress=a@${'.'.repeat(15000)}@`,
    'BadRequestInvalidEmailAddress',
  ],
  [
    'GetImages: $filter that does not parse',
    'GET',
    `/projects/{P}/images?$filter=${encodeURIComponent("k eq 'v' and (")}`,
    'BadRequest',
  ],
  [
    'GetImages: $filter of 500 terms',
    'GET',
    `/projects/{P}/images?$filter=${encodeURIComponent(Array(500).fill("k eq 'v'").join(' or '))}`,
    'BadRequest',
  ],
  ['GetImages: path with a bad percent escape', 'GET', '/projects/%E0%A4%A/images', 'BadRequest'],
  [
    'GetArtifact: path traversal',
    'GET',
    '/projects/{P}/artifacts?path=..%2F..%2F..%2Fetc%2Fpasswd',
    'BadRequestInvalidArtifactUri',
  ],
  [
    'GetArtifact: another project',
    'GET',
    `/projects/{P}/artifacts?path=images%2F${RANDOM_UUID}%2F${RANDOM_UUID}%2Foriginal`,
    'BadRequestInvalidArtifactUri',
  ],
  [
    'ImportProject: token that is not one',
    'POST',
    `/projects/import?token=${'x'.repeat(4000)}`,
    'BadRequestInvalidImportToken',
  ],
  [
    'ExportIteration: flavor outside its enum',
    'POST',
    '/projects/{P}/iterations/{I}/export?platform=ONNX&flavor=Evil',
    'BadRequest',
  ],
].map(([name, method, path, code]) => ({
  name: name!,
  build: (f: Fixture) => ({
    method: method!,
    path: TRAINING + path!.replace('{P}', f.projectId).replace('{I}', f.iterationId),
    headers: trainingHeaders,
  }),
  expect: { status: 400, code: code! },
}));

// Images: each broken or hostile file goes to training (per-image status) and to prediction (400).
interface BadImage {
  name: string;
  bytes: () => Promise<Buffer> | Buffer;
  training: string;
  prediction: string;
}
const badImages: BadImage[] = [
  {
    name: 'truncated JPEG',
    bytes: async () => truncated(await jpeg(64, 64)),
    training: 'ErrorImageFormat',
    prediction: 'BadRequestImageFormat',
  },
  {
    name: 'corrupt JPEG',
    bytes: async () => corrupt(await jpeg(64, 64)),
    training: 'ErrorImageFormat',
    prediction: 'BadRequestImageFormat',
  },
  {
    name: 'truncated PNG',
    bytes: async () => truncated(await png(64, 64)),
    training: 'ErrorImageFormat',
    prediction: 'BadRequestImageFormat',
  },
  {
    name: 'text',
    bytes: () => Buffer.from('definitely not an image'),
    training: 'ErrorImageFormat',
    prediction: 'BadRequestImageFormat',
  },
  // Decompression bombs: the header's size is checked before any pixel is decoded; they are too large, not corrupt.
  {
    name: 'PNG declaring 100000×100000',
    bytes: () => pngBomb(100_000, 100_000),
    training: 'ErrorImageSize',
    prediction: 'BadRequestImageDimensions',
  },
  {
    name: 'JPEG declaring 65000×65000',
    bytes: () => jpegBomb(65_000, 65_000),
    training: 'ErrorImageSize',
    prediction: 'BadRequestImageDimensions',
  },
  {
    name: 'GIF declaring 65535×65535',
    bytes: () => gifBomb(65_535, 65_535),
    training: 'ErrorImageSize',
    prediction: 'BadRequestImageDimensions',
  },
  {
    name: 'BMP declaring 100000×100000',
    bytes: () => bmpBomb(100_000, 100_000),
    training: 'ErrorImageSize',
    prediction: 'BadRequestImageDimensions',
  },
  {
    name: 'PNG declaring 20000×1',
    bytes: () => pngBomb(20_000, 1),
    training: 'ErrorImageSize',
    prediction: 'BadRequestImageDimensions',
  },
  {
    name: 'PNG declaring 10240×10240 with no data',
    bytes: () => pngBomb(10_240, 10_240),
    training: 'ErrorImageFormat',
    prediction: 'BadRequestImageFormat',
  },
];

function form(parts: { field: string; filename?: string; bytes: Buffer }[], boundary = 'cvkitBoundary'): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${p.field}"${p.filename ? `; filename="${p.filename}"` : ''}\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      p.bytes,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}
const MULTIPART = { 'content-type': 'multipart/form-data; boundary=cvkitBoundary' };
const OCTETS = { 'content-type': 'application/octet-stream' };

const imageCases: Case[] = badImages.flatMap((img): Case[] => {
  let cached: Promise<Buffer> | undefined;
  const bytes = () => (cached ??= Promise.resolve(img.bytes()));
  const upload = (name: string, expect: Expect, build: (f: Fixture, b: Buffer) => Request): Case => ({
    name: `${name}: ${img.name}`,
    build: async (f) => build(f, await bytes()),
    expect,
  });
  const perImage = { status: 207, images: [img.training] };
  const refused = { status: 400, code: img.prediction };
  return [
    upload('CreateImagesFromData (multipart)', perImage, (f, b) => ({
      method: 'POST',
      path: `${TRAINING}/projects/${f.projectId}/images`,
      headers: { ...trainingHeaders, ...MULTIPART },
      body: form([{ field: 'imageData', filename: 'x.jpg', bytes: b }]),
    })),
    upload('CreateImagesFromData (octet-stream)', perImage, (f, b) => ({
      method: 'POST',
      path: `${TRAINING}/projects/${f.projectId}/images`,
      headers: { ...trainingHeaders, ...OCTETS },
      body: b,
    })),
    upload('CreateImagesFromFiles (base64)', perImage, (f, b) => ({
      method: 'POST',
      path: `${TRAINING}/projects/${f.projectId}/images/files`,
      headers: { ...trainingHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ images: [{ name: 'x', contents: b.toString('base64') }] }),
    })),
    upload('QuickTestImage', refused, (f, b) => ({
      method: 'POST',
      path: `${TRAINING}/projects/${f.projectId}/quicktest/image`,
      headers: { ...trainingHeaders, ...OCTETS },
      body: b,
    })),
    upload('ImageClassifier_ClassifyImage', refused, (f, b) => ({
      method: 'POST',
      path: `${PREDICTION}/${f.projectId}/classify/iterations/${f.publishName}/image`,
      headers: { ...predictionHeaders, ...MULTIPART },
      body: form([{ field: 'imageData', filename: 'x.jpg', bytes: b }]),
    })),
    upload('ImageClassifier_ClassifyImageWithoutSaving', refused, (f, b) => ({
      method: 'POST',
      path: `${PREDICTION}/${f.projectId}/classify/iterations/${f.publishName}/image/nostore`,
      headers: { ...predictionHeaders, ...OCTETS },
      body: b,
    })),
  ];
});

const multipartCases: Case[] = [
  [
    'wrong field name',
    form([{ field: 'file', filename: 'a.jpg', bytes: Buffer.from('x') }]),
    MULTIPART,
    400,
    'BadRequestImageBatch',
  ],
  [
    // A part with neither filename nor Content-Type is the image (Microsoft's Python SDK sends bytes so, issue 16):
    // this one is not an image.
    'text in a part without filename or Content-Type',
    Buffer.from(
      '--cvkitBoundary\r\nContent-Disposition: form-data; name="imageData"\r\n\r\nhello\r\n--cvkitBoundary--\r\n',
    ),
    MULTIPART,
    207,
    '',
  ],
  [
    'no boundary',
    form([{ field: 'imageData', bytes: Buffer.from('x') }]),
    { 'content-type': 'multipart/form-data' },
    400,
    'BadRequestImageStream',
  ],
  [
    'truncated body',
    form([{ field: 'imageData', bytes: Buffer.alloc(2000, 1) }]).subarray(0, 1000),
    MULTIPART,
    400,
    'BadRequestImageStream',
  ],
  [
    '65 files',
    form(Array.from({ length: 65 }, (_, i) => ({ field: 'imageData', filename: `${i}.jpg`, bytes: Buffer.from([i]) }))),
    MULTIPART,
    400,
    'BadRequestImageBatch',
  ],
  ['empty octet-stream', Buffer.alloc(0), OCTETS, 400, 'BadRequestImageStream'],
  [
    'a file part without a name',
    Buffer.from(
      '--cvkitBoundary\r\nContent-Disposition: form-data; filename="a.jpg"\r\n\r\nxyz\r\n--cvkitBoundary--\r\n',
    ),
    MULTIPART,
    400,
    'BadRequestImageBatch',
  ],
  [
    'body cut inside a file of another field',
    form([{ field: 'other', filename: 'a.bin', bytes: Buffer.alloc(3000, 7) }]).subarray(0, 1500),
    MULTIPART,
    400,
    'BadRequestImageStream',
  ],
].map(([name, body, headers, status, code]) => ({
  name: `CreateImagesFromData: ${name}`,
  build: (f: Fixture) => ({
    method: 'POST',
    path: `${TRAINING}/projects/${f.projectId}/images`,
    headers: { ...trainingHeaders, ...(headers as Record<string, string>) },
    body: body as Buffer,
  }),
  expect: { status: status as number, code: code as string },
}));

multipartCases.push(
  {
    name: 'ImageClassifier_ClassifyImage: two files',
    build: (f) => ({
      method: 'POST',
      path: `${PREDICTION}/${f.projectId}/classify/iterations/${f.publishName}/image`,
      headers: { ...predictionHeaders, ...MULTIPART },
      body: form([
        { field: 'imageData', filename: 'a.jpg', bytes: Buffer.from('a') },
        { field: 'imageData', filename: 'b.jpg', bytes: Buffer.from('b') },
      ]),
    }),
    expect: { status: 400, code: 'BadRequestImageBatch' },
  },
  {
    // A part without a file name is still the image (Microsoft's Python SDK sends bytes so, issue 16); `x` is not one.
    name: 'ImageClassifier_ClassifyImage: image part without a file name',
    build: (f) => ({
      method: 'POST',
      path: `${PREDICTION}/${f.projectId}/classify/iterations/${f.publishName}/image`,
      headers: { ...predictionHeaders, ...MULTIPART },
      body: form([{ field: 'imageData', bytes: Buffer.from('x') }]),
    }),
    expect: { status: 400, code: 'BadRequestImageFormat' },
  },
  {
    name: 'ImageClassifier_ClassifyImage: 5 MB image',
    build: (f) => ({
      method: 'POST',
      path: `${PREDICTION}/${f.projectId}/classify/iterations/${f.publishName}/image`,
      headers: { ...predictionHeaders, ...OCTETS },
      body: Buffer.alloc(4.5 * 1024 * 1024, 0xff),
    }),
    expect: { status: 400, code: 'BadRequestImageSizeBytes' },
  },
  {
    name: 'ImageClassifier_ClassifyImage: 20 MB body',
    build: (f) => ({
      method: 'POST',
      path: `${PREDICTION}/${f.projectId}/classify/iterations/${f.publishName}/image`,
      headers: { ...predictionHeaders, ...OCTETS },
      body: Buffer.alloc(20 * 1024 * 1024, 0xff),
    }),
    expect: { status: 413, code: 'BadRequestImageSizeBytes' },
  },
  {
    name: 'CreateImagesFromData: 7 MB image (per image)',
    build: (f) => ({
      method: 'POST',
      path: `${TRAINING}/projects/${f.projectId}/images`,
      headers: { ...trainingHeaders, ...MULTIPART },
      body: form([{ field: 'imageData', filename: 'big.jpg', bytes: Buffer.alloc(7 * 1024 * 1024, 0xff) }]),
    }),
    expect: { status: 207, images: ['ErrorImageSize'] },
  },
  {
    name: 'ObjectDetector_AnalyzeImage on a classifier',
    build: (f) => ({
      method: 'POST',
      path: `${PREDICTION}/${f.projectId}/detect/iterations/${f.publishName}/image`,
      headers: { ...predictionHeaders, ...OCTETS },
      body: Buffer.from('x'),
    }),
    expect: { status: 400, code: 'BadRequestNotSupported' },
  },
  {
    name: 'ImageClassifier_ClassifyImage: unpublished name',
    build: (f) => ({
      method: 'POST',
      path: `${PREDICTION}/${f.projectId}/classify/iterations/..%2F..%2Fetc/image`,
      headers: { ...predictionHeaders, ...OCTETS },
      body: Buffer.from('x'),
    }),
    expect: { status: 404, code: 'NotFoundIteration' },
  },
  {
    name: 'ImageClassifier_ClassifyImage: application name with a slash',
    build: (f) => ({
      method: 'POST',
      path: `${PREDICTION}/${f.projectId}/classify/iterations/${f.publishName}/image?application=..%2Fx`,
      headers: { ...predictionHeaders, ...OCTETS },
      body: Buffer.from('x'),
    }),
    expect: { status: 400, code: 'BadRequestPredictionInvalidApplicationName' },
  },
);

// URLs: private addresses are refused without a connection; the hostile origin is reached by the `open` server.
const PRIVATE_URLS = [
  'http://127.0.0.1:9/x.jpg',
  'http://localhost:9/x.jpg',
  'http://[::1]:9/x.jpg',
  'http://169.254.169.254/latest/meta-data/',
  'http://10.0.0.1/x.jpg',
  'http://172.16.0.1/x.jpg',
  'http://192.168.0.1/x.jpg',
  'http://100.64.0.1/x.jpg',
  'http://0.0.0.0:9/x.jpg',
  'http://2130706433:9/x.jpg',
  'http://0x7f.1:9/x.jpg',
  'http://[::ffff:127.0.0.1]:9/x.jpg',
  'http://[fe80::1]/x.jpg',
  'http://[fd00::1]/x.jpg',
  'file:///etc/passwd',
  'gopher://127.0.0.1:25/x',
  'http://user:secret@example.com/x.jpg',
  'not a url',
];
const urlCase = (
  name: string,
  url: (origin: string) => string,
  server: Server,
  training: string,
  prediction: string,
  predictionStatus = 400,
): Case[] => [
  {
    name: `CreateImagesFromUrls: ${name}`,
    server,
    build: (f, origin) => ({
      method: 'POST',
      path: `${TRAINING}/projects/${f.projectId}/images/urls`,
      headers: { ...trainingHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ images: [{ url: url(origin) }] }),
    }),
    expect: { status: 207, images: [training] },
  },
  {
    name: `QuickTestImageUrl: ${name}`,
    server,
    build: (f, origin) => ({
      method: 'POST',
      path: `${TRAINING}/projects/${f.projectId}/quicktest/url`,
      headers: { ...trainingHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ url: url(origin) }),
    }),
    expect: { status: predictionStatus, code: prediction },
  },
  {
    name: `ImageClassifier_ClassifyImageUrl: ${name}`,
    server,
    build: (f, origin) => ({
      method: 'POST',
      path: `${PREDICTION}/${f.projectId}/classify/iterations/${f.publishName}/url`,
      headers: { ...predictionHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ url: url(origin) }),
    }),
    expect: { status: predictionStatus, code: prediction },
  },
  {
    name: `ImageClassifier_ClassifyImageUrlWithoutSaving: ${name}`,
    server,
    build: (f, origin) => ({
      method: 'POST',
      path: `${PREDICTION}/${f.projectId}/classify/iterations/${f.publishName}/url/nostore`,
      headers: { ...predictionHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ url: url(origin) }),
    }),
    expect: { status: predictionStatus, code: prediction },
  },
];
const urlCases: Case[] = [
  ...PRIVATE_URLS.flatMap((u) => urlCase(u, () => u, 'main', 'ErrorSource', 'BadRequestImageUrl')),
  ...urlCase(
    'the hostile origin, when private URLs are refused',
    (o) => `${o}/image`,
    'main',
    'ErrorSource',
    'BadRequestImageUrl',
  ),
  ...urlCase('a server that never answers', (o) => `${o}/slow`, 'open', 'ErrorSource', 'BadRequestImageUrl'),
  ...urlCase('a server that trickles', (o) => `${o}/trickle`, 'open', 'ErrorSource', 'BadRequestImageUrl'),
  ...urlCase(
    'a declared 1 GB response',
    (o) => `${o}/huge-declared`,
    'open',
    'ErrorImageSize',
    'BadRequestImageSizeBytes',
  ),
  ...urlCase('an endless response', (o) => `${o}/huge-chunked`, 'open', 'ErrorImageSize', 'BadRequestImageSizeBytes'),
  ...urlCase('a redirect loop', (o) => `${o}/loop`, 'open', 'ErrorSource', 'BadRequestImageUrl'),
  {
    name: 'ImportProject: token pointing at a server that never answers',
    server: 'open',
    build: (_f, origin) => ({
      method: 'POST',
      path: `${TRAINING}/projects/import?token=${Buffer.from(JSON.stringify({ v: 1, url: `${origin}/slow` })).toString('base64url')}`,
      headers: trainingHeaders,
    }),
    expect: { status: 400, code: 'BadRequestInvalidImportToken' },
  },
];

// ---------------------------------------------------------------------------------------------------------------

const all: Case[] = [
  ...generated,
  ...wrongTypes,
  ...hugeStrings,
  ...longButParseable,
  ...imageCases,
  ...multipartCases,
  ...urlCases,
];

let servers: Record<Server, TestServer>;
let fixtures: Record<Server, Fixture>;
let origin: Awaited<ReturnType<typeof startHostileOrigin>>;
let before: Record<Server, string>;
const slowest: { name: string; ms: number }[] = [];

beforeAll(async () => {
  origin = await startHostileOrigin();
  servers = {
    main: await startTestServer({ urlFetchTimeoutMs: 500 }),
    open: await startTestServer({ allowPrivateUrls: true, urlFetchTimeoutMs: 500 }),
  };
  fixtures = { main: await seedTrainedProject(servers.main), open: await seedTrainedProject(servers.open) };
  before = {
    main: JSON.stringify(await snapshot(servers.main)),
    open: JSON.stringify(await snapshot(servers.open)),
  };
}, 30_000);

afterAll(async () => {
  await Promise.all([servers?.main.stop(), servers?.open.stop(), origin?.close()]);
  slowest.sort((a, b) => b.ms - a.ms);
  console.log(
    `bad input: ${all.length} cases; slowest: ${slowest
      .slice(0, 3)
      .map((s) => `${s.name} ${s.ms.toFixed(0)} ms`)
      .join('; ')}`,
  );
});

describe('bad input', () => {
  it('covers every operation of the contract', () => {
    const covered = new Set(all.map((c) => c.name.split(':')[0]!.replace(/ \(.*\)$/, '')));
    const missing = operations.map((o) => o.operationId).filter((id) => !covered.has(id));
    expect(missing).toEqual([]);
  });

  it.each(all.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const server = c.server ?? 'main';
    const req = await c.build(fixtures[server], origin.url);
    const res = await send(servers[server].url, { ...req, timeoutMs: LIMIT_MS + 1000 });
    slowest.push({ name: c.name, ms: res.ms });
    expect({ status: res.status, body: res.body ?? res.text.slice(0, 200) }).toMatchObject({
      status: c.expect.status,
      ...(c.expect.code ? { body: { code: c.expect.code } } : {}),
    });
    if (c.expect.status >= 400) expect(typeof (res.body as { message?: unknown }).message).toBe('string');
    if (c.expect.images)
      expect((res.body as { images: { status: string }[] }).images.map((i) => i.status)).toEqual(c.expect.images);
    expect(res.ms).toBeLessThan(LIMIT_MS);
    expect(JSON.stringify(await snapshot(servers[server]))).toBe(before[server]);
  });
});
