/**
 * Blob keys derived from a content hash: the renderings kept beside the original (`<hash>.r` for resized, `<hash>.t`
 * for thumbnail). artifacts.ts fills them on first request; the collector frees them with the original.
 */
export type RenderedVariant = 'resized' | 'thumbnail';

export const variantKey = (contentHash: string, variant: RenderedVariant): string => `${contentHash}.${variant[0]}`;

export const renderedVariantKeys = (contentHash: string): string[] => [
  variantKey(contentHash, 'resized'),
  variantKey(contentHash, 'thumbnail'),
];
