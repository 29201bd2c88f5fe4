/**
 * Type-level helpers that read request and response shapes straight out of the generated OpenAPI types, so the SDK
 * never restates a wire type by hand: when the contract changes, the method signatures follow.
 */
import type { Prediction, Training } from '@cvkit/api-types';

export type TrainingOperations = Training.operations;
export type PredictionOperations = Prediction.operations;
export type TrainingOperationId = keyof TrainingOperations;
export type PredictionOperationId = keyof PredictionOperations;

/** Query parameters of an operation (`never` when it has none). */
export type QueryOf<Op> = Op extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** Path parameters of an operation (`never` when it has none). */
export type PathOf<Op> = Op extends { parameters: { path?: infer P } } ? NonNullable<P> : never;

/** JSON request body of an operation (`never` when it takes none). */
export type JsonBodyOf<Op> = Op extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 206 | 207;

// Distributes over the success responses: 200 and 207 of the batch operations share one model.
type ContentOf<R> = R extends { content: { 'application/json': infer C } }
  ? C
  : R extends { content: { 'application/octet-stream': unknown } }
    ? Blob
    : undefined;

/**
 * What a successful call resolves to: the JSON model of the 2xx response, a `Blob` for binary downloads, or
 * `undefined` for 202/204 responses without a body.
 */
export type ResultOf<Op> = Op extends { responses: infer R } ? ContentOf<R[Extract<keyof R, SuccessStatus>]> : never;

export type TrainingQuery<K extends TrainingOperationId> = QueryOf<TrainingOperations[K]>;
export type TrainingBody<K extends TrainingOperationId> = JsonBodyOf<TrainingOperations[K]>;
export type TrainingResult<K extends TrainingOperationId> = ResultOf<TrainingOperations[K]>;

export type PredictionQuery<K extends PredictionOperationId> = QueryOf<PredictionOperations[K]>;
export type PredictionBody<K extends PredictionOperationId> = JsonBodyOf<PredictionOperations[K]>;
export type PredictionResult<K extends PredictionOperationId> = ResultOf<PredictionOperations[K]>;

/** The error body Azure and cvkit send: `{ "code": "...", "message": "..." }`. */
export type ErrorBody = Training.components['schemas']['CustomVisionError'];

/**
 * An Azure error code. The service documents its codes as an open set ("model as string"), so unknown strings are
 * accepted too while the known ones still autocomplete.
 */
export type ErrorCode = ErrorBody['code'] | (string & {});
