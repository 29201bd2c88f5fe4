// Generated from spec/prediction.yaml by packages/api-types/scripts/generate.ts. Do not edit.
import type { components } from './prediction.js';

export type BoundingBox = components['schemas']['BoundingBox'];
export type CustomVisionError = components['schemas']['CustomVisionError'];
export type ImagePrediction = components['schemas']['ImagePrediction'];
export type ImageUrl = components['schemas']['ImageUrl'];
export type Prediction = components['schemas']['Prediction'];
