/**
 * Base class of the errors the server's own libraries throw on purpose (imaging, URL fetching, storage, the ML
 * engine's adapter). They say what failed in the library's terms; `domain/library-errors.ts` is the one place that
 * turns them into Azure's answers. API answers themselves are `ApiError` (domain/errors.ts).
 */
export class ServerLibraryError extends Error {
  override name = 'ServerLibraryError';
}
