import { createRequire } from 'node:module';

/** One operation of the contract, as the router and the validator need it. */
export interface SpecOperation {
  operationId: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path template, e.g. `/projects/{projectId}/tags`. */
  path: string;
  parameters: SpecParameter[];
  /** Request content types the operation accepts; empty when it takes no body. */
  bodyTypes: string[];
  bodyRequired: boolean;
}

export interface SpecParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: SpecSchema;
  /** Arrays in the query are comma-separated (`style: form, explode: false`). */
  csv: boolean;
}

export interface SpecSchema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  items?: SpecSchema;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  minItems?: number;
  default?: unknown;
}

interface OpenApiDoc {
  paths: Record<string, Record<string, Record<string, unknown>>>;
}

const require = createRequire(import.meta.url);

function load(doc: OpenApiDoc): SpecOperation[] {
  const out: SpecOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const params = (op.parameters as Record<string, unknown>[] | undefined) ?? [];
      const body = op.requestBody as { required?: boolean; content?: Record<string, unknown> } | undefined;
      out.push({
        operationId: op.operationId as string,
        method: method as SpecOperation['method'],
        path,
        parameters: params.map((p) => ({
          name: p.name as string,
          in: p.in as SpecParameter['in'],
          required: Boolean(p.required),
          schema: p.schema as SpecSchema,
          csv: p.style === 'form' && p.explode === false,
        })),
        bodyTypes: Object.keys(body?.content ?? {}),
        bodyRequired: Boolean(body?.required),
      });
    }
  }
  return out;
}

export const trainingDocument = require('@cvkit/api-types/openapi/training.json') as OpenApiDoc;
export const predictionDocument = require('@cvkit/api-types/openapi/prediction.json') as OpenApiDoc;
export const trainingOperations = load(trainingDocument);
export const predictionOperations = load(predictionDocument);
