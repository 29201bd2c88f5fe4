import { MlError, TrainingInputError } from '../errors.ts';

/** Errors cross the thread boundary as plain data; typed ones are rebuilt on the other side. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error)
    return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: 'Error', message: String(error) };
}

export function deserializeError(error: SerializedError): Error {
  const rebuilt =
    error.name === 'TrainingInputError'
      ? new TrainingInputError(error.message)
      : error.name === 'MlError'
        ? new MlError(error.message)
        : Object.assign(new Error(error.message), { name: error.name });
  if (error.stack) rebuilt.stack = error.stack;
  return rebuilt;
}
