/**
 * Views: the fixed set of crops (optionally mirrored) an image is embedded under. Training uses several views of
 * each image as augmentation and prediction averages a few (test-time augmentation); see training/views.ts. Views are named so the
 * server can cache features per (image content hash, backbone cache key, view).
 *
 * Every view goes through the one preprocessing path (`preprocess`), only with a different crop box, and mirrored
 * views are the pixel-exact mirror of their unmirrored view.
 */
import {
  ANTIALIASED_PREPROCESSING,
  CENTRE_CROP,
  type CropBox,
  type DecodedImage,
  decodeImage,
  mirrorHorizontally,
  type PreprocessedImage,
  type PreprocessingVersion,
  preprocessAntialiasedCrops,
  sampleView,
} from './preprocess.ts';

export const VIEW_NAMES = [
  'centre',
  'centre-mirrored',
  'top-left',
  'top-left-mirrored',
  'top-right',
  'top-right-mirrored',
  'bottom-left',
  'bottom-left-mirrored',
  'bottom-right',
  'bottom-right-mirrored',
  'zoom',
  'zoom-mirrored',
] as const;

export type ViewName = (typeof VIEW_NAMES)[number];

/** Corner and zoom crops cover 80 % of the short edge: enough context kept, enough shift to matter. */
const SUB_CROP = 0.8;
// Shared objects: views with the same crop are decoded once (see preprocessViews).
const TOP_LEFT: CropBox = Object.freeze({ left: 0, top: 0, side: SUB_CROP });
const TOP_RIGHT: CropBox = Object.freeze({ left: 1, top: 0, side: SUB_CROP });
const BOTTOM_LEFT: CropBox = Object.freeze({ left: 0, top: 1, side: SUB_CROP });
const BOTTOM_RIGHT: CropBox = Object.freeze({ left: 1, top: 1, side: SUB_CROP });
const ZOOM: CropBox = Object.freeze({ left: -1, top: -1, side: SUB_CROP });

export const VIEW_CROPS: Record<ViewName, { crop: CropBox; mirrored: boolean }> = {
  centre: { crop: CENTRE_CROP, mirrored: false },
  'centre-mirrored': { crop: CENTRE_CROP, mirrored: true },
  'top-left': { crop: TOP_LEFT, mirrored: false },
  'top-left-mirrored': { crop: TOP_LEFT, mirrored: true },
  'top-right': { crop: TOP_RIGHT, mirrored: false },
  'top-right-mirrored': { crop: TOP_RIGHT, mirrored: true },
  'bottom-left': { crop: BOTTOM_LEFT, mirrored: false },
  'bottom-left-mirrored': { crop: BOTTOM_LEFT, mirrored: true },
  'bottom-right': { crop: BOTTOM_RIGHT, mirrored: false },
  'bottom-right-mirrored': { crop: BOTTOM_RIGHT, mirrored: true },
  zoom: { crop: ZOOM, mirrored: false },
  'zoom-mirrored': { crop: ZOOM, mirrored: true },
};

/** The view every model is exported with and that prediction cannot do without. */
export const CANONICAL_VIEW: ViewName = 'centre';
/** Features of one image under some views. */
export type ImageFeatures = Partial<Record<ViewName, Float32Array>>;

export function isViewName(name: string): name is ViewName {
  return (VIEW_NAMES as readonly string[]).includes(name);
}

/**
 * Preprocess one encoded image under several views: one decode, one sampling per distinct crop (a mirrored view
 * reuses its unmirrored pixels).
 */
export async function preprocessViews(
  bytes: Uint8Array,
  views: readonly ViewName[],
  options: { size: number; maxInputPixels?: number; maxDecodedPixels?: number; version?: PreprocessingVersion },
): Promise<Map<ViewName, PreprocessedImage>> {
  const out = new Map<ViewName, PreprocessedImage>();
  const byCrop = new Map<CropBox, PreprocessedImage>();
  if (options.version === ANTIALIASED_PREPROCESSING) {
    const crops = [...new Set(views.map((v) => VIEW_CROPS[v].crop))];
    const images = await preprocessAntialiasedCrops(bytes, crops, options);
    crops.forEach((crop, i) => {
      byCrop.set(crop, images[i]!);
    });
  }
  let decoded: DecodedImage | undefined;
  for (const view of views) {
    const { crop, mirrored } = VIEW_CROPS[view];
    let base = byCrop.get(crop);
    if (!base) {
      decoded ??= await decodeImage(bytes, options.maxInputPixels, options.maxDecodedPixels);
      base = sampleView(decoded, options.size, crop);
      byCrop.set(crop, base);
    }
    out.set(view, mirrored ? mirrorHorizontally(base) : base);
  }
  return out;
}
