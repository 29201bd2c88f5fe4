/**
 * Typed errors so the server can map failures to Custom Vision error codes without parsing messages.
 */

/** Base class: every error this package throws on purpose extends it. */
export class MlError extends Error {
  override name = 'MlError';
}

/** The bytes are not an image sharp can decode (corrupt, truncated, unsupported format). */
export class ImageDecodeError extends MlError {
  override name = 'ImageDecodeError';
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** The image declares more pixels than allowed: refused before decoding (decompression-bomb guard). */
export class ImageTooLargeError extends ImageDecodeError {
  override name = 'ImageTooLargeError';
}

/** The compute engine could not start, or was used before `initEngine()`. */
export class EngineError extends MlError {
  override name = 'EngineError';
}

/** Training input is unusable (too few images, a multiclass image with two tags, mismatched feature sizes...). */
export class TrainingInputError extends MlError {
  override name = 'TrainingInputError';
}

/** A serialised head cannot be read, or does not match the backbone it is used with. */
export class HeadFormatError extends MlError {
  override name = 'HeadFormatError';
}
