/**
 * Bytes → features: the preprocessing path and a backbone, per view.
 */
import { type Backbone, sameFeatureFamily, withPreprocessing } from './backbones/backbone.ts';
import { HeadFormatError } from './errors.ts';
import { type Head, predict, type TagPrediction } from './heads/head.ts';
import { isPreprocessingVersion } from './preprocess/preprocess.ts';
import { CANONICAL_VIEW, type ImageFeatures, preprocessViews, type ViewName } from './preprocess/views.ts';

export interface EmbedOptions {
  /** Decompression-bomb guard, in pixels (default DEFAULT_MAX_INPUT_PIXELS). */
  maxInputPixels?: number;
}

export interface EmbeddedViews {
  /** The backbone's cache key: features are only comparable under the same key. */
  backboneKey: string;
  features: ImageFeatures;
}

/**
 * Features of one encoded image under the given views (one decode per distinct crop, one batched forward pass).
 * Deterministic: the same bytes, views and backbone version give the same numbers.
 * Throws ImageDecodeError / ImageTooLargeError for unusable input.
 */
export async function embedViews(
  backbone: Backbone,
  bytes: Uint8Array,
  views: readonly ViewName[] = [CANONICAL_VIEW],
  options: EmbedOptions = {},
): Promise<EmbeddedViews> {
  const unique = [...new Set(views)];
  const pre = await preprocessViews(bytes, unique, {
    size: backbone.inputSize,
    maxInputPixels: options.maxInputPixels,
    version: backbone.spec.preprocessing,
  });
  // Bytes where the path made them (see PreprocessedImage.pixels): the backbone converts off the event loop.
  const vectors = await backbone.embed(unique.map((v) => pre.get(v)!.pixels ?? pre.get(v)!.data));
  const features: ImageFeatures = {};
  unique.forEach((v, i) => {
    features[v] = vectors[i]!;
  });
  return { backboneKey: backbone.cacheKey, features };
}

/** End-to-end prediction for one encoded image: Custom Vision's tag list, most probable first. */
export async function classify(
  head: Head,
  backbone: Backbone,
  bytes: Uint8Array,
  options: EmbedOptions = {},
): Promise<TagPrediction[]> {
  const { features } = await embedViews(backboneForHead(head, backbone), bytes, head.predictionViews, options);
  return predict(head, features);
}

/**
 * The backbone as the head was trained on it: itself (at either precision, see `sameFeatureFamily`), or the same
 * network on the preprocessing path the head records (heads stored before a preprocessing change keep giving the
 * answers they gave).
 */
export function backboneForHead(head: Head, backbone: Backbone): Backbone {
  if (sameFeatureFamily(head.backbone.cacheKey, backbone.cacheKey)) return backbone;
  const version = head.preprocessing?.version;
  if (version && isPreprocessingVersion(version)) {
    const matching = withPreprocessing(backbone, version);
    if (sameFeatureFamily(matching.cacheKey, head.backbone.cacheKey)) return matching;
  }
  throw new HeadFormatError(`head was trained on ${head.backbone.cacheKey}, not ${backbone.cacheKey}`);
}
