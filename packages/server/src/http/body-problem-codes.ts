import type { ErrorCode } from '../domain/errors.ts';
import type { BodyProblem } from './validate-params.ts';

/**
 * The Azure error code for a JSON body that does not match the contract, by where the mismatch is: Azure names the
 * field's rule (a project name that is not a string is BadRequestProjectName, not a generic BadRequest), and so
 * do we. The first matching rule wins. `perEntry` marks fields Azure judges per batch entry (that entry's status in
 * a 207): those are left to the handler.
 */
type Rule = [operations: string[] | '*', path: string, code: ErrorCode | 'perEntry'];

const IMAGE_BATCHES = ['CreateImagesFromFiles', 'CreateImagesFromUrls', 'CreateImagesFromPredictions'];

/** `a.b` matches `a.b` and what is inside it; `a.b.*` only what is inside it; `a[]` matches any entry of `a`. */
const RULES: Rule[] = [
  [['UpdateProject'], 'name', 'BadRequestProjectName'],
  [['UpdateProject'], 'description', 'BadRequestProjectDescription'],
  [['UpdateProject'], 'settings.domainId', 'BadRequestProjectUnknownDomain'],
  [['UpdateProject'], 'settings.targetExportPlatforms', 'BadRequestProjectUnsupportedExportPlatform'],
  [['UpdateProject'], 'settings.imageProcessingSettings', 'BadRequestProjectImagePreprocessingSettings'],
  [['UpdateTag'], 'name', 'BadRequestTagName'],
  [['UpdateTag'], 'description', 'BadRequestTagDescription'],
  [['UpdateIteration'], 'name', 'BadRequestIterationName'],
  [['CreateImagesFromFiles'], 'images[].contents', 'perEntry'],
  [['CreateImagesFromFiles'], 'images[].name', 'perEntry'],
  [['CreateImageTags'], 'tags[].imageId', 'BadRequestInvalidIds'],
  [['CreateImageTags'], 'tags[].tagId', 'BadRequestInvalidIds'],
  [['CreateImageTags'], 'tags[].*', 'BadRequest'],
  [['CreateImageTags'], 'tags[]', 'BadRequest'],
  [['CreateImageTags'], 'tags', 'BadRequestImageTags'],
  [['QueryPredictions'], 'maxCount', 'BadRequestPredictionResultsExceededCount'],
  [['UpdateImageMetadata'], '.*', 'BadRequestImageMetadataValue'],
  [IMAGE_BATCHES, 'images[].tagIds', 'BadRequestInvalidIds'],
  [IMAGE_BATCHES, 'images[].metadata.*', 'BadRequestImageMetadataValue'],
  [IMAGE_BATCHES, 'images[].url', 'BadRequestImageUrl'],
  [IMAGE_BATCHES, 'images[].regions', 'BadRequestImageRegions'],
  [IMAGE_BATCHES, 'images[]', 'BadRequest'],
  [IMAGE_BATCHES, 'images', 'BadRequestImageBatch'],
  [IMAGE_BATCHES, 'tagIds', 'BadRequestInvalidIds'],
  [IMAGE_BATCHES, 'metadata.*', 'BadRequestImageMetadataValue'],
  ['*', 'regions', 'BadRequestImageRegions'],
  ['*', 'url', 'BadRequestImageUrl'],
];

function matches(pattern: string, path: string): boolean {
  if (pattern === '.*') return path !== '';
  if (pattern.endsWith('.*')) {
    const parent = pattern.slice(0, -2);
    return path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`);
  }
  return path === pattern || path.startsWith(`${pattern}.`) || path.startsWith(`${pattern}[`);
}

export function bodyProblemCode(operationId: string, problem: BodyProblem): ErrorCode | 'perEntry' {
  const path = problem.at.replace(/^body\.?/, '').replace(/\[\d+\]/g, '[]');
  for (const [ops, pattern, code] of RULES) {
    if (ops !== '*' && !ops.includes(operationId)) continue;
    if (matches(pattern, path)) return code;
  }
  return 'BadRequest';
}
