/** The older Training API versions' rules (src/http/api-versions.ts) against Microsoft's swagger files. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { olderTrainingVersions } from '../src/http/api-versions.ts';
import { trainingOperations } from '../src/http/spec-operations.ts';

type Swagger = { paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>> };
const swagger = (version: string): Swagger =>
  JSON.parse(readFileSync(new URL(`../../../spec/azure/training-${version}.json`, import.meta.url), 'utf8'));
const operations = (s: Swagger) => Object.values(s.paths).flatMap((item) => Object.values(item));

describe.each(Object.entries(olderTrainingVersions))('Training %s', (version, rules) => {
  const theirs = operations(swagger(version));

  it('lacks exactly the v3.3 operations its swagger lacks, and has none v3.3 lacks', () => {
    const have = new Set(theirs.map((o) => o.operationId));
    const ours = trainingOperations.map((o) => o.operationId);
    expect([...rules.missing].sort()).toEqual(ours.filter((id) => !have.has(id)).sort());
    expect([...have].filter((id) => !ours.includes(id))).toEqual([]);
  });

  it('answers each operation with a status its swagger lists', () => {
    const v33 = new Map(operations(swagger('v3.3')).map((o) => [o.operationId, Object.keys(o.responses)]));
    for (const op of theirs) {
      const listed = Object.keys(op.responses).filter((c) => c !== 'default');
      const answered = (v33.get(op.operationId) ?? []).filter(
        // DeleteImages answers 202 only to allImages=true, a parameter v3.0 does not have.
        (c) => c !== 'default' && !(version === 'v3.0' && op.operationId === 'DeleteImages' && c === '202'),
      );
      const mapped = answered.map((c) => String(rules.status(op.operationId, Number(c))));
      expect(`${op.operationId}: ${[...new Set(mapped)].sort()}`).toBe(`${op.operationId}: ${listed.sort()}`);
    }
  });
});
