/**
 * Structural comparison of the cvkit contract (OpenAPI 3.1) with one of Microsoft's swagger 2.0 files.
 * Every difference is reported as one stable, human-readable line; the allow-list matches those lines.
 */

type Json = Record<string, unknown>;
type SwaggerSchema = Json & {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: SwaggerSchema;
  properties?: Record<string, SwaggerSchema>;
  required?: string[];
  additionalProperties?: SwaggerSchema | boolean;
  'x-nullable'?: boolean;
};

export interface Tally {
  total: number;
  present: number;
  exact: number;
}

export interface Coverage {
  label: string;
  /** `present`: found in cvkit; `exact`: found with no difference at all (allowed ones included). */
  operations: Tally;
  parameters: Tally;
  models: Tally;
  properties: Tally;
  differences: string[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** A schema reduced to the facts both formats can express, so they compare with `===` on a string. */
interface Shape {
  kind: string; // a type name, or `ref:Model`
  format?: string;
  enum?: string;
  nullable: boolean;
  items?: Shape;
  values?: Shape;
}

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

function swaggerShape(s: SwaggerSchema, required: boolean): Shape {
  const nullable = s['x-nullable'] ?? !required;
  if (s.$ref) return { kind: `ref:${refName(s.$ref)}`, nullable };
  const shape: Shape = { kind: s.type ?? 'any', nullable };
  if (s.format) shape.format = s.format;
  if (s.enum) shape.enum = s.enum.map(String).join(',');
  if (s.items) shape.items = swaggerShape(s.items, true);
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    shape.values = swaggerShape(s.additionalProperties, true);
  return shape;
}

function openapiShape(s: Json): Shape {
  let nullable = false;
  let node = s;
  const anyOf = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (anyOf) {
    const nonNull = anyOf.filter((a) => a.type !== 'null');
    nullable = nonNull.length < anyOf.length;
    node = nonNull[0] ?? {};
  }
  const allOf = node.allOf as Json[] | undefined;
  if (allOf?.length === 1) node = allOf[0]!; // `allOf: [$ref]` carries siblings such as readOnly
  if (typeof node.$ref === 'string') return { kind: `ref:${refName(node.$ref)}`, nullable };
  let type = node.type as string | string[] | undefined;
  if (Array.isArray(type)) {
    nullable = nullable || type.includes('null');
    type = type.find((t) => t !== 'null');
  }
  const shape: Shape = { kind: type ?? 'any', nullable };
  if (typeof node.format === 'string') shape.format = node.format;
  if (Array.isArray(node.enum))
    shape.enum = node.enum
      .filter((e) => e !== null)
      .map(String)
      .join(',');
  if (node.items) shape.items = openapiShape(node.items as Json);
  if (node.additionalProperties && typeof node.additionalProperties === 'object')
    shape.values = openapiShape(node.additionalProperties as Json);
  return shape;
}

function describe(shape: Shape, withNull = true): string {
  let s = shape.kind;
  if (shape.format) s += `<${shape.format}>`;
  if (shape.enum) s += `{${shape.enum}}`;
  if (shape.items) s += `[${describe(shape.items)}]`;
  if (shape.values) s += `map(${describe(shape.values)})`;
  if (withNull && shape.nullable) s += '|null';
  return s;
}

function enumOf(shape: Shape): string[] {
  const own = shape.enum ? shape.enum.split(',') : [];
  return own.length ? own : shape.items ? enumOf(shape.items) : shape.values ? enumOf(shape.values) : [];
}

function withoutEnums(shape: Shape): Shape {
  const { enum: _e, ...rest } = shape;
  return {
    ...rest,
    ...(shape.items ? { items: withoutEnums(shape.items) } : {}),
    ...(shape.values ? { values: withoutEnums(shape.values) } : {}),
  };
}

/** Compares shapes, reporting the nullability difference separately from the type difference. */
function compareShapes(where: string, theirs: Shape, ours: Shape, out: string[]): boolean {
  let same = true;
  const theirEnum = enumOf(theirs);
  const ourEnum = enumOf(ours);
  if (describe(withoutEnums(theirs), false) !== describe(withoutEnums(ours), false)) {
    out.push(`${where}: type ${describe(theirs, false)} in Azure, ${describe(ours, false)} in cvkit`);
    same = false;
  } else if (theirEnum.join() !== ourEnum.join()) {
    const added = ourEnum.filter((v) => !theirEnum.includes(v));
    const lacking = theirEnum.filter((v) => !ourEnum.includes(v));
    const parts = [];
    if (added.length) parts.push(`adds ${added.join(',')}`);
    if (lacking.length) parts.push(`lacks ${lacking.join(',')}`);
    out.push(`${where}: enum ${parts.join('; ') || 'order differs'} in cvkit`);
    same = false;
  }
  if (theirs.nullable !== ours.nullable) {
    out.push(`${where}: ${ours.nullable ? 'nullable in cvkit only' : 'nullable in Azure only'}`);
    same = false;
  }
  return same;
}

interface OurParam extends Json {
  name: string;
  in: string;
  required?: boolean;
  schema: Json;
  style?: string;
  explode?: boolean;
}

export function compareApi(opts: {
  label: string;
  swagger: Json;
  ours: Json;
  /** Read our operation id from this extension instead of operationId (Prediction v3.0). */
  operationIdKey?: string;
}): Coverage {
  const { label, swagger, ours } = opts;
  const idKey = opts.operationIdKey ?? 'operationId';
  const diffs: string[] = [];
  const cov: Coverage = {
    label,
    operations: { total: 0, present: 0, exact: 0 },
    parameters: { total: 0, present: 0, exact: 0 },
    models: { total: 0, present: 0, exact: 0 },
    properties: { total: 0, present: 0, exact: 0 },
    differences: diffs,
  };
  const theirPaths = swagger.paths as Record<string, Record<string, Json>>;
  const ourPaths = ours.paths as Record<string, Record<string, Json>>;
  const ourSchemas = (ours.components as Json).schemas as Record<string, Json>;

  const seenOps = new Set<string>();
  for (const [path, item] of Object.entries(theirPaths)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      cov.operations.total++;
      const opId = op.operationId as string;
      const mine = ourPaths[path]?.[method] as Json | undefined;
      if (!mine) {
        diffs.push(`operation ${opId} (${method.toUpperCase()} ${path}): missing in cvkit`);
        continue;
      }
      seenOps.add(`${method} ${path}`);
      cov.operations.present++;
      const where = `operation ${opId}`;
      let ok = true;
      if (mine[idKey] !== opId) {
        diffs.push(`${where}: operationId is ${String(mine[idKey])} in cvkit`);
        ok = false;
      }
      ok = compareParameters(where, op, mine, cov, diffs) && ok;
      ok = compareResponses(where, op, mine, diffs) && ok;
      if (ok) cov.operations.exact++;
    }
  }
  for (const [path, item] of Object.entries(ourPaths)) {
    for (const method of METHODS) {
      if (item[method] && !seenOps.has(`${method} ${path}`))
        diffs.push(
          `operation ${String((item[method] as Json).operationId)} (${method.toUpperCase()} ${path}): only in cvkit`,
        );
    }
  }

  const theirDefs = swagger.definitions as Record<string, SwaggerSchema>;
  for (const [name, def] of Object.entries(theirDefs)) {
    cov.models.total++;
    const mine = ourSchemas[name];
    if (!mine) {
      diffs.push(`model ${name}: missing in cvkit`);
      continue;
    }
    cov.models.present++;
    let ok = true;
    const theirReq = [...(def.required ?? [])].sort().join(',');
    const ourReq = [...((mine.required as string[] | undefined) ?? [])].sort().join(',');
    if (theirReq !== ourReq) {
      diffs.push(`model ${name}: required [${theirReq}] in Azure, [${ourReq}] in cvkit`);
      ok = false;
    }
    const ourProps = (mine.properties ?? {}) as Record<string, Json>;
    for (const [prop, ps] of Object.entries(def.properties ?? {})) {
      cov.properties.total++;
      const mp = ourProps[prop];
      if (!mp) {
        diffs.push(`model ${name}.${prop}: missing in cvkit`);
        ok = false;
        continue;
      }
      cov.properties.present++;
      const same = compareShapes(
        `model ${name}.${prop}`,
        swaggerShape(ps, (def.required ?? []).includes(prop)),
        openapiShape(mp),
        diffs,
      );
      const readOnlyDiff = Boolean(ps.readOnly) !== Boolean(mp.readOnly);
      if (readOnlyDiff) diffs.push(`model ${name}.${prop}: readOnly ${Boolean(ps.readOnly)} in Azure`);
      if (same && !readOnlyDiff) cov.properties.exact++;
      else ok = false;
    }
    for (const prop of Object.keys(ourProps)) {
      if (!def.properties?.[prop]) diffs.push(`model ${name}.${prop}: only in cvkit`);
    }
    if (ok) cov.models.exact++;
  }
  for (const name of Object.keys(ourSchemas)) {
    if (!theirDefs[name]) diffs.push(`model ${name}: only in cvkit`);
  }
  return cov;
}

function compareParameters(where: string, op: Json, mine: Json, cov: Coverage, diffs: string[]): boolean {
  let ok = true;
  const theirs = (op.parameters as Json[]).filter((p) => !p.$ref);
  const ourParams = ((mine.parameters as OurParam[] | undefined) ?? []).slice();
  const body = mine.requestBody as Json | undefined;
  const bodyTypes = Object.keys((body?.content as Json | undefined) ?? {}).sort();
  for (const p of theirs) {
    cov.parameters.total++;
    const name = p.name as string;
    const pw = `${where} parameter ${name}`;
    if (p.in === 'body') {
      const consumes = ((op.consumes as string[] | undefined) ?? []).slice().sort();
      const ourSchema = (body?.content as Record<string, Json> | undefined)?.['application/json']?.schema as
        | Json
        | undefined;
      if (!body || !ourSchema) {
        diffs.push(`${pw}: JSON request body missing in cvkit`);
        ok = false;
        continue;
      }
      cov.parameters.present++;
      let pok = compareShapes(
        `${pw} (body)`,
        swaggerShape(p.schema as SwaggerSchema, true),
        openapiShape(ourSchema),
        diffs,
      );
      if (Boolean(p.required) !== Boolean(body.required)) {
        diffs.push(`${pw}: body required=${Boolean(p.required)} in Azure`);
        pok = false;
      }
      const missingTypes = consumes.filter((c) => !bodyTypes.includes(c));
      if (missingTypes.length) {
        diffs.push(`${where}: request content types not accepted by cvkit: ${missingTypes.join(', ')}`);
        pok = false;
      }
      if (pok) cov.parameters.exact++;
      else ok = false;
      continue;
    }
    if (p.in === 'formData') {
      const multipart = (body?.content as Record<string, Json> | undefined)?.['multipart/form-data']?.schema as
        | Json
        | undefined;
      const field = (multipart?.properties as Record<string, Json> | undefined)?.[name];
      const octet = bodyTypes.includes('application/octet-stream');
      const consumes = (op.consumes as string[]).slice().sort();
      if (field) cov.parameters.present++;
      if (field?.format !== 'binary' || consumes.join() !== bodyTypes.join() || !octet) {
        diffs.push(`${pw}: multipart field or content types differ (Azure ${consumes.join(', ')})`);
        ok = false;
      } else cov.parameters.exact++;
      continue;
    }
    const idx = ourParams.findIndex((q) => q.name === name && q.in === p.in);
    if (idx < 0) {
      diffs.push(`${pw}: missing in cvkit`);
      ok = false;
      continue;
    }
    const q = ourParams.splice(idx, 1)[0]!;
    cov.parameters.present++;
    let pok = compareShapes(
      pw,
      swaggerShape({ ...(p as SwaggerSchema), 'x-nullable': false }, true),
      { ...openapiShape(q.schema), nullable: false },
      diffs,
    );
    if (Boolean(p.required) !== Boolean(q.required)) {
      diffs.push(`${pw}: required=${Boolean(p.required)} in Azure`);
      pok = false;
    }
    for (const k of ['default', 'minimum', 'maximum', 'maxItems', 'minItems'] as const) {
      if (p[k] !== undefined && p[k] !== q.schema[k]) {
        diffs.push(`${pw}: ${k} ${String(p[k])} in Azure, ${String(q.schema[k])} in cvkit`);
        pok = false;
      }
    }
    if (p.collectionFormat === 'csv' && !(q.style === 'form' && q.explode === false)) {
      diffs.push(`${pw}: not serialised comma-separated (style: form, explode: false) in cvkit`);
      pok = false;
    }
    if (pok) cov.parameters.exact++;
    else ok = false;
  }
  for (const q of ourParams) diffs.push(`${where} parameter ${q.name}: only in cvkit`);
  if (body && !theirs.some((p) => p.in === 'body' || p.in === 'formData'))
    diffs.push(`${where}: request body only in cvkit`);
  return ok;
}

function compareResponses(where: string, op: Json, mine: Json, diffs: string[]): boolean {
  let ok = true;
  const theirs = op.responses as Record<string, Json>;
  const ours = mine.responses as Record<string, Json>;
  const codes = (r: Record<string, Json>) => Object.keys(r).sort().join(',');
  if (codes(theirs) !== codes(ours)) {
    diffs.push(`${where}: responses ${codes(theirs)} in Azure, ${codes(ours)} in cvkit`);
    return false;
  }
  for (const [code, r] of Object.entries(theirs)) {
    if (code === 'default') continue;
    const schema = r.schema as SwaggerSchema | undefined;
    const content = ours[code]?.content as Record<string, Json> | undefined;
    if (!schema) {
      if (content) {
        diffs.push(`${where} response ${code}: body only in cvkit`);
        ok = false;
      }
      continue;
    }
    if (schema.type === 'file') {
      if (!content?.['application/octet-stream']) {
        diffs.push(`${where} response ${code}: binary body missing in cvkit`);
        ok = false;
      }
      continue;
    }
    const ourSchema = content?.['application/json']?.schema as Json | undefined;
    if (!ourSchema) {
      diffs.push(`${where} response ${code}: JSON body missing in cvkit`);
      ok = false;
      continue;
    }
    ok = compareShapes(`${where} response ${code}`, swaggerShape(schema, true), openapiShape(ourSchema), diffs) && ok;
  }
  return ok;
}
