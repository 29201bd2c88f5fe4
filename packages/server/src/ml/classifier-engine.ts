import { ServerLibraryError } from '../errors.ts';
import type { ClassificationType, TagType } from '../storage/types.ts';

/**
 * The server's port to the machine-learning layer. Domain code trains, evaluates and predicts through this
 * interface only; `ml-engine.ts` implements it with @cvkit/ml, and tests may substitute a fake.
 */
export interface ClassifierEngine {
  /** Export platforms this engine produces, with their flavors (null: the platform's default). */
  readonly exportPlatforms: Readonly<Record<string, readonly (string | null)[]>>;
  /** The same for object detection iterations. */
  readonly detectionExportPlatforms: Readonly<Record<string, readonly (string | null)[]>>;
  /** Which compute backend runs (logged at start). */
  describe(): Promise<Record<string, unknown>>;
  /** Trains a classifier (or, for `task: 'detection'`, a detector) and evaluates it by cross-validation. */
  train(job: TrainingJob): Promise<TrainedClassifier>;
  /** Probabilities for one image, highest first; a detector's carry their boxes. */
  predict(model: Uint8Array, image: Uint8Array): Promise<TagProbability[]>;
  /** Class-agnostic boxes a detector sees in an image, highest first (a classifier has none). */
  proposeRegions(model: Uint8Array, image: Uint8Array): Promise<RegionProposal[]>;
  /**
   * The files of an export package for a trained model. Throws `UnsupportedExportError` for platforms or flavors
   * this engine cannot produce.
   */
  exportModel(model: Uint8Array, target: ExportTarget): Promise<{ path: string; bytes: Uint8Array }[]>;
  /**
   * Precision / recall / AP at a threshold, from the stored evaluation; for a detector's, boxes count as found at
   * `overlapThreshold` (IoU).
   */
  performance(evaluation: Uint8Array, threshold: number, overlapThreshold?: number): Promise<EvaluationReport>;
}

export interface TrainingJob {
  /** Default 'classification'. Detection trains on the images' regions, one heatmap per tag. */
  task?: 'classification' | 'detection';
  backbone: 'compact' | 'general';
  classificationType: ClassificationType;
  trainingType: 'Regular' | 'Advanced';
  /** Advanced training's time budget (Azure's reservedBudgetInHours). */
  reservedBudgetInHours?: number;
  /** From the project's image-processing settings. */
  augment: boolean;
  tags: { id: string; name: string; type: TagType }[];
  images: { id: string; contentHash: string; tagIds: string[]; regions?: RegionBox[] }[];
  loadImage(contentHash: string): Promise<Uint8Array>;
  onProgress?(fraction: number): void;
  signal?: AbortSignal;
}

export interface TrainedClassifier {
  model: Uint8Array;
  evaluation: Uint8Array;
}

/** A box normalised to the image (0..1), as Custom Vision's regions and bounding boxes. */
export interface BoundingBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface RegionBox extends BoundingBox {
  tagId: string;
}

export interface TagProbability {
  tagId: string;
  probability: number;
  /** Detection only. */
  boundingBox?: BoundingBox;
}

export interface RegionProposal {
  confidence: number;
  boundingBox: BoundingBox;
}

export interface TagMetrics {
  tagId: string;
  precision: number;
  precisionStdDeviation: number;
  recall: number;
  recallStdDeviation: number;
  averagePrecision: number;
}

export interface EvaluationReport {
  perTag: TagMetrics[];
  precision: number;
  precisionStdDeviation: number;
  recall: number;
  recallStdDeviation: number;
  averagePrecision: number;
  /** Out-of-fold probabilities per evaluated image, for GetImagePerformances. */
  images: { imageId: string; predictions: TagProbability[] }[];
}

export interface ExportTarget {
  platform: string;
  flavor: string | null;
  iterationId: string;
}

export class UnsupportedExportError extends ServerLibraryError {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedExportError';
  }
}

/** The engine could not decode an image it was given (truncated or corrupt data that passed the header check). */
export class UndecodableImageError extends ServerLibraryError {
  constructor(message: string) {
    super(message);
    this.name = 'UndecodableImageError';
  }
}
