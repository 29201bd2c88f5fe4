import type { ArtifactService } from '../../../domain/artifacts.ts';
import type { ProjectTransferService, TransferLinks } from '../../../domain/project-transfer.ts';
import type { TrainingHandlers } from '../../handler-types.ts';
import { imageLink, wireProject } from '../../wire-models.ts';
import type { TrainingDeps } from './context.ts';

/** The path the signed export-bundle link names; `http/file-routes.ts` serves it. */
export const exportBundlePath = (projectId: string, exportId: string) => `exports/${projectId}/${exportId}`;

function transferLinks(d: Pick<TrainingDeps, 'signer'>, baseUrl: string): TransferLinks {
  return {
    bundle: (projectId, exportId) => d.signer.link(baseUrl, exportBundlePath(projectId, exportId)),
    originalImage: (image) => imageLink({ signer: d.signer, baseUrl }, image, 'original'),
  };
}

/** ExportProject, ImportProject and GetArtifact. */
export function projectTransferHandlers(
  d: TrainingDeps,
  transfer: ProjectTransferService,
  artifacts: ArtifactService,
): TrainingHandlers {
  return {
    ExportProject: async ({ params, baseUrl }) => ({
      status: 200,
      body: await transfer.export(params.projectId, transferLinks(d, baseUrl)),
    }),
    ImportProject: async ({ params }) => ({
      status: 200,
      body: wireProject(await transfer.import(params.token, params.name)),
    }),
    GetArtifact: async ({ params }) => {
      const artifact = await artifacts.read(params.projectId, params.path);
      return { status: 200, bytes: artifact.bytes, contentType: artifact.contentType };
    },
  };
}

/**
 * What `/files/exports/<projectId>/<exportId>` answers once its signature is checked. Image links in the bundle
 * use the host the importing server reached this one on (or the configured public URL), like every other link.
 */
export function exportBundleSource(
  d: Pick<TrainingDeps, 'signer' | 'config'>,
  transfer: ProjectTransferService,
): (projectId: string, requestBaseUrl: string) => Promise<unknown> {
  return (projectId, requestBaseUrl) =>
    transfer.bundle(projectId, transferLinks(d, d.config.publicBaseUrl ?? requestBaseUrl));
}
