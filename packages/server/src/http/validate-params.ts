import { badRequest } from '../domain/errors.ts';
import type { SpecOperation, SpecParameter, SpecSchema } from './spec-operations.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

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
    if (!(type === 'integer' ? INTEGER : NUMBER).test(raw))
      throw badRequest('BadRequest', `The parameter '${name}' must be a ${type}: '${clip(raw)}'.`);
    const n = Number(raw);
    if (!Number.isFinite(n) || (type === 'integer' && !Number.isSafeInteger(n)))
      throw badRequest('BadRequest', `The parameter '${name}' is out of range.`);
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
