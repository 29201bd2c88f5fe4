import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/domain/errors.ts';
import { parseMetadataFilter } from '../../src/domain/metadata-filter.ts';
import { LongJsonString, readLargeJson } from '../../src/http/middleware/read-large-json.ts';
import { predictionOperations, trainingOperations } from '../../src/http/spec-operations.ts';
import { MAX_NUMBER_LENGTH, validateParams } from '../../src/http/validate-params.ts';
import { jpeg } from '../helpers/images.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { type Fixture, predictionHeaders, seedTrainedProject, send, trainingHeaders } from './harness.ts';

/**
 * Property tests over request parsing: whatever arrives, parsing either succeeds or fails with an ApiError whose
 * status is 4xx; over HTTP, no answer is a 5xx and every answer comes within 5 s. Runs are bounded (and seeded by
 * fast-check's default random seed, printed on failure for replay) so the file stays well under 20 s.
 */

const operations = [...trainingOperations, ...predictionOperations];

/** Calls `f`; passes when it returns, or throws an ApiError with a 4xx status. */
function onlyClientErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof ApiError)) throw new Error(`threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    expect(e.status).toBeGreaterThanOrEqual(400);
    expect(e.status).toBeLessThan(500);
  }
}

const anyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.uuid().map(String),
  fc.constantFrom(
    '',
    '..',
    '%00',
    '-1',
    '1e999',
    'NaN',
    'true',
    ',',
    ',,',
    'Newest',
    '00000000-0000-0000-0000-000000000000',
  ),
);

describe('validateParams', () => {
  it('accepts or refuses with a 4xx ApiError, for any operation and any path and query values', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...operations),
        fc.dictionary(
          fc.constantFrom('projectId', 'tagId', 'iterationId', 'imageId', 'domainId', 'publishedName'),
          anyText,
        ),
        fc.array(
          fc.tuple(
            fc.oneof(fc.constantFrom(...new Set(operations.flatMap((o) => o.parameters.map((p) => p.name)))), anyText),
            anyText,
          ),
          { maxLength: 8 },
        ),
        (op, path, query) => onlyClientErrors(() => validateParams(op, path, new URLSearchParams(query))),
      ),
      { numRuns: 3000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The metadata $filter: arbitrary text, and generated well-formed expressions checked against a reference evaluator.

type Expr = { k: 'cmp'; key: string; op: 'eq' | 'ne'; value: string } | { k: 'and' | 'or'; l: Expr; r: Expr };

const keyArb = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,6}$/).filter((k) => !['and', 'or', 'eq', 'ne'].includes(k));
const valueArb = fc.oneof(fc.constantFrom('a', "it's", "''", 'x y', '(', ')'), fc.string({ maxLength: 6 }));
const exprArb: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({
      k: fc.constant('cmp' as const),
      key: keyArb,
      op: fc.constantFrom('eq' as const, 'ne' as const),
      value: valueArb,
    }),
    fc.record({ k: fc.constantFrom('and' as const, 'or' as const), l: tie('e'), r: tie('e') }),
  ),
})).e;

const caseOf = (s: string, upper: boolean) => (upper ? s.toUpperCase() : s);
function render(e: Expr, style: { upper: boolean; prefix: boolean; space: string }): string {
  if (e.k === 'cmp')
    return `${style.prefix ? 'metadata/' : ''}${e.key} ${caseOf(e.op, style.upper)} '${e.value.replace(/'/g, "''")}'`;
  return `(${render(e.l, style)})${style.space}${caseOf(e.k, style.upper)}${style.space}(${render(e.r, style)})`;
}
function evaluate(e: Expr, m: Record<string, string>): boolean {
  if (e.k === 'cmp') return e.op === 'eq' ? m[e.key] === e.value : m[e.key] !== e.value;
  return e.k === 'and' ? evaluate(e.l, m) && evaluate(e.r, m) : evaluate(e.l, m) || evaluate(e.r, m);
}
function comparisons(e: Expr): Extract<Expr, { k: 'cmp' }>[] {
  return e.k === 'cmp' ? [e] : [...comparisons(e.l), ...comparisons(e.r)];
}

describe('the metadata $filter parser', () => {
  it('parses any text or refuses it with a 400 ApiError, and its predicate never throws', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.string({ unit: 'binary', maxLength: 60 }),
          fc
            .array(fc.constantFrom('(', ')', "'", "''", 'and', 'or', 'eq', 'ne', 'k', "'v'", 'metadata/', ' '), {
              maxLength: 30,
            })
            .map((t) => t.join(' ')),
          fc
            .array(fc.constantFrom('(', ')', "'", 'and', 'or', 'eq', 'ne', 'k', "'v'"), { maxLength: 30 })
            .map((t) => t.join('')),
        ),
        fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 })),
        (text, metadata) =>
          onlyClientErrors(() => {
            const predicate = parseMetadataFilter(text);
            expect(typeof predicate(metadata)).toBe('boolean');
          }),
      ),
      { numRuns: 3000 },
    );
  });

  it('gives well-formed expressions the meaning of and / or / eq / ne, in any letter case, with or without metadata/', () => {
    fc.assert(
      fc.property(
        exprArb,
        fc.record({ upper: fc.boolean(), prefix: fc.boolean(), space: fc.constantFrom(' ', '  ', '\t') }),
        fc.func(fc.boolean()),
        (expr, style, pick) => {
          const text = render(expr, style);
          fc.pre(text.split(/\s+/).length <= 200);
          const predicate = parseMetadataFilter(text);
          // Metadata that makes some comparisons true and others false.
          const m: Record<string, string> = {};
          for (const [i, c] of comparisons(expr).entries()) if (pick(i)) m[c.key] = c.value;
          expect(predicate(m)).toBe(evaluate(expr, m));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('binds and tighter than or', () => {
    const f = parseMetadataFilter("a eq '1' or b eq '1' and c eq '1'");
    expect(f({ a: '1' })).toBe(true);
    expect(f({ b: '1' })).toBe(false);
    expect(f({ b: '1', c: '1' })).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Over HTTP: JSON bodies of the batch endpoints, and multipart bodies.

let s: TestServer;
let fx: Fixture;
let validForm: Buffer;
const BOUNDARY = 'fuzzBoundary';

beforeAll(async () => {
  s = await startTestServer({ urlFetchTimeoutMs: 300 });
  fx = await seedTrainedProject(s);
  const img = await jpeg(16, 16, [1, 2, 3]);
  validForm = Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="imageData"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    ),
    img,
    Buffer.from(`\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="imageData"; filename="b.jpg"\r\n\r\n`),
    img.subarray(0, 300),
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}, 30_000);
afterAll(() => s?.stop());

async function expectClientOutcome(res: Awaited<ReturnType<typeof send>>): Promise<void> {
  if (res.status >= 500) throw new Error(`answered ${res.status}: ${res.text.slice(0, 300)}`);
  if (res.status >= 400) expect(typeof (res.body as { code?: unknown })?.code).toBe('string');
  expect(res.ms).toBeLessThan(5000);
}

/** Values near what a client would send, and far from it. */
function idish(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(fx.imageId, fx.tagA, fx.tagB, fx.iterationId, fx.projectId),
    fc.uuid().map(String),
    fc.string({ maxLength: 12 }),
    fc.integer(),
    fc.constant(null),
    fc.jsonValue({ maxDepth: 2 }),
  );
}
const loose = () => fc.jsonValue({ maxDepth: 3 });
const safeUrl = fc.oneof(
  fc.constantFrom(
    'http://127.0.0.1:9/a.jpg',
    'http://[::1]/a',
    'ftp://x/y',
    'not a url',
    '',
    'http://169.254.169.254/',
  ),
  fc.string({ maxLength: 20 }).filter((u) => !/^https?:/i.test(u)),
  fc.integer(),
);
const partial = <T extends Record<string, fc.Arbitrary<unknown>>>(shape: T) => fc.record(shape, { requiredKeys: [] });

function bodies(): Record<string, { method: string; path: string; body: fc.Arbitrary<unknown> }> {
  const region = partial({
    imageId: idish(),
    tagId: idish(),
    left: fc.oneof(fc.double(), loose()),
    top: fc.double(),
    width: fc.double(),
    height: fc.double(),
  });
  const entry = partial({
    name: idish(),
    contents: fc.oneof(fc.base64String({ maxLength: 40 }), loose()),
    url: safeUrl,
    id: idish(),
    tagIds: fc.oneof(fc.array(idish(), { maxLength: 3 }), loose()),
    regions: fc.oneof(fc.array(region, { maxLength: 2 }), loose()),
  });
  const batch = partial({
    images: fc.oneof(fc.array(fc.oneof(entry, loose()), { maxLength: 4 }), loose()),
    tagIds: fc.oneof(fc.array(idish(), { maxLength: 3 }), loose()),
    metadata: fc.oneof(
      fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string({ maxLength: 5 }), loose())),
      loose(),
    ),
  });
  const p = `/projects/${fx.projectId}`;
  return {
    CreateImagesFromFiles: { method: 'POST', path: `${p}/images/files`, body: batch },
    CreateImagesFromUrls: { method: 'POST', path: `${p}/images/urls`, body: batch },
    CreateImagesFromPredictions: { method: 'POST', path: `${p}/images/predictions`, body: batch },
    CreateImageTags: {
      method: 'POST',
      path: `${p}/images/tags`,
      body: partial({
        tags: fc.oneof(
          fc.array(fc.oneof(partial({ imageId: idish(), tagId: idish() }), loose()), { maxLength: 4 }),
          loose(),
        ),
      }),
    },
    CreateImageRegions: {
      method: 'POST',
      path: `${p}/images/regions`,
      body: partial({ regions: fc.oneof(fc.array(fc.oneof(region, loose()), { maxLength: 4 }), loose()) }),
    },
    UpdateImageMetadata: {
      method: 'POST',
      path: `${p}/images/metadata?imageIds=${fx.imageId}`,
      body: fc.oneof(
        fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string({ maxLength: 5 }), loose())),
        loose(),
      ),
    },
    QueryPredictions: {
      method: 'POST',
      path: `${p}/predictions/query`,
      body: partial({
        session: idish(),
        continuation: idish(),
        maxCount: idish(),
        orderBy: fc.oneof(fc.constantFrom('Newest', 'Oldest', 'Suggested'), idish()),
        tags: fc.oneof(
          fc.array(fc.oneof(partial({ id: idish(), minThreshold: idish(), maxThreshold: idish() }), loose()), {
            maxLength: 3,
          }),
          loose(),
        ),
        iterationId: idish(),
        startTime: fc.oneof(
          fc.date().map((d) => (Number.isNaN(+d) ? 'x' : d.toISOString())),
          idish(),
        ),
        endTime: idish(),
        application: idish(),
      }),
    },
    QuerySuggestedImages: {
      method: 'POST',
      path: `${p}/images/suggested?iterationId=${fx.iterationId}`,
      body: partial({
        tagIds: fc.oneof(fc.array(idish(), { maxLength: 3 }), loose()),
        threshold: idish(),
        session: idish(),
        continuation: idish(),
        maxCount: idish(),
        sortBy: idish(),
      }),
    },
    QuerySuggestedImageCount: {
      method: 'POST',
      path: `${p}/images/suggested/count?iterationId=${fx.iterationId}`,
      body: partial({ tagIds: fc.oneof(fc.array(idish(), { maxLength: 3 }), loose()), threshold: idish() }),
    },
    UpdateTag: {
      method: 'PATCH',
      path: `${p}/tags/${fx.tagB}`,
      body: partial({
        name: idish(),
        description: idish(),
        type: fc.oneof(fc.constantFrom('Regular', 'Negative'), idish()),
      }),
    },
    UpdateIteration: { method: 'PATCH', path: `${p}/iterations/${fx.iterationId}`, body: partial({ name: idish() }) },
    UpdateProject: {
      method: 'PATCH',
      path: p,
      body: partial({
        name: idish(),
        description: idish(),
        settings: fc.oneof(
          partial({
            domainId: idish(),
            classificationType: idish(),
            targetExportPlatforms: idish(),
            imageProcessingSettings: fc.oneof(
              partial({
                augmentationMethods: fc.oneof(
                  fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.boolean(), loose())),
                  loose(),
                ),
              }),
              loose(),
            ),
          }),
          loose(),
        ),
      }),
    },
  };
}

describe('JSON bodies over HTTP', () => {
  it('no batch or update body gets a 5xx or a slow answer', async () => {
    for (const [operation, { method, path, body }] of Object.entries(bodies())) {
      await fc.assert(
        fc.asyncProperty(fc.oneof({ weight: 4, arbitrary: body }, { weight: 1, arbitrary: loose() }), async (value) => {
          const res = await send(s.url, {
            method,
            path: `/customvision/v3.3/training${path}`,
            headers: { ...trainingHeaders, 'content-type': 'application/json' },
            body: JSON.stringify(value) ?? 'null',
          });
          await expectClientOutcome(res).catch((e: Error) => {
            throw new Error(`${operation}: ${e.message}`);
          });
        }),
        { numRuns: 60 },
      );
    }
  }, 60_000);
});

describe('multipart bodies over HTTP', () => {
  const mutated = fc
    .tuple(
      fc.array(
        fc.record({
          at: fc.nat(),
          op: fc.constantFrom('flip', 'delete', 'insert'),
          byte: fc.integer({ min: 0, max: 255 }),
        }),
        { maxLength: 6 },
      ),
      fc.option(fc.nat(), { nil: undefined }),
    )
    .map(([edits, cut]) => {
      const bytes = [...validForm];
      for (const e of edits) {
        const i = e.at % (bytes.length + 1);
        if (e.op === 'flip') bytes[i % bytes.length] = e.byte;
        else if (e.op === 'delete') bytes.splice(i, 1);
        else bytes.splice(i, 0, e.byte);
      }
      return Buffer.from(cut === undefined ? bytes : bytes.slice(0, cut % (bytes.length + 1)));
    });
  const contentType = fc.oneof(
    fc.constant(`multipart/form-data; boundary=${BOUNDARY}`),
    fc.constantFrom(
      'multipart/form-data',
      'multipart/form-data; boundary=',
      'multipart/form-data; boundary="x',
      'multipart/mixed; boundary=fuzzBoundary',
      'application/octet-stream',
      'text/plain',
    ),
    fc.string({ maxLength: 30 }).map((s) => `multipart/form-data; boundary=${s.replace(/[\r\n]/g, '')}`),
  );
  const body = fc.oneof(
    mutated,
    fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
  );

  for (const [name, path, headers] of [
    ['CreateImagesFromData', '/customvision/v3.3/training/projects/{P}/images', trainingHeaders],
    [
      'ClassifyImageWithoutSaving',
      '/customvision/v3.1/prediction/{P}/classify/iterations/{N}/image/nostore',
      predictionHeaders,
    ],
  ] as const) {
    it(`${name}: no mangled multipart body gets a 5xx or a slow answer`, async () => {
      await fc.assert(
        fc.asyncProperty(body, contentType, async (bytes, type) => {
          const res = await send(s.url, {
            method: 'POST',
            path: path.replace('{P}', fx.projectId).replace('{N}', fx.publishName),
            headers: { ...headers, 'content-type': type },
            body: bytes,
          });
          await expectClientOutcome(res);
        }),
        { numRuns: 250 },
      );
    }, 60_000);
  }
});

describe('the streaming JSON reader (CreateImagesFromFiles)', () => {
  const limits = { maxBytes: 1 << 20, liftOver: 64, maxStringBytes: 4096, maxDocumentBytes: 1 << 16 };
  /** Feeds `text` in the given cut points, as a socket might deliver it. */
  const read = (text: Buffer, cuts: number[]) => {
    const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let at = 0;
    for (const p of [...points, text.length]) {
      if (p > at) chunks.push(text.subarray(at, p));
      at = p;
    }
    return readLargeJson(Readable.from(chunks), limits);
  };
  /** What the reader must give: JSON.parse, with long strings as their base64 bytes (undefined when not base64). */
  const expected = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const text = JSON.stringify(value);
      if (text.length - 2 <= limits.liftOver) return value;
      if (text.length - 2 > limits.maxStringBytes) return { tooLong: true };
      const clean = value.replace(/\s+/g, '');
      const ok = clean.length % 4 !== 1 && /^[A-Za-z0-9+/]*={0,2}$/.test(clean);
      return { bytes: ok ? Buffer.from(clean, 'base64').toString('hex') : undefined };
    }
    if (Array.isArray(value)) return value.map(expected);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expected(v)]));
    return value;
  };
  const actual = (value: unknown): unknown => {
    if (value instanceof LongJsonString)
      return value.tooLong ? { tooLong: true } : { bytes: value.bytes?.toString('hex') };
    if (Array.isArray(value)) return value.map(actual);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, actual(v)]));
    return value;
  };
  const base64Text = fc
    .tuple(
      fc.uint8Array({ minLength: 0, maxLength: 3500 }),
      fc.constantFrom('plain', 'lines', 'slashes', 'unicode', 'broken'),
    )
    .map(([bytes, style]) => {
      const b64 = Buffer.from(bytes).toString('base64');
      if (style === 'lines') return b64.replace(/.{76}/g, '$&\n');
      if (style === 'broken') return `${b64.slice(0, 70)}!${b64.slice(70)}`;
      return b64;
    });

  it('gives JSON.parse’s document with every long string decoded, however the body is cut', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ name: fc.string({ maxLength: 80 }), contents: base64Text }), { maxLength: 4 }),
        fc.constantFrom('plain', 'slashes', 'unicode'),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (images, escaping, cuts) => {
          let text = JSON.stringify({ images, tagIds: ['x'] });
          // Encoders that escape '/' or '+' (PHP, System.Text.Json) write the same value differently.
          if (escaping === 'slashes') text = text.replace(/\//g, '\\/');
          if (escaping === 'unicode') text = text.replace(/\+/g, '\\u002B');
          const body = await read(Buffer.from(text), cuts);
          expect(actual(body)).toEqual(expected(JSON.parse(text)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers malformed documents with 400 BadRequest and oversized ones with 413, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 6 }), async (text, cuts) => {
        const outcome = await read(Buffer.from(text), cuts).then(
          () => 'ok',
          (e: unknown) => (e instanceof ApiError ? `${e.status} ${e.code}` : String(e)),
        );
        expect(['ok', '400 BadRequest', '413 BadRequest']).toContain(outcome);
      }),
      { numRuns: 500 },
    );
  });
});

describe('number parameters', () => {
  it('are judged in time linear in their length, and refused past the length cap', () => {
    const op = trainingOperations.find((o) => o.operationId === 'GetIterationPerformance')!;
    const ids = {
      projectId: '00000000-0000-0000-0000-000000000001',
      iterationId: '00000000-0000-0000-0000-000000000002',
    };
    fc.assert(
      fc.property(fc.stringMatching(/^[-+]?[0-9]{0,3000}[.]?[0-9]{0,3000}[eE]?[0-9]{0,20}[x]?$/), (value) => {
        const start = performance.now();
        let outcome: string;
        try {
          validateParams(op, ids, new URLSearchParams({ threshold: value }));
          outcome = 'ok';
        } catch (e) {
          outcome = e instanceof ApiError ? e.code : String(e);
        }
        expect(performance.now() - start).toBeLessThan(50);
        if (value.length > MAX_NUMBER_LENGTH) expect(outcome).toBe('BadRequest');
      }),
      { numRuns: 300 },
    );
  });
});
