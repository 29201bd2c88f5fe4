/** A successful call's parsed result together with the HTTP response it came from. */
export interface WithResponse<T> {
  data: T;
  /** The final response (after any retries). Its body has been read into `data`; headers and status remain. */
  response: Response;
  /** `apim-request-id` of the response, if the server sent one. */
  requestId: string | undefined;
}

/**
 * The promise every API method returns. Await it for the parsed result, or call `.withResponse()` to also get the
 * HTTP response (headers such as the request id or rate-limit counters).
 *
 * @example
 * ```ts
 * const { data: project, response } = await trainer.getProject(id).withResponse();
 * console.log(response.headers.get('apim-request-id'), project.name);
 * ```
 */
export class APIPromise<T> extends Promise<T> {
  readonly #result: Promise<WithResponse<T>>;
  #data: Promise<T> | undefined;

  constructor(result: Promise<WithResponse<T>>) {
    // The base promise is never used: `then`/`catch`/`finally` delegate to the real work, so that awaiting only
    // `.withResponse()` leaves no second, unobserved rejection behind.
    super((resolve) => resolve(undefined as T));
    this.#result = result;
  }

  // Derived promises (from then/catch) must be plain Promises, not APIPromises.
  static override get [Symbol.species]() {
    return Promise;
  }

  /** The parsed result plus the raw response. */
  withResponse(): Promise<WithResponse<T>> {
    return this.#result;
  }

  #parsed(): Promise<T> {
    this.#data ??= this.#result.then((r) => r.data);
    return this.#data;
  }

  // biome-ignore lint/suspicious/noThenProperty: this is a Promise subclass; `then` must be the real work's.
  override then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#parsed().then(onfulfilled, onrejected);
  }

  override catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.#parsed().catch(onrejected);
  }

  override finally(onfinally?: (() => void) | null): Promise<T> {
    return this.#parsed().finally(onfinally);
  }
}
