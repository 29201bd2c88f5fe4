import { renderVariant } from '../imaging/inspect-image.ts';
import type { ImageRecord, Storage } from '../storage/types.ts';
import { blobCollector } from './blob-collector.ts';
import { variantKey } from './content-keys.ts';
import { badRequest } from './errors.ts';
import type { ProjectService } from './projects.ts';

export type ImageVariant = 'original' | 'resized' | 'thumbnail';

/** Longest side of the rendered variants. */
export const VARIANT_SIZE = { resized: 1024, thumbnail: 200 } as const;
const CONTENT_TYPES: Record<ImageRecord['format'], string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  bmp: 'image/bmp',
};

/**
 * The bytes of one image variant: the original as uploaded, or a JPEG rendering rendered on first request and kept
 * beside the original under `<hash>.r` / `<hash>.t` (the same keys the signed `/files/images` links use, so either
 * path fills the cache for the other).
 */
export async function readImageVariant(
  storage: Storage,
  image: ImageRecord,
  variant: ImageVariant,
): Promise<{ bytes: Buffer; contentType: string } | undefined> {
  const original = await storage.blobs.get(image.contentHash);
  if (!original) return undefined;
  if (variant === 'original') return { bytes: original, contentType: CONTENT_TYPES[image.format] };
  return { bytes: await renderedVariant(storage, image.contentHash, original, variant), contentType: 'image/jpeg' };
}

/**
 * The JPEG rendering of stored bytes, made once and kept under `<hash>.r` / `<hash>.t`: renderings are keyed by
 * content, so training images and prediction images with the same bytes share them, and a link fetched again costs
 * a file read, not a decode.
 */
export async function renderedVariant(
  storage: Storage,
  contentHash: string,
  original: Buffer,
  variant: Exclude<ImageVariant, 'original'>,
): Promise<Buffer> {
  const key = variantKey(contentHash, variant);
  const cached = await storage.blobs.get(key);
  if (cached) return cached;
  const bytes = await renderVariant(original, VARIANT_SIZE[variant]);
  // Pinned, so a delete of the last image or prediction with these bytes meanwhile cannot leave the rendering behind.
  await blobCollector(storage).pinned([contentHash], () => storage.blobs.put(key, bytes));
  return bytes;
}

/** `images/<projectId>/<imageId>/<variant>`: the relative form of the paths in cvkit's signed image links. */
const ARTIFACT_PATH =
  /^\/?images\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/(original|resized|thumbnail)$/i;

/**
 * GetArtifact: a stored file named by a relative path, as Azure serves when its links are relative (VNET setups).
 * Only a project's own image files can be named; any other path is BadRequestInvalidArtifactUri, so the
 * operation can never be used to read another project's data or anything outside the image store.
 */
export class ArtifactService {
  constructor(
    private readonly storage: Storage,
    private readonly projects: ProjectService,
  ) {}

  async read(projectId: string, path: string): Promise<{ bytes: Buffer; contentType: string }> {
    await this.projects.get(projectId);
    const m = ARTIFACT_PATH.exec(path);
    if (!m || m[1]!.toLowerCase() !== projectId.toLowerCase()) throw invalidArtifact(path);
    const [image] = await this.storage.images.getMany(projectId, [m[2]!.toLowerCase()]);
    const artifact = image && (await readImageVariant(this.storage, image, m[3]!.toLowerCase() as ImageVariant));
    if (!artifact) throw invalidArtifact(path);
    return artifact;
  }
}

const invalidArtifact = (path: string) =>
  badRequest(
    'BadRequestInvalidArtifactUri',
    `No artifact of this project at '${path.slice(0, 200)}'; expected images/<projectId>/<imageId>/original|resized|thumbnail.`,
  );

/** What the signed `/files/...` links serve, looked up by the ids in the link (the link's signature is checked first). */
export class Downloads {
  constructor(private readonly storage: Storage) {}

  /** A finished export's archive and the file name Azure's downloads carry, or undefined when it is gone. */
  async exportArchive(projectId: string, exportId: string): Promise<{ bytes: Buffer; fileName: string } | undefined> {
    const record = await this.storage.exports.get(projectId, exportId);
    const bytes = record?.blobKey ? await this.storage.blobs.get(record.blobKey) : undefined;
    if (!record || !bytes) return undefined;
    const flavor = record.flavor ? `.${record.flavor}` : '';
    return { bytes, fileName: `${record.iterationId.replace(/-/g, '')}.${record.platform}${flavor}.zip` };
  }

  /** A stored prediction's image, as sent or as a thumbnail. */
  async predictionImage(
    projectId: string,
    predictionId: string,
    variant: 'original' | 'thumbnail',
  ): Promise<{ bytes: Buffer; contentType: string } | undefined> {
    const [prediction] = await this.storage.predictions.getMany(projectId, [predictionId]);
    const original = prediction ? await this.storage.blobs.get(prediction.contentHash) : undefined;
    if (!prediction || !original) return undefined;
    if (variant === 'original') return { bytes: original, contentType: 'application/octet-stream' };
    return {
      bytes: await renderedVariant(this.storage, prediction.contentHash, original, 'thumbnail'),
      contentType: 'image/jpeg',
    };
  }

  /** A training image's file: `image` undefined when the image is gone, `file` undefined when its data is. */
  async imageFile(projectId: string, imageId: string, variant: ImageVariant) {
    const [image] = await this.storage.images.getMany(projectId, [imageId]);
    return { image, file: image ? await readImageVariant(this.storage, image, variant) : undefined };
  }
}
