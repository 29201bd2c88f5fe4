import type { ServerConfig } from '../../../config.ts';
import type { ImageService } from '../../../domain/images.ts';
import type { IterationService } from '../../../domain/iterations.ts';
import type { PredictionService } from '../../../domain/predictions.ts';
import type { ProjectService } from '../../../domain/projects.ts';
import type { SmartLabeler } from '../../../domain/smart-labeler.ts';
import type { TagService } from '../../../domain/tags.ts';
import type { TrainingService } from '../../../domain/training.ts';
import type { FetchPolicy } from '../../../net/fetch-image-url.ts';
import type { LinkSigner } from '../../signed-links.ts';

/** What training handlers may use: the domain services (never storage or the ML engine directly). */
export interface TrainingDeps {
  config: ServerConfig;
  projects: ProjectService;
  tags: TagService;
  images: ImageService;
  training: TrainingService;
  iterations: IterationService;
  predictions: PredictionService;
  smartLabeler: SmartLabeler;
  signer: LinkSigner;
  urlPolicy: FetchPolicy;
}
