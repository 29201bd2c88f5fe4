/** The comparison must see every kind of drift, or the conformance check could pass on a broken contract. */
import { describe, expect, it } from 'vitest';
import { compareApi } from '../conformance/compare.ts';

const swagger = {
  paths: {
    '/things/{id}': {
      get: {
        operationId: 'GetThing',
        parameters: [
          { name: 'id', in: 'path', required: true, type: 'string', format: 'uuid' },
          {
            name: 'tagIds',
            in: 'query',
            type: 'array',
            items: { type: 'string', format: 'uuid' },
            collectionFormat: 'csv',
            maxItems: 20,
          },
          { name: 'order', in: 'query', type: 'string', enum: ['Newest', 'Oldest'] },
        ],
        responses: {
          200: { schema: { $ref: '#/definitions/Thing' } },
          default: { schema: { $ref: '#/definitions/Error' } },
        },
      },
    },
  },
  definitions: {
    Thing: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', 'x-nullable': false },
        count: { type: 'integer', format: 'int32', 'x-nullable': false },
        note: { type: 'string' },
      },
    },
    Error: { type: 'object', properties: { code: { type: 'string', 'x-nullable': false } } },
  },
};

const ours = () => ({
  paths: {
    '/things/{id}': {
      get: {
        operationId: 'GetThing',
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
          {
            name: 'tagIds',
            in: 'query',
            style: 'form',
            explode: false,
            schema: { type: 'array', items: { type: 'string', format: 'uuid' }, maxItems: 20 },
          },
          { name: 'order', in: 'query', schema: { type: 'string', enum: ['Newest', 'Oldest'] } },
        ],
        responses: {
          200: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
          default: { $ref: '#/components/responses/Error' },
        },
      },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string' },
          count: { type: 'integer', format: 'int32' },
          note: { type: ['string', 'null'] },
        },
      },
      Error: { type: 'object', properties: { code: { type: 'string' } } },
    },
  },
});

// biome-ignore lint/suspicious/noExplicitAny: tests mutate a deep literal
type Any = any;
const diff = (mutate: (o: Any) => void) => {
  const o = ours();
  mutate(o);
  return compareApi({ label: 't', swagger, ours: o }).differences;
};

describe('compareApi', () => {
  it('finds nothing when the two agree', () => {
    const cov = compareApi({ label: 't', swagger, ours: ours() });
    expect(cov.differences).toEqual([]);
    expect(cov.operations).toEqual({ total: 1, present: 1, exact: 1 });
  });

  it.each([
    [
      'a renamed operation',
      (o: Any) => {
        o.paths['/things/{id}'].get.operationId = 'FetchThing';
      },
      /operationId is FetchThing/,
    ],
    [
      'a missing operation',
      (o: Any) => {
        delete o.paths['/things/{id}'];
      },
      /GetThing .*missing in cvkit/,
    ],
    [
      'a missing parameter',
      (o: Any) => {
        o.paths['/things/{id}'].get.parameters.pop();
      },
      /parameter order: missing/,
    ],
    [
      'a changed enum',
      (o: Any) => {
        o.paths['/things/{id}'].get.parameters[2].schema.enum = ['Newest'];
      },
      /enum lacks Oldest/,
    ],
    [
      'lost csv serialisation',
      (o: Any) => {
        delete o.paths['/things/{id}'].get.parameters[1].style;
      },
      /comma-separated/,
    ],
    [
      'a changed bound',
      (o: Any) => {
        o.paths['/things/{id}'].get.parameters[1].schema.maxItems = 64;
      },
      /maxItems 20 in Azure, 64/,
    ],
    [
      'a changed type',
      (o: Any) => {
        o.components.schemas.Thing.properties.count.type = 'number';
      },
      /Thing.count: type integer/,
    ],
    [
      'lost nullability',
      (o: Any) => {
        o.components.schemas.Thing.properties.note.type = 'string';
      },
      /Thing.note: nullable in Azure only/,
    ],
    [
      'a missing property',
      (o: Any) => {
        delete o.components.schemas.Thing.properties.note;
      },
      /Thing.note: missing/,
    ],
    [
      'an extra property',
      (o: Any) => {
        o.components.schemas.Thing.properties.extra = { type: 'string' };
      },
      /Thing.extra: only in cvkit/,
    ],
    [
      'a changed required list',
      (o: Any) => {
        o.components.schemas.Thing.required = [];
      },
      /required \[name\] in Azure/,
    ],
    [
      'a different response model',
      (o: Any) => {
        o.paths['/things/{id}'].get.responses[200].content['application/json'].schema = {
          $ref: '#/components/schemas/Error',
        };
      },
      /response 200: type ref:Thing/,
    ],
  ])('reports %s', (_name, mutate, expected) => {
    const found = diff(mutate);
    expect(
      found.some((d) => expected.test(d)),
      found.join('\n'),
    ).toBe(true);
  });
});
