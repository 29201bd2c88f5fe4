import { UnsupportedImageError } from '../imaging/inspect-image.ts';
import { UndecodableImageError } from '../ml/classifier-engine.ts';
import { UrlFetchError } from '../net/fetch-image-url.ts';
import { type ApiError, badRequest } from './errors.ts';
import type { ImageCreateStatus } from './images.ts';

/**
 * The one place where the libraries' failures become Azure's answers, so a bad image or an unreadable URL is
 * answered the same way by every operation. Each function returns undefined for an error that is not the library
 * failure it knows (the caller rethrows it: a defect stays a 500).
 */

/** An image sent in a request (prediction, quick test) that cannot be used. */
export function imageRequestError(e: unknown): ApiError | undefined {
  if (e instanceof UnsupportedImageError)
    return badRequest(e.reason === 'dimensions' ? 'BadRequestImageDimensions' : 'BadRequestImageFormat', e.message);
  if (e instanceof UndecodableImageError) return badRequest('BadRequestImageFormat', e.message);
  return undefined;
}

/** A batch entry's status for an image that cannot be used (the batch itself goes on). */
export function imageEntryStatus(e: unknown): ImageCreateStatus | undefined {
  if (e instanceof UnsupportedImageError) return e.reason === 'dimensions' ? 'ErrorImageSize' : 'ErrorImageFormat';
  return undefined;
}

/** A request's image URL that could not be read. */
export function urlRequestError(e: unknown): ApiError | undefined {
  if (!(e instanceof UrlFetchError)) return undefined;
  return badRequest(e.reason === 'too-large' ? 'BadRequestImageSizeBytes' : 'BadRequestImageUrl', e.message);
}

/** A batch entry's status for a URL that could not be read. */
export function urlEntryStatus(e: unknown): ImageCreateStatus | undefined {
  if (!(e instanceof UrlFetchError)) return undefined;
  return e.reason === 'too-large' ? 'ErrorImageSize' : 'ErrorSource';
}
