/**
 * Async iteration over the take/skip listings and the continuation-token queries, so callers do not hand-write
 * paging loops. Pages are fetched lazily: breaking out of `for await` stops the requests.
 */
import type { RequestOptions } from '../http/http-client.js';

/** The largest page the service returns for take/skip listings. */
export const maxPageSize = 256;

export interface PageOptions extends RequestOptions {
  /** Items per request (1 to 256; default 256). */
  pageSize?: number;
}

/**
 * Walks a take/skip listing until a page comes back short. Items added or removed while iterating shift the pages;
 * iterate with `orderBy: 'Oldest'` when images are being uploaded at the same time.
 */
export async function* paginateTakeSkip<T>(
  fetchPage: (take: number, skip: number, options: RequestOptions) => PromiseLike<readonly T[]>,
  { pageSize = maxPageSize, ...options }: PageOptions = {},
): AsyncGenerator<T, void, undefined> {
  const take = Math.min(maxPageSize, Math.max(1, Math.floor(pageSize)));
  for (let skip = 0; ; skip += take) {
    const page = await fetchPage(take, skip, options);
    yield* page;
    if (page.length < take) return;
  }
}

interface ContinuationToken {
  continuation?: string | null | undefined;
}

/**
 * Follows `token.continuation` of a query result until the service has no more. The token the service returns is
 * merged over the caller's query, so filters it does not echo back are kept.
 */
export async function* paginateContinuation<Query extends object, Item>(
  initial: Query,
  fetchPage: (
    query: Query,
  ) => PromiseLike<{ token?: (ContinuationToken & object) | null; results?: readonly Item[] | null }>,
): AsyncGenerator<Item, void, undefined> {
  let query = initial;
  let previous: string | undefined;
  for (;;) {
    const page = await fetchPage(query);
    const results = page.results ?? [];
    yield* results;
    const next = page.token?.continuation;
    // A repeated token with nothing new would loop forever.
    if (!next || (next === previous && results.length === 0)) return;
    previous = next;
    const echoed = Object.fromEntries(
      Object.entries(page.token ?? {}).filter(([, value]) => value !== null && value !== undefined),
    );
    query = { ...query, ...echoed };
  }
}
