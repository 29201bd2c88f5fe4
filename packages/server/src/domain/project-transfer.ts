import { randomUUID } from 'node:crypto';
import { Semaphore } from '../jobs/semaphore.ts';
import type { Logger } from '../logging.ts';
import { type FetchPolicy, fetchImageUrl, UrlFetchError } from '../net/fetch-image-url.ts';
import type { ImageRecord, ProjectRecord, ProjectSettingsRecord, Storage, TagType } from '../storage/types.ts';
import { ApiError, badRequest, tooBusy } from './errors.ts';
import type { ImageService } from './images.ts';
import type { Limits } from './limits.ts';
import type { ProjectService } from './projects.ts';
import type { TagService } from './tags.ts';

/**
 * ExportProject / ImportProject between cvkit servers.
 *
 * Azure's export token is a SAS URL to a blob describing the project. cvkit's is the same idea: an opaque string
 * carrying a signed, expiring URL on the exporting server (`/files/exports/<projectId>/<exportId>`), whose JSON
 * bundle lists the project's settings, tags and images, each image with a signed link to its original bytes.
 * The bundle is rendered when it is fetched, so it shows the project as it is at import time, and the token works
 * for as long as the exporting server's signed links do (`linkTtlSeconds`, 24 h by default).
 *
 * The importing server fetches the bundle and the images under its URL policy: importing from a server on a
 * loopback or private address needs `allowPrivateUrls`. The new project is answered at once with status
 * `Importing`; tags and images are then created in the background through the ordinary domain services
 * (batches of at most 64 images, one transaction each) and the project ends `Succeeded`, or `Failed` when any
 * tag or image could not be imported (what could be imported stays). Iterations (trained models) are not carried:
 * train the imported project again.
 */

export const BUNDLE_FORMAT = 'cvkit-project-export';
const BUNDLE_VERSION = 1;
/** A bundle lists every image with its links: ~0.5 kB each, so this covers Azure's 100,000-image projects. */
const BUNDLE_MAX_BYTES = 128 * 1024 * 1024;
const FETCH_CONCURRENCY = 8;
/** Imports in progress at once (bundle read or images still coming in); ImportProject answers 429 past it. */
export const MAX_CONCURRENT_IMPORTS = 2;

export interface ExportBundle {
  format: typeof BUNDLE_FORMAT;
  version: typeof BUNDLE_VERSION;
  exportedAt: string;
  project: { name: string; description: string; settings: ProjectSettingsRecord };
  tags: { name: string; description: string | null; type: TagType }[];
  /** Oldest first, so the imported project lists its images in the same order. */
  images: BundleImage[];
}

export interface BundleImage {
  url: string;
  /** Tag names (unique within a project); regions name their tag the same way. */
  tags: string[];
  regions: { tag: string; left: number; top: number; width: number; height: number }[];
  metadata: Record<string, string>;
}

export interface ProjectExportSummary {
  iterationCount: number;
  imageCount: number;
  tagCount: number;
  regionCount: number;
  estimatedImportTimeInMS: number;
  token: string;
}

/** Signed links the HTTP layer makes for the exporting server (the domain knows nothing of URL layouts). */
export interface TransferLinks {
  bundle(projectId: string, exportId: string): string;
  originalImage(image: ImageRecord): string;
}

export interface TransferDeps {
  storage: Storage;
  projects: ProjectService;
  tags: TagService;
  images: ImageService;
  limits: Limits;
  /** The policy URL imports use (CreateImagesFromUrls): private addresses only when the operator allows them. */
  fetchPolicy: FetchPolicy;
  logger: Logger;
}

/** The token is base64url JSON, opaque to clients; the version field lets the format change later. */
export function encodeImportToken(bundleUrl: string): string {
  return Buffer.from(JSON.stringify({ v: 1, url: bundleUrl })).toString('base64url');
}

export function decodeImportToken(token: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,8192}$/.test(token)) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: unknown; url?: unknown };
    return parsed.v === 1 && typeof parsed.url === 'string' ? parsed.url : undefined;
  } catch {
    return undefined;
  }
}

export class ProjectTransferService {
  private readonly running = new Set<Promise<void>>();
  private closing = false;
  private readonly importSlots = new Semaphore(MAX_CONCURRENT_IMPORTS);

  constructor(private readonly d: TransferDeps) {}

  async export(projectId: string, links: TransferLinks): Promise<ProjectExportSummary> {
    const project = await this.exportable(projectId);
    const [tags, images] = await Promise.all([
      this.d.storage.tags.list(project.id),
      this.d.storage.images.query(project.id, { taggingStatus: 'All', orderBy: 'Oldest' }),
    ]);
    return {
      // Trained iterations are not part of a cvkit export.
      iterationCount: 0,
      imageCount: images.length,
      tagCount: tags.length,
      regionCount: images.reduce((n, i) => n + i.regions.length, 0),
      // A rough guide from loopback measurements (fetch, decode, hash, store per image), not a promise.
      estimatedImportTimeInMS: 1000 + 30 * images.length,
      token: encodeImportToken(links.bundle(project.id, randomUUID())),
    };
  }

  /** The JSON behind a token, served on the exporting server by the signed `/files/exports/...` route. */
  async bundle(projectId: string, links: TransferLinks): Promise<ExportBundle> {
    const project = await this.exportable(projectId);
    const tags = await this.d.storage.tags.list(project.id);
    const names = new Map(tags.map((t) => [t.id, t.name]));
    const images = await this.d.storage.images.query(project.id, { taggingStatus: 'All', orderBy: 'Oldest' });
    return {
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      exportedAt: new Date().toISOString(),
      project: { name: project.name, description: project.description, settings: project.settings },
      tags: tags.map((t) => ({ name: t.name, description: t.description, type: t.type })),
      images: images.map((i) => ({
        url: links.originalImage(i),
        tags: i.tags.flatMap((t) => names.get(t.tagId) ?? []),
        regions: i.regions.flatMap((r) => {
          const tag = names.get(r.tagId);
          return tag === undefined ? [] : [{ tag, left: r.left, top: r.top, width: r.width, height: r.height }];
        }),
        metadata: i.metadata,
      })),
    };
  }

  /**
   * Reads the bundle now (so a bad or expired token is a 400 before anything is created), creates the project
   * with status Importing and returns it; tags and images follow in the background.
   * A name given by the caller must be free (BadRequestProjectNameNotUnique, as CreateProject); the default, the
   * source project's name, gets a " (2)", " (3)"... suffix when taken, so re-importing into one server just works.
   */
  async import(token: string, name: string | undefined): Promise<ProjectRecord> {
    const url = decodeImportToken(token);
    if (!url) throw invalidToken('The token was not issued by ExportProject.');
    // Each import holds its bundle (up to 128 MB) until its last image is in: a few at a time, the rest told to retry.
    const release = this.importSlots.tryAcquire();
    if (!release) throw tooBusy(`At most ${MAX_CONCURRENT_IMPORTS} project imports run at once.`, 10);
    try {
      const { project, job } = await this.startImport(url, name);
      job.finally(release);
      return project;
    } catch (e) {
      release();
      throw e;
    }
  }

  private async startImport(
    url: string,
    name: string | undefined,
  ): Promise<{ project: ProjectRecord; job: Promise<void> }> {
    let raw: Buffer;
    try {
      raw = await fetchImageUrl(url, { ...this.d.fetchPolicy, maxBytes: BUNDLE_MAX_BYTES });
    } catch (e) {
      if (e instanceof UrlFetchError) throw invalidToken(explainFetchFailure(e));
      throw e;
    }
    const bundle = parseBundle(raw);
    const created = await this.d.projects.create({
      name: name?.trim() ? name : await this.freeName(bundle.project.name),
      description: bundle.project.description,
      domainId: bundle.project.settings.domainId,
      classificationType: bundle.project.settings.classificationType ?? undefined,
      targetExportPlatforms: bundle.project.settings.targetExportPlatforms,
    });
    const { useNegativeSet, detectionParameters, augmentationMethods } = bundle.project.settings;
    const project: ProjectRecord = {
      ...created,
      status: 'Importing',
      settings: { ...created.settings, useNegativeSet, detectionParameters, augmentationMethods },
    };
    await this.d.storage.projects.update(project);
    const job = this.fill(project.id, bundle)
      .catch((e) => this.d.logger.error('project import crashed', { projectId: project.id, error: String(e) }))
      .finally(() => this.running.delete(job));
    this.running.add(job);
    return { project, job };
  }

  /** Imports cut short by a previous process cannot resume (the job lived in memory): mark them Failed. */
  async recoverInterrupted(): Promise<number> {
    const stuck = (await this.d.storage.projects.list()).filter((p) => p.status === 'Importing');
    for (const p of stuck) await this.d.storage.projects.update({ ...p, status: 'Failed', lastModified: new Date() });
    return stuck.length;
  }

  /** Resolves when every import started so far has finished. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  /** Stops imports after their current batch (marking them Failed) and waits for them; call before closing storage. */
  async close(): Promise<void> {
    this.closing = true;
    await this.idle();
  }

  private async exportable(projectId: string): Promise<ProjectRecord> {
    const project = await this.d.projects.get(projectId);
    if (project.status === 'Importing')
      throw badRequest('BadRequest', 'The project is still importing; export it once its status is Succeeded.');
    return project;
  }

  private async freeName(base: string): Promise<string> {
    const taken = new Set((await this.d.projects.list()).map((p) => p.name.toLowerCase()));
    if (!taken.has(base.toLowerCase())) return base;
    for (let n = 2; ; n++) {
      const suffix = ` (${n})`;
      const candidate = base.slice(0, this.d.limits.nameLength - suffix.length) + suffix;
      if (!taken.has(candidate.toLowerCase())) return candidate;
    }
  }

  private async fill(projectId: string, bundle: ExportBundle): Promise<void> {
    let failed = 0;
    const log = (msg: string, fields: Record<string, unknown>) => this.d.logger.warn(msg, { projectId, ...fields });
    try {
      const tagIds = new Map<string, string>();
      for (const t of bundle.tags) {
        const tag = await this.d.tags.create(projectId, { ...t, description: t.description ?? undefined });
        tagIds.set(t.name.toLowerCase(), tag.id);
      }
      for (const batch of batches(bundle.images, this.d.limits.imagesPerBatch)) {
        if (this.closing) {
          log('project import interrupted by shutdown', {});
          failed++;
          break;
        }
        const tagId = (name: string) => tagIds.get(name.toLowerCase())!;
        try {
          const result = await this.d.images.createFromUrls(
            projectId,
            batch.map((image) => ({
              url: image.url,
              tagIds: image.tags.map(tagId),
              regions: image.regions.map((r) => ({ ...r, tagId: tagId(r.tag) })),
            })),
            { metadata: batch[0]!.metadata },
            { policy: this.d.fetchPolicy, concurrency: FETCH_CONCURRENCY },
          );
          const bad = result.images.filter((o) => o.status !== 'OK' && o.status !== 'OKDuplicate');
          if (bad.length) log('images not imported', { statuses: bad.map((o) => o.status) });
          failed += bad.length;
        } catch (e) {
          // A rule refusing the whole batch (e.g. metadata limits): the rest of the project can still come in.
          if (!(e instanceof ApiError) || e.code === 'NotFoundProject') throw e;
          log('image batch refused', { code: e.code, message: e.message, images: batch.length });
          failed += batch.length;
        }
      }
    } catch (e) {
      if (e instanceof ApiError && e.code === 'NotFoundProject') return; // deleted while importing
      if (!(e instanceof ApiError)) throw e;
      log('project import failed', { code: e.code, message: e.message });
      failed++;
    }
    const current = await this.d.storage.projects.get(projectId);
    if (current)
      await this.d.storage.projects.update({
        ...current,
        status: failed ? 'Failed' : 'Succeeded',
        lastModified: new Date(),
      });
  }
}

const invalidToken = (why: string) => badRequest('BadRequestInvalidImportToken', why);

function explainFetchFailure(e: UrlFetchError): string {
  switch (e.reason) {
    case 'status':
      return `The export token is invalid or has expired (the exporting server refused it): ${e.message}`;
    case 'too-large':
      return 'The export is larger than this server reads.';
    default:
      // One text for unresolvable, private and refusing hosts alike (see UNUSABLE_URL_MESSAGE).
      return `The exporting server could not be read: ${e.message} (Servers on private or loopback addresses are read only when this server runs with --allow-private-urls.)`;
  }
}

/** Consecutive images sharing metadata, at most `size` at a time: ImageService.create takes metadata per batch. */
function* batches(images: BundleImage[], size: number): Generator<BundleImage[]> {
  let current: BundleImage[] = [];
  let key = '';
  for (const image of images) {
    const k = JSON.stringify(Object.entries(image.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (current.length && (k !== key || current.length >= size)) {
      yield current;
      current = [];
    }
    key = k;
    current.push(image);
  }
  if (current.length) yield current;
}

/**
 * Checks a fetched bundle's shape before anything is created. Rules about values (name lengths, domains, tag
 * types, region bounds, metadata sizes) are left to the domain services that apply them to every other request.
 */
export function parseBundle(raw: Buffer): ExportBundle {
  let b: unknown;
  try {
    b = JSON.parse(raw.toString('utf8'));
  } catch {
    throw invalidToken('The export token does not lead to a cvkit project export.');
  }
  const fail = (what: string): never => {
    throw invalidToken(`The project export is not valid: ${what}.`);
  };
  if (!isObject(b) || b.format !== BUNDLE_FORMAT) return fail('unknown format');
  if (b.version !== BUNDLE_VERSION) return fail(`version ${String(b.version)} is not supported`);
  const p = b.project;
  if (!isObject(p) || typeof p.name !== 'string' || typeof p.description !== 'string') return fail('project');
  const s = p.settings;
  if (
    !isObject(s) ||
    typeof s.domainId !== 'string' ||
    !(
      s.classificationType === null ||
      s.classificationType === 'Multiclass' ||
      s.classificationType === 'Multilabel'
    ) ||
    !isStringArray(s.targetExportPlatforms) ||
    typeof s.useNegativeSet !== 'boolean' ||
    !(s.detectionParameters === null || typeof s.detectionParameters === 'string') ||
    !isObject(s.augmentationMethods) ||
    !Object.values(s.augmentationMethods).every((v) => typeof v === 'boolean')
  )
    return fail('project settings');
  if (!Array.isArray(b.tags) || !Array.isArray(b.images)) return fail('tags or images');
  const tagNames = new Set<string>();
  for (const t of b.tags) {
    if (
      !isObject(t) ||
      typeof t.name !== 'string' ||
      !(t.description === null || typeof t.description === 'string') ||
      !['Regular', 'Negative', 'GeneralProduct'].includes(t.type as string)
    )
      return fail('tag');
    tagNames.add(t.name.toLowerCase());
  }
  const knownTag = (n: unknown) => typeof n === 'string' && tagNames.has(n.toLowerCase());
  for (const i of b.images) {
    if (
      !isObject(i) ||
      typeof i.url !== 'string' ||
      !Array.isArray(i.tags) ||
      !i.tags.every(knownTag) ||
      !Array.isArray(i.regions) ||
      !i.regions.every(
        (r) =>
          isObject(r) &&
          knownTag(r.tag) &&
          ['left', 'top', 'width', 'height'].every((k) => typeof r[k] === 'number' && Number.isFinite(r[k])),
      ) ||
      !isObject(i.metadata) ||
      !Object.values(i.metadata).every((v) => typeof v === 'string')
    )
      return fail('image');
  }
  return b as unknown as ExportBundle;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}
