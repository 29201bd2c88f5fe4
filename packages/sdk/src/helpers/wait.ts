/** Polling until long-running work (training, export) is finished. */
import type { TrainingModels } from '@cvkit/api-types';
import { CustomVisionError, ExportFailedError, TrainingFailedError, WaitTimeoutError } from '../errors.js';
import type { RequestOptions } from '../http/http-client.js';
import { sleep } from '../http/retry.js';
import type { TrainingClient } from '../training/training-client.js';

export interface WaitOptions<T> {
  /** Pause between polls in ms (default 2000). */
  intervalMs?: number;
  /** Give up after this many ms with a `WaitTimeoutError` (default: wait as long as it takes). */
  timeoutMs?: number;
  /** Stops waiting; the promise rejects with the signal's reason. The work on the server goes on. */
  signal?: AbortSignal;
  /** Called with every state read, e.g. to log the status. */
  onProgress?: (current: T) => void | Promise<void>;
  /** Options for each poll request (timeout, retry, headers). */
  requestOptions?: Omit<RequestOptions, 'signal'>;
}

const defaultIntervalMs = 2_000;

async function poll<T>(
  read: (options: RequestOptions) => PromiseLike<T>,
  outcome: (current: T) => 'done' | 'pending',
  describe: string,
  { intervalMs = defaultIntervalMs, timeoutMs, signal, onProgress, requestOptions }: WaitOptions<T>,
): Promise<T> {
  const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    const current = await read({ ...requestOptions, ...(signal ? { signal } : {}) });
    await onProgress?.(current);
    if (outcome(current) === 'done') return current;
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new WaitTimeoutError(`${describe} did not finish within ${timeoutMs} ms`, current);
    await sleep(Math.min(intervalMs, remaining), signal);
  }
}

/**
 * Polls an iteration until training ends. Resolves with the `Completed` iteration; rejects with a
 * `TrainingFailedError` (carrying `trainingErrorDetails`) when it ends `Failed`.
 */
export function waitForTraining(
  client: TrainingClient,
  projectId: string,
  iterationId: string,
  options: WaitOptions<TrainingModels.Iteration> = {},
): Promise<TrainingModels.Iteration> {
  return poll(
    (requestOptions) => client.getIteration(projectId, iterationId, requestOptions),
    (iteration) => {
      if (iteration.status === 'Completed') return 'done';
      if (iteration.status === 'Failed') {
        const details = iteration.trainingErrorDetails ? `: ${iteration.trainingErrorDetails}` : '';
        throw new TrainingFailedError(`Training of iteration ${iterationId} failed${details}`, iteration);
      }
      return 'pending';
    },
    `Training of iteration ${iterationId}`,
    options,
  );
}

export type ExportPlatform = TrainingModels.Export['platform'] & string;
export type ExportFlavor = NonNullable<TrainingModels.Export['flavor']>;

export interface WaitForExportOptions extends WaitOptions<TrainingModels.Export> {
  /** Which flavor to wait for, when several exports of the platform exist. */
  flavor?: ExportFlavor;
}

/**
 * Polls an iteration's exports until the one for `platform` is `Done` (resolves with it, `downloadUri` set) or
 * `Failed` (rejects with `ExportFailedError`). Start the export with `exportIteration` first.
 */
export function waitForExport(
  client: TrainingClient,
  projectId: string,
  iterationId: string,
  platform: ExportPlatform,
  { flavor, ...options }: WaitForExportOptions = {},
): Promise<TrainingModels.Export> {
  const label = `${platform}${flavor ? ` (${flavor})` : ''} export of iteration ${iterationId}`;
  return poll(
    async (requestOptions) => {
      const exports = await client.getExports(projectId, iterationId, requestOptions);
      // While exporting, the service reports `flavor: null`; match it too.
      const found = exports.find(
        (e) => e.platform === platform && (flavor === undefined || e.flavor == null || e.flavor === flavor),
      );
      if (!found) throw new CustomVisionError(`No ${label} was found; start it with exportIteration first`);
      return found;
    },
    (exported) => {
      if (exported.status === 'Done') return 'done';
      if (exported.status === 'Failed') throw new ExportFailedError(`The ${label} failed`, exported);
      return 'pending';
    },
    `The ${label}`,
    options,
  );
}
