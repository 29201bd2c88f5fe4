/**
 * Steps several examples share, written once: upload a folder dataset, train with progress, print the evaluation,
 * publish, classify through the Prediction API, export and download.
 */
import { readFile } from 'node:fs/promises';
import {
  CustomVisionError,
  NotFoundError,
  type PredictionClient,
  type TrainingClient,
  type TrainingModels,
  type UploadImage,
} from '@cvkit/sdk';
import { imageFromFile } from '@cvkit/sdk/node';
import { unzipSync } from 'fflate';
import type { FolderDataset } from './folder-dataset.ts';
import { type Output, pct, table } from './output.ts';

export const GENERAL_DOMAIN = 'ee85a74c-405e-4adc-bb47-ffa8ca0c9f31';
export const GENERAL_COMPACT_DOMAIN = '0732100f-1a38-4e49-a514-c9b44c697ab5';

/** The exportable ("compact") classification domain named `General (compact)`, looked up by name. */
export async function compactClassificationDomain(trainer: TrainingClient): Promise<TrainingModels.Domain> {
  const domains = await trainer.getDomains();
  const compact =
    domains.find((d) => d.type === 'Classification' && d.exportable && d.name === 'General (compact)') ??
    domains.find((d) => d.type === 'Classification' && d.exportable);
  if (!compact?.id) throw new Error('The service lists no exportable classification domain');
  return compact;
}

/** Creates one tag per folder; returns tag ids by name. */
export async function createTags(
  trainer: TrainingClient,
  projectId: string,
  names: string[],
  out: Output,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const name of names) {
    const tag = await trainer.createTag(projectId, { name });
    ids.set(name, tag.id!);
  }
  out.log(`Created ${names.length} tags: ${names.join(', ')}`);
  return ids;
}

/** Uploads each folder with its tag, in requests of at most 64 images (multipart), showing progress. */
export async function uploadFolderDataset(
  trainer: TrainingClient,
  projectId: string,
  dataset: FolderDataset,
  tagIds: Map<string, string>,
  out: Output,
): Promise<string[]> {
  const imageIds: string[] = [];
  let done = 0;
  for (const tag of dataset.tags) {
    const files = await Promise.all(tag.files.map((f) => imageFromFile(f)));
    const before = done;
    const summary = await trainer.uploadImages(projectId, files, {
      tagIds: [tagIds.get(tag.name)!],
      onProgress: (p) => out.progress('Uploading', before + p.done, dataset.imageCount),
    });
    done += files.length;
    imageIds.push(...collectUploaded(summary.images, out));
  }
  return imageIds;
}

/** Image ids of an upload; failures (other than duplicates) are printed. */
export function collectUploaded(
  results: { status?: string; sourceUrl?: string | null; image?: { id?: string } | null; message?: string }[],
  out: Output,
): string[] {
  const ids: string[] = [];
  for (const r of results) {
    if ((r.status === 'OK' || r.status === 'OKDuplicate') && r.image?.id) ids.push(r.image.id);
    else out.log(`  not uploaded: ${r.sourceUrl ?? '?'}: ${r.status}${r.message ? ` (${r.message})` : ''}`);
  }
  return ids;
}

/** Uploads entries that each carry their own tags (sent as JSON, CreateImagesFromFiles), with progress. */
export async function uploadEntries(
  trainer: TrainingClient,
  projectId: string,
  entries: UploadImage[],
  out: Output,
  label = 'Uploading',
): Promise<string[]> {
  const summary = await trainer.uploadImages(projectId, entries, {
    onProgress: (p) => out.progress(label, p.done, entries.length),
  });
  return collectUploaded(summary.images, out);
}

/** Starts training and waits for it, printing the status as it goes. */
export async function trainAndWait(
  trainer: TrainingClient,
  projectId: string,
  out: Output,
  options: { pollMs?: number; label?: string; timeoutMs?: number; forceTrain?: boolean } = {},
): Promise<TrainingModels.Iteration> {
  const started = Date.now();
  const iteration = await trainer.trainProject(projectId, options.forceTrain ? { forceTrain: true } : undefined);
  const label = options.label ?? `Training ${iteration.name}`;
  const done = await trainer.waitForTraining(projectId, iteration.id!, {
    intervalMs: options.pollMs ?? 2_000,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    onProgress: (it) => {
      if (it.status !== 'Completed')
        out.progress(`${label}: ${it.status}, seconds`, Math.round((Date.now() - started) / 1000));
    },
  });
  out.log(`${label}: ${done.status} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return done;
}

/** Reads precision and recall (overall and per tag) at a threshold and prints them as a table. */
export async function printPerformance(
  trainer: TrainingClient,
  projectId: string,
  iterationId: string,
  out: Output,
  threshold = 0.5,
): Promise<TrainingModels.IterationPerformance> {
  const perf = await trainer.getIterationPerformance(projectId, iterationId, { threshold });
  out.log(`Performance at probability threshold ${threshold}:`);
  for (const line of table(
    ['tag', 'precision', 'recall', 'AP'],
    [
      ...(perf.perTagPerformance ?? []).map((t) => [
        t.name ?? '',
        pct(t.precision),
        pct(t.recall),
        pct(t.averagePrecision),
      ]),
      ['(all)', pct(perf.precision), pct(perf.recall), pct(perf.averagePrecision)],
    ],
  ))
    out.log(`  ${line}`);
  return perf;
}

/** Prints the top predictions of a result. */
export function printPredictions(
  title: string,
  result: { predictions?: { tagName?: string | null; probability?: number }[] | null },
  out: Output,
  top = 3,
) {
  const lines = (result.predictions ?? []).slice(0, top).map((p) => `${p.tagName}: ${pct(p.probability)}`);
  out.log(`${title}: ${lines.join(', ') || '(no predictions)'}`);
}

/**
 * Calls the Prediction API, waiting while a just-published iteration is not visible yet (Azure can answer 404 for a
 * few seconds after PublishIteration).
 */
export async function whenPublished<T>(call: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (e) {
      if (!(e instanceof NotFoundError) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}

export async function classifyFile(
  predictor: PredictionClient,
  projectId: string,
  publishName: string,
  file: string,
): Promise<TrainingModels.ImagePrediction> {
  const bytes = await readFile(file);
  return whenPublished(() => predictor.classifyImage(projectId, publishName, bytes));
}

export interface DownloadedExport {
  platform: string;
  flavor: string | null | undefined;
  /** The zip's bytes. */
  zip: Uint8Array;
  /** Its files, unzipped. */
  files: Record<string, Uint8Array>;
}

/**
 * Exports an iteration for the first platform of `platforms` the service accepts and downloads the zip. Returns
 * undefined, after printing why, when the iteration cannot be exported (not a compact domain, or no platform works).
 */
export async function exportAndDownload(
  trainer: TrainingClient,
  projectId: string,
  iteration: TrainingModels.Iteration,
  platforms: ('ONNX' | 'TensorFlow' | 'CoreML')[],
  out: Output,
  pollMs = 2_000,
): Promise<DownloadedExport | undefined> {
  if (!iteration.exportable) {
    out.log(`Export skipped: ${iteration.name} was not trained on a compact domain, so it cannot be exported.`);
    return undefined;
  }
  for (const platform of platforms) {
    if (iteration.exportableTo && !iteration.exportableTo.includes(platform)) continue;
    try {
      await trainer.exportIteration(projectId, iteration.id!, { platform });
      const started = Date.now();
      const done = await trainer.waitForExport(projectId, iteration.id!, platform, {
        intervalMs: pollMs,
        onProgress: (e) => {
          if (e.status === 'Exporting')
            out.progress(`Exporting ${platform}, seconds`, Math.round((Date.now() - started) / 1000));
        },
      });
      const res = await fetch(done.downloadUri!);
      if (!res.ok) throw new Error(`download failed: HTTP ${res.status}`);
      const zip = new Uint8Array(await res.arrayBuffer());
      const files = unzipSync(zip);
      out.log(`Exported ${platform}: ${zip.length} bytes; ${Object.keys(files).sort().join(', ')}`);
      return { platform, flavor: done.flavor, zip, files };
    } catch (e) {
      if (!(e instanceof CustomVisionError)) throw e;
      out.log(`Export to ${platform} not available here: ${e.code ?? e.status ?? ''} ${e.message}`);
    }
  }
  out.log('Export skipped: none of the platforms tried is supported by this service.');
  return undefined;
}

/** A unique, readable project name. */
export function projectName(prefix: string): string {
  return `${prefix} ${new Date().toISOString().replace(/\..*/, '').replace('T', ' ')}`;
}
