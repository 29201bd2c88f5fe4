/**
 * Wire types of the cvkit contract, generated from spec/*.yaml.
 *
 * @example
 * ```ts
 * import type { Training, TrainingModels } from '@cvkit/api-types';
 * type Body = Training.paths['/projects']['post']['responses']['200']['content']['application/json'];
 * const p: TrainingModels.Project = { name: 'trees', description: '', settings: {} };
 * ```
 */

export type * as Prediction from './generated/prediction.js';
export type * as PredictionModels from './generated/prediction-models.js';
export type * as Training from './generated/training.js';
export type * as TrainingModels from './generated/training-models.js';
