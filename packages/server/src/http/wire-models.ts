import type { TrainingModels } from '@cvkit/api-types';
import type { ImageRecord, IterationRecord, PredictionRecord, ProjectRecord, TagRecord } from '../storage/types.ts';
import type { LinkSigner } from './signed-links.ts';
import { entityDate, imageDate } from './wire-format.ts';

/** Records → Azure's JSON, property order and null conventions included. */

export function wireProject(p: ProjectRecord): TrainingModels.Project {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    settings: {
      domainId: p.settings.domainId,
      classificationType: p.settings.classificationType,
      targetExportPlatforms: p.settings.targetExportPlatforms as NonNullable<
        TrainingModels.ProjectSettings['targetExportPlatforms']
      >,
      useNegativeSet: p.settings.useNegativeSet,
      detectionParameters: p.settings.detectionParameters,
      imageProcessingSettings: { augmentationMethods: p.settings.augmentationMethods },
    },
    created: entityDate(p.created),
    lastModified: entityDate(p.lastModified),
    thumbnailUri: null,
    drModeEnabled: false,
    status: p.status,
  };
}

export function wireTag(t: TagRecord & { imageCount: number }): TrainingModels.Tag {
  return { id: t.id, name: t.name, description: t.description, type: t.type, imageCount: t.imageCount };
}

export interface ImageLinks {
  signer: LinkSigner;
  baseUrl: string;
}

export function imageLink(
  links: ImageLinks,
  image: Pick<ImageRecord, 'projectId' | 'id'>,
  variant: 'original' | 'resized' | 'thumbnail',
) {
  return links.signer.link(links.baseUrl, `images/${image.projectId}/${image.id}/${variant}`);
}

/** Azure leaves out `tags`, `regions` and `metadata` when an image has none. */
export function wireImage(image: ImageRecord, tagNames: Map<string, string>, links: ImageLinks): TrainingModels.Image {
  const out: { -readonly [K in keyof TrainingModels.Image]: TrainingModels.Image[K] } = {
    id: image.id,
    created: imageDate(image.created),
    width: image.width,
    height: image.height,
    resizedImageUri: imageLink(links, image, 'resized'),
    thumbnailUri: imageLink(links, image, 'thumbnail'),
    originalImageUri: imageLink(links, image, 'original'),
  };
  if (image.tags.length)
    out.tags = image.tags.map((t) => ({
      tagId: t.tagId,
      tagName: tagNames.get(t.tagId) ?? '',
      created: imageDate(t.created),
    }));
  if (image.regions.length)
    out.regions = image.regions.map((r) => ({
      regionId: r.id,
      tagName: tagNames.get(r.tagId) ?? '',
      created: imageDate(r.created),
      tagId: r.tagId,
      left: r.left,
      top: r.top,
      width: r.width,
      height: r.height,
    }));
  if (Object.keys(image.metadata).length) out.metadata = image.metadata;
  return out;
}

export function tagNameMap(tags: TagRecord[]): Map<string, string> {
  return new Map(tags.map((t) => [t.id, t.name]));
}

export function wireIteration(it: IterationRecord): TrainingModels.Iteration {
  return {
    id: it.id,
    name: it.name,
    status: it.status,
    created: entityDate(it.created),
    lastModified: entityDate(it.lastModified),
    ...(it.trainedAt ? { trainedAt: entityDate(it.trainedAt) } : {}),
    projectId: it.projectId,
    exportable: it.exportable,
    exportableTo: it.exportableTo as TrainingModels.Iteration['exportableTo'],
    domainId: it.domainId,
    classificationType: it.classificationType,
    trainingType: it.trainingType,
    reservedBudgetInHours: it.reservedBudgetInHours,
    trainingTimeInMinutes: it.trainingTimeInMinutes,
    publishName: it.publishName,
    originalPublishResourceId: it.originalPublishResourceId,
    customBaseModelInfo: null,
    trainingErrorDetails: it.trainingErrorDetails,
  };
}

/** One prediction entry; v3.0 clients ignore tagType. */
export function wirePredictions(p: PredictionRecord['predictions']) {
  return p.map((x) => ({
    probability: x.probability,
    tagId: x.tagId,
    tagName: x.tagName,
    ...(x.boundingBox ? { boundingBox: { ...x.boundingBox } } : {}),
    tagType: x.tagType,
  }));
}

export function wireImagePrediction(p: PredictionRecord): TrainingModels.ImagePrediction {
  return {
    id: p.id,
    project: p.projectId,
    iteration: p.iterationId,
    created: entityDate(p.created),
    predictions: wirePredictions(p.predictions),
  };
}

export function predictionLink(
  links: ImageLinks,
  p: Pick<PredictionRecord, 'projectId' | 'id'>,
  variant: 'original' | 'thumbnail',
) {
  return links.signer.link(links.baseUrl, `predictions/${p.projectId}/${p.id}/${variant}`);
}

export function wireStoredPrediction(
  p: PredictionRecord,
  domainId: string,
  links: ImageLinks,
): TrainingModels.StoredImagePrediction {
  const original = predictionLink(links, p, 'original');
  return {
    resizedImageUri: original,
    thumbnailUri: predictionLink(links, p, 'thumbnail'),
    originalImageUri: original,
    domain: domainId,
    id: p.id,
    project: p.projectId,
    iteration: p.iterationId,
    created: entityDate(p.created),
    predictions: wirePredictions(p.predictions),
  };
}
