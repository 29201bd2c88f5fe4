import { badRequest } from '../domain/errors.ts';
import {
  predictionDocument,
  type SpecOperation,
  type SpecParameter,
  type SpecSchema,
  trainingDocument,
} from './spec-operations.ts';

/** A hyphenated UUID in any case, as Azure accepts ids. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER = /^[+-]?\d+$/;
// Each digit run can match in only one way (the fraction needs its dot), so a failed match costs linear time, and
// values are refused past MAX_NUMBER_LENGTH before the pattern runs: no int32 or double needs more characters.
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
export const MAX_NUMBER_LENGTH = 64;
/** Ranges of the contract's integer formats: ASP.NET refuses a value its parameter type cannot hold. */
const INTEGER_RANGE: Record<string, [number, number]> = { int32: [-(2 ** 31), 2 ** 31 - 1] };
/** Paging parameters Microsoft's swagger leaves unbounded below; a negative offset or count is never meaningful. */
const NON_NEGATIVE = new Set(['skip', 'take']);

/**
 * Reads and checks an operation's path and query parameters against the contract: presence, type, uuid format,
 * enum membership, numeric bounds and array sizes. Query names match case-insensitively, as ASP.NET does.
 * Returns plain values keyed by the contract's parameter names (uuids lower-cased, numbers as numbers).
 */
export function validateParams(
  op: SpecOperation,
  pathParams: Record<string, string | undefined>,
  query: URLSearchParams,
): Record<string, unknown> {
  const lowerQuery = new Map<string, string>();
  for (const [k, v] of query) if (!lowerQuery.has(k.toLowerCase())) lowerQuery.set(k.toLowerCase(), v);
  const out: Record<string, unknown> = {};
  for (const p of op.parameters) {
    if (p.in === 'header') continue;
    const raw = p.in === 'path' ? pathParams[p.name] : lowerQuery.get(p.name.toLowerCase());
    if (raw === undefined || (raw === '' && p.in === 'query' && p.schema.type !== 'string')) {
      if (p.required) throw badRequest('BadRequestRequiredParamIsNull', `The parameter '${p.name}' is required.`);
      if (p.schema.default !== undefined) out[p.name] = p.schema.default;
      continue;
    }
    out[p.name] = convert(p, raw);
  }
  return out;
}

function convert(p: SpecParameter, raw: string): unknown {
  const s = p.schema;
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (type === 'array') {
    const parts = raw === '' ? [] : raw.split(',').map((x) => x.trim());
    if (s.maxItems !== undefined && parts.length > s.maxItems)
      throw badRequest(
        'BadRequestExceededBatchSize',
        `The parameter '${p.name}' lists ${parts.length} values; at most ${s.maxItems} are allowed.`,
      );
    return parts.map((part) => scalar(p.name, s.items ?? {}, part));
  }
  return scalar(p.name, s, raw);
}

function scalar(name: string, s: SpecSchema, raw: string): unknown {
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (type === 'string' && s.format === 'uuid') {
    if (!UUID.test(raw))
      throw badRequest('BadRequestInvalidIds', `The parameter '${name}' is not a valid id: '${clip(raw)}'.`);
    return raw.toLowerCase();
  }
  if (type === 'integer' || type === 'number') {
    if (raw.length > MAX_NUMBER_LENGTH || !(type === 'integer' ? INTEGER : NUMBER).test(raw))
      throw badRequest('BadRequest', `The parameter '${name}' must be a ${type}: '${clip(raw)}'.`);
    const n = Number(raw);
    const range = type === 'integer' && s.format ? INTEGER_RANGE[s.format] : undefined;
    if (
      !Number.isFinite(n) ||
      (type === 'integer' && !Number.isSafeInteger(n)) ||
      (range && (n < range[0] || n > range[1]))
    )
      throw badRequest('BadRequest', `The parameter '${name}' is out of range.`);
    if (NON_NEGATIVE.has(name) && n < 0) throw badRequest('BadRequest', `The parameter '${name}' must be at least 0.`);
    if (s.minimum !== undefined && n < s.minimum)
      throw badRequest('BadRequest', `The parameter '${name}' must be at least ${s.minimum}.`);
    if (s.maximum !== undefined && n > s.maximum)
      throw badRequest('BadRequest', `The parameter '${name}' must be at most ${s.maximum}.`);
    return n;
  }
  if (type === 'boolean') {
    const lower = raw.toLowerCase();
    if (lower !== 'true' && lower !== 'false')
      throw badRequest('BadRequest', `The parameter '${name}' must be true or false: '${clip(raw)}'.`);
    return lower === 'true';
  }
  if (s.enum) {
    // Enums bind case-insensitively in ASP.NET; answer with the contract's spelling.
    const match = s.enum.find((e) => typeof e === 'string' && e.toLowerCase() === raw.toLowerCase());
    if (match === undefined)
      throw badRequest(
        'BadRequest',
        `The parameter '${name}' must be one of ${s.enum.filter((e) => e !== null).join(', ')}: '${clip(raw)}'.`,
      );
    return match;
  }
  return raw;
}

function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}

/** A JSON schema node of the dereferenced contract, as far as body checks need it. */
interface BodySchema extends SpecSchema {
  properties?: Record<string, BodySchema>;
  additionalProperties?: BodySchema | boolean;
  items?: BodySchema;
  anyOf?: BodySchema[];
  allOf?: BodySchema[];
}

const bodySchemas = new Map<string, BodySchema | undefined>();

/** The contract's schema of an operation's JSON body, if it has one. */
export function jsonBodySchema(op: SpecOperation): BodySchema | undefined {
  const key = `${op.method} ${op.path} ${op.operationId}`;
  if (!bodySchemas.has(key)) {
    let found: BodySchema | undefined;
    for (const doc of [trainingDocument, predictionDocument]) {
      const o = doc.paths[op.path]?.[op.method] as
        | { operationId?: string; requestBody?: { content?: Record<string, { schema?: BodySchema }> } }
        | undefined;
      if (o?.operationId === op.operationId) found = o.requestBody?.content?.['application/json']?.schema;
    }
    bodySchemas.set(key, found);
  }
  return bodySchemas.get(key);
}

export interface BodyProblem {
  /** Where, e.g. `body.images[2].regions[0].left`. */
  at: string;
  message: string;
}

/**
 * The first place where a JSON value does not have the type the contract gives it (objects, arrays, strings,
 * numbers, booleans, null, uuid strings), as a short description, or undefined when it conforms. Properties the
 * contract does not list, and missing ones, are not problems (clients send partial models).
 */
export function bodyProblem(schema: BodySchema | undefined, value: unknown, at = 'body'): BodyProblem | undefined {
  if (!schema) return undefined;
  if (schema.anyOf) {
    const problems = schema.anyOf.map((s) => bodyProblem(s, value, at));
    return problems.every(Boolean) ? problems[0] : undefined;
  }
  for (const s of schema.allOf ?? []) {
    const p = bodyProblem(s, value, at);
    if (p) return p;
  }
  const types = schema.type === undefined ? undefined : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (value === null) return !types || types.includes('null') ? undefined : { at, message: `${at} must not be null` };
  if (!types) return undefined;
  const kind = Array.isArray(value) ? 'array' : typeof value;
  if (kind === 'array' && types.includes('array')) {
    for (const [i, item] of (value as unknown[]).entries()) {
      const p = bodyProblem(schema.items, item, `${at}[${i}]`);
      if (p) return p;
    }
    return undefined;
  }
  if (kind === 'object' && types.includes('object')) {
    const o = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(o)) {
      const child =
        schema.properties?.[k] ??
        (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      const p = bodyProblem(child, v, `${at}.${k}`);
      if (p) return p;
    }
    return undefined;
  }
  if (kind === 'string' && types.includes('string')) {
    if (schema.format === 'uuid' && !UUID.test(value as string)) return { at, message: `${at} must be a uuid` };
    return undefined;
  }
  if (kind === 'number' && (types.includes('number') || (types.includes('integer') && Number.isInteger(value))))
    return undefined;
  if (kind === 'boolean' && types.includes('boolean')) return undefined;
  return { at, message: `${at} must be ${types.filter((t) => t !== 'null').join(' or ')}` };
}
