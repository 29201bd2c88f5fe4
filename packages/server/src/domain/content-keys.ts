/**
 * Blob keys derived from an image's content hash: the renderings kept beside the original (`<hash>.r` for resized,
 * `<hash>.t` for thumbnail). The collector frees them with the image; artifacts.ts fills them on first request.
 */
export type RenderedVariant = 'resized' | 'thumbnail';

export const variantKey = (contentHash: string, variant: RenderedVariant): string => `${contentHash}.${variant[0]}`;

export const renderedVariantKeys = (contentHash: string): string[] => [
  variantKey(contentHash, 'resized'),
  variantKey(contentHash, 'thumbnail'),
];
