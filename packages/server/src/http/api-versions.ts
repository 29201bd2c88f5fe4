/**
 * Training API versions older than v3.3, served by the v3.3 handlers. Their operations are a subset of v3.3's
 * (packages/server/test/api-versions.test.ts checks these lists against Microsoft's swagger files in spec/azure);
 * where a version's swagger answers with another status, its clients (AutoRest: any status the swagger does not
 * list is a failure) get that status.
 */
export interface VersionRules {
  /** Operations the version does not have: Azure answers 404 for them. */
  missing: ReadonlySet<string>;
  /** The status this version answers where v3.3 answers `status`. */
  status(operationId: string, status: number): number;
  /** The answer in this version's models: properties added since are left out. */
  reshape(operationId: string, body: unknown): unknown;
}

/**
 * Leaves out, at any depth, properties a version's models do not have. The names are chosen to be unambiguous in
 * the answers of that version's operations (`metadata` is only Image's there, `tagType` only Prediction's); Project's
 * `status`, which Iteration also has, is left out of the project operations' answers only.
 */
function without(keys: string[], projectStatus = false) {
  const drop = new Set(keys);
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v).flatMap(([k, x]) => (drop.has(k) ? [] : [[k, strip(x)]])));
  };
  return (operationId: string, body: unknown) => {
    const out = strip(body);
    if (!projectStatus || !PROJECT_ANSWERS.has(operationId)) return out;
    const dropStatus = (p: unknown) => {
      if (p && typeof p === 'object') delete (p as { status?: unknown }).status;
    };
    if (Array.isArray(out)) out.forEach(dropStatus);
    else dropStatus(out);
    return out;
  };
}

const PROJECT_ANSWERS = new Set(['GetProjects', 'GetProject', 'CreateProject', 'UpdateProject']);
/**
 * Added in v3.3: Image.metadata and Prediction.tagType. Azure's own answers under older paths lack them too (the
 * v3.0 images/urls and v3.2 predictions/query recordings) but carry most later properties (useNegativeSet and
 * detectionParameters under v3.0, Iteration's under v3.1), so those stay.
 */
const SINCE_V3_3 = ['metadata', 'tagType'];

/** v3.3 answers a batch with failed items 207 Multi-Status; earlier swaggers list 200 only. */
const BATCHES = new Set([
  'CreateImagesFromData',
  'CreateImagesFromFiles',
  'CreateImagesFromUrls',
  'CreateImagesFromPredictions',
  'CreateImageRegions',
]);
const batchesAnswer200 = (operationId: string, status: number) =>
  status === 207 && BATCHES.has(operationId) ? 200 : status;

const V3_2_MISSING = ['GetArtifact', 'GetImages', 'GetImageCount', 'UpdateImageMetadata'];
const V3_1_MISSING = [...V3_2_MISSING, 'ExportProject', 'ImportProject'];
const V3_0_MISSING = [...V3_1_MISSING, 'QuerySuggestedImages', 'QuerySuggestedImageCount', 'SuggestTagsAndRegions'];

export const olderTrainingVersions: Record<'v3.0' | 'v3.1' | 'v3.2', VersionRules> = {
  'v3.0': {
    missing: new Set(V3_0_MISSING),
    // v3.0's UnpublishIteration answers 200 with no body (v3.1 changed it to 204).
    status: (op, s) => (op === 'UnpublishIteration' && s === 204 ? 200 : batchesAnswer200(op, s)),
    // ProjectSettings.imageProcessingSettings arrived in v3.1 (absent from the v3.0 recording's project).
    reshape: without([...SINCE_V3_3, 'imageProcessingSettings'], true),
  },
  // Project.status arrived in v3.2 (the v3.0 and v3.1 recordings' projects have none).
  'v3.1': { missing: new Set(V3_1_MISSING), status: batchesAnswer200, reshape: without(SINCE_V3_3, true) },
  'v3.2': { missing: new Set(V3_2_MISSING), status: batchesAnswer200, reshape: without(SINCE_V3_3) },
};
