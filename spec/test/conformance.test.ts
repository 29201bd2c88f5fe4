/**
 * The contract must match Microsoft's swagger files operation by operation, parameter by parameter and property by
 * property. Differences kept on purpose live in conformance/allowlist.yaml with a reason each.
 */
import { describe, expect, it } from 'vitest';
import { type Coverage, compareApi } from '../conformance/compare.ts';
import { allows, loadAllowList, loadAzure, loadOurs } from '../conformance/load.ts';

// Training v3.0, v3.1 and v3.2 are served by the v3.3 contract: their operations are a subset of it.
const targets = [
  { label: 'training-v3.0', file: 'training-v3.0.json', api: 'training', ops: 43 },
  { label: 'training-v3.1', file: 'training-v3.1.json', api: 'training', ops: 46 },
  { label: 'training-v3.2', file: 'training-v3.2.json', api: 'training', ops: 48 },
  { label: 'training-v3.3', file: 'training-v3.3.json', api: 'training', ops: 52 },
  { label: 'training-v3.4-preview', file: 'training-v3.4-preview.json', api: 'training', ops: 52 },
  { label: 'prediction-v3.1', file: 'prediction-v3.1.json', api: 'prediction', ops: 8 },
  {
    label: 'prediction-v3.0',
    file: 'prediction-v3.0.json',
    api: 'prediction',
    ops: 8,
    idKey: 'x-cvkit-v3.0-operationId',
  },
] as const;

describe('conformance with Azure Custom Vision swagger', () => {
  const allowList = loadAllowList();
  const used = new Set<number>();
  const results: Coverage[] = [];

  for (const t of targets) {
    it(`${t.label}: every operation, parameter, model and property matches or is allowed`, () => {
      const cov = compareApi({
        label: t.label,
        swagger: loadAzure(t.file),
        ours: loadOurs(t.api),
        operationIdKey: 'idKey' in t ? t.idKey : undefined,
      });
      results.push(cov);
      const unexplained: string[] = [];
      for (const d of cov.differences) {
        const line = `${t.label}: ${d}`;
        const i = allowList.findIndex((e) => allows(e, line));
        if (i < 0) unexplained.push(line);
        else used.add(i);
      }
      expect(unexplained).toEqual([]);
      expect(cov.operations.total).toBe(t.ops);
      expect(cov.operations.present).toBe(t.ops);
      expect(cov.models.present).toBe(cov.models.total);
      expect(cov.properties.present).toBe(cov.properties.total);
      expect(cov.parameters.present).toBe(cov.parameters.total);
    });
  }

  it('every allow-list entry still explains a difference', () => {
    const stale = allowList.filter((_, i) => !used.has(i)).map((e) => e.match);
    expect(stale).toEqual([]);
  });

  it('prints the coverage table', () => {
    const cell = (t: Coverage['operations']) => `${t.present}/${t.total} (${t.exact} exact)`;
    const rows = results.map(
      (c) =>
        `| ${c.label} | ${cell(c.operations)} | ${cell(c.parameters)} | ${cell(c.models)} | ${cell(c.properties)} | ${c.differences.length} |`,
    );
    console.log(
      [
        '| API | operations | parameters | models | properties | allowed differences |',
        '|---|---|---|---|---|---|',
        ...rows,
      ].join('\n'),
    );
    expect(results).toHaveLength(targets.length);
  });
});
