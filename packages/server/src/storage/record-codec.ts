import type { ExportRecord, IterationRecord, PredictionRecord, ProjectRecord, TagRecord } from './types.ts';

/**
 * How rows become records, and how records stored as JSON text (iterations, predictions, exports) and feature
 * vectors are encoded: the same columns and bytes in every metadata backend, so migrate-storage copies rows as they
 * are.
 */

type Row = Record<string, unknown>;

export const toProject = (r: Row): ProjectRecord => ({
  id: r.id as string,
  name: r.name as string,
  description: r.description as string,
  settings: JSON.parse(r.settings as string),
  created: new Date(r.created as number),
  lastModified: new Date(r.last_modified as number),
  status: r.status as ProjectRecord['status'],
  revision: r.revision as number,
});

export const toTag = (r: Row): TagRecord => ({
  id: r.id as string,
  projectId: r.project_id as string,
  name: r.name as string,
  description: (r.description as string | null) ?? null,
  type: r.type as TagRecord['type'],
  created: new Date(r.created as number),
});

const DATE_FIELDS = ['created', 'lastModified', 'trainedAt'] as const;

export function toIteration(r: Row): IterationRecord {
  const rec = JSON.parse(r.record as string) as Record<string, unknown>;
  for (const f of DATE_FIELDS) if (typeof rec[f] === 'number') rec[f] = new Date(rec[f] as number);
  return rec as unknown as IterationRecord;
}

export function fromIteration(it: IterationRecord): string {
  return JSON.stringify(it, (k, v) => (DATE_FIELDS.includes(k as never) && typeof v === 'string' ? Date.parse(v) : v));
}

/** A stored prediction's column values, in the order of both stores' INSERT: id, project_id, iteration_id, created, application, content_hash, record. */
export function predictionColumns(p: PredictionRecord): unknown[] {
  return [
    p.id,
    p.projectId,
    p.iterationId,
    +p.created,
    p.application,
    p.contentHash,
    JSON.stringify({ ...p, created: +p.created }),
  ];
}

export function toPrediction(r: Row): PredictionRecord {
  const rec = JSON.parse(r.record as string) as PredictionRecord & { created: number };
  return { ...rec, created: new Date(rec.created) };
}

/** Views are stored as one blob: a uint32 count and length, then the float32 values. */
export function encodeViews(views: Float32Array[]): Buffer {
  const dim = views[0]?.length ?? 0;
  const buf = Buffer.alloc(8 + views.length * dim * 4);
  buf.writeUInt32LE(views.length, 0);
  buf.writeUInt32LE(dim, 4);
  views.forEach((v, i) => {
    Buffer.from(v.buffer, v.byteOffset, v.byteLength).copy(buf, 8 + i * dim * 4);
  });
  return buf;
}

export function decodeViews(buf: Buffer): Float32Array[] {
  const count = buf.readUInt32LE(0);
  const dim = buf.readUInt32LE(4);
  return Array.from({ length: count }, (_, i) => {
    const copy = new Float32Array(dim);
    Buffer.from(copy.buffer).set(buf.subarray(8 + i * dim * 4, 8 + (i + 1) * dim * 4));
    return copy;
  });
}

export function toExport(r: Row): ExportRecord {
  const rec = JSON.parse(r.record as string) as ExportRecord & { created: number };
  return { ...rec, created: new Date(rec.created) };
}
