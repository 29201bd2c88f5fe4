/**
 * Moving image bytes and labels through the Training API: reading an image's original bytes, and uploading images
 * with their own tags, regions and metadata within the service's per-request limits.
 */
import type { TrainingClient, TrainingModels, UploadImage, UploadImageResult } from '@cvkit/sdk';

/** Retries of an image download after a refusal (429/503) or a network error. */
const downloadAttempts = 6;

/** An image's original bytes: its signed URI, or GetArtifact when the URI is a relative path. */
export async function downloadImage(
  from: TrainingClient,
  projectId: string,
  image: TrainingModels.Image,
  fetchImpl: typeof fetch = fetch,
): Promise<Uint8Array> {
  const uri = image.originalImageUri;
  if (!uri) throw new Error('the image has no originalImageUri');
  if (!/^https?:\/\//i.test(uri)) {
    const blob = (await from.getArtifact(projectId, { path: uri })) as Blob;
    return new Uint8Array(await blob.arrayBuffer());
  }
  for (let attempt = 1; ; attempt++) {
    const res = await fetchImpl(uri).catch((e: Error) => e);
    if (!(res instanceof Error) && res.ok) return new Uint8Array(await res.arrayBuffer());
    const retriable = res instanceof Error || [408, 429, 500, 502, 503, 504].includes(res.status);
    if (!retriable || attempt >= downloadAttempts)
      throw new Error(res instanceof Error ? res.message : `HTTP ${res.status}`);
    const asked = res instanceof Error ? undefined : retryAfter(res.headers.get('retry-after'));
    await new Promise((r) => setTimeout(r, asked ?? 500 * 2 ** (attempt - 1)));
  }
}

/** `Retry-After` in ms (seconds or an HTTP date), capped at a minute. */
export function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.min(60_000, Math.max(0, ms)) : undefined;
}

export interface OutgoingImage {
  bytes: Uint8Array;
  name: string;
  /** Destination tag ids; those a region carries are dropped (a region's tag is the image's tag already). */
  tagIds: string[];
  regions: { tagId: string; left: number; top: number; width: number; height: number }[];
  metadata: Record<string, string>;
}

/**
 * Uploads images, grouped by metadata (the API sets metadata per request) in requests of at most `batchSize`;
 * answers one result per image, in input order.
 */
export async function uploadLabelled(
  to: TrainingClient,
  projectId: string,
  images: OutgoingImage[],
  batchSize = 64,
): Promise<UploadImageResult[]> {
  const results = new Array<UploadImageResult>(images.length);
  const groups = new Map<string, number[]>();
  images.forEach((image, i) => {
    const key = JSON.stringify(Object.entries(image.metadata).sort());
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  for (const indexes of groups.values()) {
    const metadata = images[indexes[0]!]!.metadata;
    const entries: UploadImage[] = indexes.map((i) => {
      const image = images[i]!;
      const boxed = new Set(image.regions.map((r) => r.tagId));
      return {
        image: image.bytes,
        name: image.name,
        tagIds: image.tagIds.filter((t) => !boxed.has(t)),
        regions: image.regions,
      };
    });
    const summary = await to.uploadImages(projectId, entries, {
      ...(Object.keys(metadata).length ? { metadata } : {}),
      batchSize,
    });
    summary.images.forEach((r, k) => {
      results[indexes[r.index ?? k]!] = r;
    });
  }
  return results;
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping the order of results. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The destination domain for a source domain: the same name and type (cvkit and Azure share the catalogue). */
export async function mapDomain(
  from: TrainingClient,
  to: TrainingClient,
  domainId: string | undefined | null,
): Promise<string | undefined> {
  if (!domainId) return undefined;
  const theirs = await to.getDomains();
  const mine = await from.getDomain(domainId).catch(() => undefined);
  const byName = mine && theirs.find((d) => d.name === mine.name && d.type === mine.type);
  if (byName) return byName.id ?? undefined;
  if (theirs.some((d) => d.id === domainId)) return domainId;
  return theirs.find((d) => d.type === mine?.type && d.exportable === mine?.exportable)?.id ?? undefined;
}
