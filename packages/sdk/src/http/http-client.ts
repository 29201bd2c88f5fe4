/**
 * The transport shared by both clients: builds the URL, sends through ky, retries by the policy in `retry.ts`, maps
 * failures onto the error classes, and parses the body. ky's own retry is off: the policy needs the operation
 * (idempotent or not) and the headers Azure uses (`retry-after-ms`), which ky's hooks cannot see together.
 */
import ky, { type KyInstance, TimeoutError as KyTimeoutError } from 'ky';
import { ConnectionError, CustomVisionError, errorFromResponse, requestIdOf, TimeoutError } from '../errors.js';
import { APIPromise, type WithResponse } from './api-promise.js';
import { type ImageInput, type ImageUpload, imageUpload, uploadBody } from './images.js';
import { expandPath, serializeQuery } from './query.js';
import {
  backoffMs,
  isRetriableNetworkError,
  isRetriableStatus,
  type ResolvedRetryOptions,
  type RetrySetting,
  resolveRetryOptions,
  retryAfterMs,
  sleep,
} from './retry.js';

/** What the transport needs to know about one API operation. */
export interface OperationSpec {
  /** The operation id of the contract, e.g. `GetProjects`. */
  readonly id: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path template below the API base, e.g. `/projects/{projectId}`. */
  readonly path: string;
  /** Sending it twice does no harm (decides retries after 5xx and network errors). */
  readonly idempotent: boolean;
  /** How a successful body is read. */
  readonly response: 'json' | 'blob' | 'none';
}

/** Passed to the `onResponse` hook after every HTTP response, including ones that will be retried. */
export interface ResponseEvent {
  operationId: string;
  /** 0 for the first attempt, 1 for the first retry... */
  attempt: number;
  method: string;
  url: string;
  response: Response;
}

/** Options both clients share. */
export interface BaseClientOptions {
  /**
   * Where the service lives: an Azure resource endpoint such as `https://my-cv.cognitiveservices.azure.com`, or a
   * cvkit server such as `http://localhost:3000`. The `/customvision/<version>/...` part is added by the client.
   */
  endpoint: string;
  /** A fetch implementation (default: the global `fetch`). Useful for proxies, tests and instrumentation. */
  fetch?: typeof globalThis.fetch;
  /** Time limit of one attempt in ms (default 120000; 0 for none). Retries get a fresh limit each. */
  timeout?: number;
  /** Retry policy, a retry count, or `false` (default: 3 retries, see `RetryOptions`). */
  retry?: RetrySetting;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /**
   * Called with every HTTP response before it is parsed: for logging, metrics or reading rate-limit headers. The body
   * is still to be read by the SDK: use `response.clone()` to look at it.
   */
  onResponse?: (event: ResponseEvent) => void | Promise<void>;
}

/** Per-call options; the last argument of every method. */
export interface RequestOptions {
  /** Cancels the call, including any wait between retries. The promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Time limit of each attempt in ms, overriding the client's. */
  timeout?: number;
  /** Retry policy for this call, overriding the client's. */
  retry?: RetrySetting;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
}

/** The parts of one request, before serialisation. */
export interface RequestInput {
  path?: object;
  query?: object | undefined;
  json?: unknown;
  images?: ImageInput | readonly ImageInput[];
}

export const defaultTimeoutMs = 120_000;

interface HttpClientConfig extends BaseClientOptions {
  baseUrl: string;
  authHeader: readonly [name: string, value: string];
}

export class HttpClient {
  readonly baseUrl: string;
  readonly #ky: KyInstance;
  readonly #headers: Record<string, string>;
  readonly #timeout: number;
  readonly #retry: ResolvedRetryOptions;
  readonly #onResponse: BaseClientOptions['onResponse'];

  constructor(config: HttpClientConfig) {
    this.baseUrl = config.baseUrl;
    this.#ky = ky.create({
      retry: 0,
      throwHttpErrors: false,
      ...(config.fetch ? { fetch: config.fetch } : {}),
    });
    this.#headers = { ...config.headers, [config.authHeader[0]]: config.authHeader[1] };
    this.#timeout = config.timeout ?? defaultTimeoutMs;
    this.#retry = resolveRetryOptions(config.retry);
    this.#onResponse = config.onResponse;
  }

  /** Sends one operation; the returned promise also offers `.withResponse()`. */
  request<T>(operation: OperationSpec, input: RequestInput = {}, options: RequestOptions = {}): APIPromise<T> {
    return new APIPromise(this.#send<T>(operation, input, options));
  }

  async #send<T>(operation: OperationSpec, input: RequestInput, options: RequestOptions): Promise<WithResponse<T>> {
    const query = serializeQuery(input.query);
    const url = `${this.baseUrl}${expandPath(operation.path, input.path)}${query ? `?${query}` : ''}`;
    const retry = resolveRetryOptions(options.retry, this.#retry);
    const timeout = options.timeout ?? this.#timeout;
    const signal = options.signal;
    const upload: ImageUpload | undefined = input.images === undefined ? undefined : await imageUpload(input.images);

    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < retry.maxRetries;
      let response: Response;
      try {
        response = await this.#fetchOnce(operation, url, input, upload, options, timeout);
      } catch (cause) {
        if (signal?.aborted) throw signal.reason;
        const error =
          cause instanceof KyTimeoutError
            ? new TimeoutError(`${operation.id}: no response within ${timeout} ms`, {
                operationId: operation.id,
                cause,
              })
            : new ConnectionError(`${operation.id}: ${describe(cause)}`, { operationId: operation.id, cause });
        if (!canRetry || !isRetriableNetworkError(operation.idempotent, retry)) throw error;
        await sleep(backoffMs(attempt, retry), signal);
        continue;
      }

      await this.#onResponse?.({ operationId: operation.id, attempt, method: operation.method, url, response });

      if (response.ok) {
        const data = (await readBody(response, operation, signal)) as T;
        return { data, response, requestId: requestIdOf(response.headers) };
      }

      const serverWait = retryAfterMs(response.headers);
      const error = await errorFromResponse(response, operation.id, serverWait);
      if (!canRetry || !isRetriableStatus(response.status, operation.idempotent, retry)) throw error;
      if (serverWait !== undefined && serverWait > retry.maxRetryAfterMs) throw error;
      await sleep(serverWait ?? backoffMs(attempt, retry), signal);
    }
  }

  #fetchOnce(
    operation: OperationSpec,
    url: string,
    input: RequestInput,
    upload: ImageUpload | undefined,
    options: RequestOptions,
    timeout: number,
  ): Promise<Response> {
    // Headers, not a plain object: names differing only in case must not be sent twice.
    const headers = new Headers(this.#headers);
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
    let body: BodyInit | undefined;
    if (upload) {
      const built = uploadBody(upload);
      body = built.body;
      if (built.contentType) headers.set('content-type', built.contentType);
    } else if (input.json !== undefined) {
      body = JSON.stringify(input.json);
      headers.set('content-type', 'application/json');
    }
    if (operation.response === 'json' && !headers.has('accept')) headers.set('accept', 'application/json');
    return this.#ky(url, {
      method: operation.method,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(options.signal ? { signal: options.signal } : {}),
      timeout: timeout > 0 && Number.isFinite(timeout) ? timeout : false,
    });
  }
}

/** Reads a success body; a connection lost while reading it is a ConnectionError (not retried: the call succeeded). */
async function readBody(
  response: Response,
  operation: OperationSpec,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  let text: string;
  try {
    if (operation.response === 'blob') return await response.blob();
    text = await response.text();
  } catch (cause) {
    if (signal?.aborted) throw signal.reason;
    throw new ConnectionError(`${operation.id}: the response body could not be read: ${describe(cause)}`, {
      status: response.status,
      requestId: requestIdOf(response.headers),
      response,
      operationId: operation.id,
      cause,
    });
  }
  if (operation.response === 'none' || text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new CustomVisionError(`${operation.id}: the response is not valid JSON: ${text.slice(0, 200)}`, {
      status: response.status,
      requestId: requestIdOf(response.headers),
      response,
      body: text,
      operationId: operation.id,
      cause,
    });
  }
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
    return `${cause.message}${inner}`;
  }
  return String(cause);
}
