import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import type { Downloads } from '../domain/artifacts.ts';
import { linkRefused, notFound } from '../domain/errors.ts';
import { sendJson } from './send.ts';
import type { LinkSigner } from './signed-links.ts';

/**
 * Serves the signed links put in responses (`/files/...?se=&sig=`), without a key, like Azure's SAS blob URLs.
 * Resized and thumbnail variants are rendered on first request and kept beside the original.
 */
export function fileRoutes(
  downloads: Downloads,
  signer: LinkSigner,
  opts: {
    /** The JSON bundle behind an ExportProject token, given the scheme and host the importer used. */
    exportBundle?: (projectId: string, requestBaseUrl: string) => Promise<unknown>;
  } = {},
) {
  const router = express.Router();
  router.get('/files/exports/:projectId/:exportId', async (req: Request, res: Response, next: NextFunction) => {
    const { projectId, exportId } = req.params as Record<string, string>;
    if (!opts.exportBundle || !signer.verify(`exports/${projectId}/${exportId}`, str(req.query.se), str(req.query.sig)))
      return next(linkRefused());
    sendJson(res, 200, await opts.exportBundle(projectId!, `${req.protocol}://${req.get('host')}`));
  });
  router.get('/files/models/:projectId/:exportId', async (req: Request, res: Response, next: NextFunction) => {
    const { projectId, exportId } = req.params as Record<string, string>;
    if (!signer.verify(`models/${projectId}/${exportId}`, str(req.query.se), str(req.query.sig)))
      return next(linkRefused());
    const archive = await downloads.exportArchive(projectId!, exportId!);
    if (!archive) return next(notFound('NotFound', 'The export no longer exists.'));
    res.type('application/zip').setHeader('Content-Disposition', `attachment; filename="${archive.fileName}"`);
    res.end(archive.bytes);
  });
  router.get(
    '/files/predictions/:projectId/:predictionId/:variant',
    async (req: Request, res: Response, next: NextFunction) => {
      const { projectId, predictionId, variant } = req.params as Record<string, string>;
      if (!signer.verify(`predictions/${projectId}/${predictionId}/${variant}`, str(req.query.se), str(req.query.sig)))
        return next(linkRefused());
      if (variant !== 'original' && variant !== 'thumbnail') return next(notFound('NotFound', 'Unknown variant.'));
      const file = await downloads.predictionImage(projectId!, predictionId!, variant);
      if (!file) return next(notFound('NotFound', 'The prediction image no longer exists.'));
      res.type(file.contentType).end(file.bytes);
    },
  );
  router.get('/files/images/:projectId/:imageId/:variant', async (req: Request, res: Response, next: NextFunction) => {
    const { projectId, imageId, variant } = req.params as Record<string, string>;
    const path = `images/${projectId}/${imageId}/${variant}`;
    if (!signer.verify(path, str(req.query.se), str(req.query.sig))) return next(linkRefused());
    if (variant !== 'original' && variant !== 'resized' && variant !== 'thumbnail')
      return next(notFound('NotFound', 'Unknown variant.'));
    const { image, file } = await downloads.imageFile(projectId!, imageId!, variant);
    if (!image) return next(notFound('NotFoundImage', 'The image no longer exists.'));
    if (!file) return next(notFound('NotFoundImage', 'The image data is missing.'));
    res.type(file.contentType).end(file.bytes);
  });
  return router;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
