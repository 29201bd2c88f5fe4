import type { TrainingModels } from '@cvkit/api-types';
import type { ExportService } from '../../../domain/exports.ts';
import type { ExportRecord } from '../../../storage/types.ts';
import type { TrainingHandlers } from '../../handler-types.ts';
import type { LinkSigner } from '../../signed-links.ts';

/** Path of an export's zip under /files; the signed link makes it downloadable without a key. */
export function exportFilePath(e: Pick<ExportRecord, 'projectId' | 'id'>): string {
  return `models/${e.projectId}/${e.id}`;
}

export function exportHandlers(exports: ExportService, signer: LinkSigner): TrainingHandlers {
  const wire = (e: ExportRecord, baseUrl: string): TrainingModels.Export => ({
    platform: e.platform as TrainingModels.Export['platform'],
    status: e.status,
    downloadUri: e.status === 'Done' ? signer.link(baseUrl, exportFilePath(e)) : null,
    flavor: e.flavor as TrainingModels.Export['flavor'],
    newerVersionAvailable: false,
  });
  return {
    ExportIteration: async ({ params, baseUrl }) => ({
      status: 200,
      body: wire(
        await exports.start(params.projectId, params.iterationId, params.platform, params.flavor ?? null),
        baseUrl,
      ),
    }),
    GetExports: async ({ params, baseUrl }) => ({
      status: 200,
      body: (await exports.list(params.projectId, params.iterationId)).map((e) => wire(e, baseUrl)),
    }),
  };
}
