/**
 * Azure Custom Vision's limits (S0 tier unless noted), from the swagger parameter bounds and Microsoft's
 * "limits and quotas" page. One table so that a deployment can raise them in one place.
 */
export interface Limits {
  projects: number;
  tagsPerProject: number;
  imagesPerProject: number;
  iterationsPerProject: number;
  imagesPerBatch: number;
  tagsPerBatch: number;
  trainingImageBytes: number;
  predictionImageBytes: number;
  idsPerCall: number;
  imageTagsPerBatch: number;
  regionsPerBatch: number;
  regionsPerImage: number;
  tagsPerImage: number;
  metadataPerImage: number;
  metadataKeyLength: number;
  metadataValueLength: number;
  maxPageSize: number;
  maxImageSide: number;
  /** Pixel count above which an image is refused before decoding (decompression bombs). */
  maxImagePixels: number;
  minImagesPerTag: number;
  /** Object detection: images with at least one region of the tag. */
  minImagesPerDetectionTag: number;
  nameLength: number;
}

export const azureLimits: Limits = {
  projects: 100,
  tagsPerProject: 500,
  imagesPerProject: 100_000,
  iterationsPerProject: 20,
  imagesPerBatch: 64,
  tagsPerBatch: 20,
  trainingImageBytes: 6 * 1024 * 1024,
  predictionImageBytes: 4 * 1024 * 1024,
  idsPerCall: 256,
  imageTagsPerBatch: 128,
  regionsPerBatch: 64,
  regionsPerImage: 300,
  tagsPerImage: 100,
  metadataPerImage: 50,
  metadataKeyLength: 256,
  metadataValueLength: 512,
  maxPageSize: 256,
  maxImageSide: 10_240,
  maxImagePixels: 10_240 * 10_240,
  minImagesPerTag: 5,
  minImagesPerDetectionTag: 15,
  nameLength: 256,
};
