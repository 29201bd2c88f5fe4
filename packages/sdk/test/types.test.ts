/**
 * Compile-time checks that the method signatures follow the contract. The function below never runs; the repo's
 * `tsc -p .` type-checks it, and each `@ts-expect-error` fails the check if the line it guards starts compiling.
 */
import { describe, expect, it } from 'vitest';
import {
  type CustomVisionError,
  type PredictionClient,
  TrainingClient,
  type TrainingModels,
  type TrainingQuery,
  type TrainingResult,
} from '../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(_: T) => undefined;

async function signaturesFollowTheContract(trainer: TrainingClient, predictor: PredictionClient) {
  const projects: TrainingModels.Project[] = await trainer.getProjects();
  const count: number = await trainer.getImageCount('p');
  const artifact: Blob = await trainer.getArtifact('p', { path: 'a' });
  const published: boolean = await trainer.publishIteration('p', 'i', { publishName: 'n', predictionId: 'r' });
  assertType<Equal<Awaited<ReturnType<TrainingClient['deleteProject']>>, undefined>>(true);
  assertType<Equal<TrainingResult<'CreateImagesFromData'>, TrainingModels.ImageCreateSummary>>(true);
  assertType<Equal<TrainingQuery<'GetImages'>['tagIds'], string[] | undefined>>(true);

  // @ts-expect-error name is required
  await trainer.createTag('p', {});
  // @ts-expect-error tagIds is a list of ids
  await trainer.getImages('p', { tagIds: 'a,b' });
  // @ts-expect-error not a classification type
  await trainer.createProject({ name: 'x', classificationType: 'Binary' });
  // @ts-expect-error publishName and predictionId are required
  await trainer.publishIteration('p', 'i', { overwrite: true });
  // @ts-expect-error one image per prediction
  await predictor.classifyImage('p', 'n', [new Uint8Array(1)]);
  // @ts-expect-error the body is `{ url }`
  await predictor.detectImageUrl('p', 'n', 'https://x/a.jpg');
  // @ts-expect-error not a training API version
  new TrainingClient({ endpoint: 'http://x', trainingKey: 'k', apiVersion: 'v3.2' });

  const error = {} as CustomVisionError;
  if (error.code === 'NotFoundProject' || error.code === 'SomethingNew') return [projects, count, artifact, published];
  return undefined;
}

describe('types', () => {
  it('are checked by tsc (see the function above)', () => {
    expect(typeof signaturesFollowTheContract).toBe('function');
  });
});
