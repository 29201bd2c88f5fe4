import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import type { ServerConfig } from './config.ts';
import { ArtifactService, Downloads } from './domain/artifacts.ts';
import { ApiError } from './domain/errors.ts';
import { ExportService } from './domain/exports.ts';
import { ImageService } from './domain/images.ts';
import { IterationService } from './domain/iterations.ts';
import { PredictionService } from './domain/predictions.ts';
import { ProjectTransferService } from './domain/project-transfer.ts';
import { ProjectService } from './domain/projects.ts';
import { SmartLabeler } from './domain/smart-labeler.ts';
import { TagService } from './domain/tags.ts';
import { TrainingService } from './domain/training.ts';
import { WebhookService } from './domain/webhooks.ts';
import { apiPage } from './http/api-page.ts';
import { olderTrainingVersions } from './http/api-versions.ts';
import { fileRoutes } from './http/file-routes.ts';
import { classifyHandlers } from './http/handlers/prediction/classify.ts';
import type { TrainingDeps } from './http/handlers/training/context.ts';
import { domainAndProjectHandlers } from './http/handlers/training/domains-projects.ts';
import { exportHandlers } from './http/handlers/training/exports.ts';
import { imageHandlers } from './http/handlers/training/images.ts';
import { iterationHandlers } from './http/handlers/training/iterations.ts';
import { predictionHandlers } from './http/handlers/training/predictions.ts';
import { exportBundleSource, projectTransferHandlers } from './http/handlers/training/project-transfer.ts';
import { tagHandlers } from './http/handlers/training/tags.ts';
import { collapseSlashes } from './http/middleware/collapse-slashes.ts';
import { imageBatchJsonLimits } from './http/middleware/read-large-json.ts';
import { requestId } from './http/middleware/request-id.ts';
import { mountApi } from './http/mount-api.ts';
import { sendError } from './http/send.ts';
import { LinkSigner } from './http/signed-links.ts';
import {
  predictionDocument,
  predictionOperations,
  trainingDocument,
  trainingOperations,
} from './http/spec-operations.ts';
import { InProcessJobQueue } from './jobs/job-queue.ts';
import { ByteBudget } from './jobs/semaphore.ts';
import { createLogger, type Logger } from './logging.ts';
import type { ClassifierEngine } from './ml/classifier-engine.ts';
import type { DataDirLock } from './storage/data-dir-lock.ts';
import { openSqliteStorage } from './storage/sqlite/sqlite-storage.ts';
import type { Storage } from './storage/types.ts';

export interface CvkitServer {
  app: express.Express;
  storage: Storage;
  logger: Logger;
  /** The ML engine behind training and prediction. */
  engine: ClassifierEngine;
  /** Resolves when background jobs queued so far (training, exports) and their webhook deliveries have finished. */
  idle(): Promise<void>;
  /** Starts listening; resolves with the base URL (e.g. http://127.0.0.1:3000). */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** The composition root: storage, domain services and HTTP routes, wired once. */
export async function createServer(
  config: ServerConfig,
  opts: { logger?: Logger; storage?: Storage; engine?: ClassifierEngine } = {},
): Promise<CvkitServer> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const storage = opts.storage ?? openSqliteStorage(config.dataDir);
  if ('lock' in storage) {
    const { lock, swept } = storage as { lock: DataDirLock; swept?: number };
    if (lock.staleOwner || swept)
      logger.warn('the previous server on this data directory did not shut down cleanly', {
        previous: lock.staleOwner,
        temporaryFilesRemoved: swept,
      });
  }
  // Loaded only when no engine is given, so tests with a stand-in engine never load TensorFlow.js.
  const engine =
    opts.engine ?? (await import('./ml/ml-engine.ts')).createMlEngine({ logger, features: storage.features });
  const queue = new InProcessJobQueue(1, (key, e) => logger.error('background job failed', { key, error: String(e) }));
  let secret = await storage.settings.get('link-secret');
  if (!secret) {
    secret = randomBytes(32).toString('hex');
    await storage.settings.set('link-secret', secret);
  }
  const signer = new LinkSigner(Buffer.from(secret, 'hex'), config.linkTtlSeconds);
  const projects = new ProjectService(storage, config.limits);
  const tags = new TagService(storage, projects, config.limits);
  const iterations = new IterationService(storage, projects, engine);
  const images = new ImageService(storage, projects, config.limits, async (projectId, iterationId) => {
    await iterations.get(projectId, iterationId);
  });
  // Loopback and private receivers follow the URL-import setting (allowed for tests and development only).
  const webhooks = new WebhookService(config.webhook, config.allowPrivateUrls, logger);
  const training = new TrainingService(storage, projects, engine, queue, config.limits, logger, webhooks);
  const predictions = new PredictionService(storage, iterations, engine, config.limits);
  const recovered = await training.recoverInterrupted();
  if (recovered) logger.warn('marked interrupted trainings as Failed', { iterations: recovered });
  const deps: TrainingDeps = {
    config,
    projects,
    tags,
    images,
    signer,
    training,
    iterations,
    predictions,
    smartLabeler: new SmartLabeler(storage, iterations, engine),
    urlPolicy: {
      allowPrivate: config.allowPrivateUrls,
      maxBytes: config.limits.trainingImageBytes,
      timeoutMs: config.urlFetchTimeoutMs,
      maxRedirects: 3,
    },
  };
  const transfer = new ProjectTransferService({
    storage,
    projects,
    tags,
    images,
    limits: config.limits,
    fetchPolicy: deps.urlPolicy,
    logger,
  });
  const exportService = new ExportService(storage, iterations, engine, queue, logger, webhooks);
  await exportService.recoverInterrupted();
  const interruptedImports = await transfer.recoverInterrupted();
  if (interruptedImports) logger.warn('marked interrupted project imports as Failed', { projects: interruptedImports });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestId);
  app.use(collapseSlashes);
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () =>
      logger.debug('request', {
        requestId: req.requestId,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Number(process.hrtime.bigint() - start) / 1e6,
      }),
    );
    next();
  });
  app.get('/', (_req, res) => res.type('text/plain').send('cvkit server: see /openapi.json and /docs\n'));
  app.get('/openapi.json', (_req, res) => res.json({ training: trainingDocument, prediction: predictionDocument }));
  app.get('/docs', apiPage([trainingDocument as never, predictionDocument as never]));
  app.get('/openapi/training.json', (_req, res) => res.json(trainingDocument));
  app.get('/openapi/prediction.json', (_req, res) => res.json(predictionDocument));
  app.use(fileRoutes(new Downloads(storage), signer, { exportBundle: exportBundleSource(deps, transfer) }));
  const olderTraining = Object.entries(olderTrainingVersions).map(
    ([version, rules]) => [`/customvision/${version}/training`, rules] as const,
  );
  const uploadBudget = new ByteBudget(config.uploadMemoryBytes);
  const trainingApi = mountApi({
    prefixes: [
      '/customvision/v3.3/training',
      '/customvision/v3.4-preview/training',
      ...olderTraining.map(([prefix]) => prefix),
    ],
    versions: Object.fromEntries(olderTraining),
    operations: trainingOperations,
    handlers: {
      ...domainAndProjectHandlers(deps),
      ...tagHandlers(deps),
      ...imageHandlers(deps),
      ...iterationHandlers(deps),
      ...predictionHandlers(deps),
      ...exportHandlers(exportService, signer),
      ...projectTransferHandlers(deps, transfer, new ArtifactService(storage, projects)),
    },
    keyHeader: 'Training-Key',
    key: config.trainingKey,
    uploadMaxBytes: config.limits.trainingImageBytes,
    uploadMaxFiles: config.limits.imagesPerBatch,
    largeJson: { CreateImagesFromFiles: imageBatchJsonLimits(config.limits) },
    uploadBudget,
    urlBatches: { CreateImagesFromUrls: config.limits.imagesPerBatch * config.limits.trainingImageBytes },
    publicBaseUrl: config.publicBaseUrl,
    rateLimit: config.rateLimits?.training ? { tps: config.rateLimits.training } : undefined,
    logger,
  });
  const predictionApi = mountApi({
    prefixes: ['/customvision/v3.1/prediction', '/customvision/v3.0/prediction'],
    operations: predictionOperations,
    handlers: classifyHandlers(deps),
    keyHeader: 'Prediction-Key',
    key: config.predictionKey,
    uploadMaxBytes: config.limits.predictionImageBytes,
    uploadMaxFiles: 1,
    uploadBudget,
    publicBaseUrl: config.publicBaseUrl,
    rateLimit: config.rateLimits?.prediction ? { tps: config.rateLimits.prediction } : undefined,
    logger,
  });
  for (const api of [trainingApi, predictionApi]) app.use(api.prefixes, api.router);
  app.use((_req: Request, res: Response) => sendError(res, 404, 'NotFound', 'No such resource.'));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ApiError) {
      if (err.retryAfter !== undefined) res.setHeader('Retry-After', String(err.retryAfter));
      return sendError(res, err.status, err.code, err.message);
    }
    // Express's own client errors (e.g. a path segment that is not valid percent-encoding) carry a 4xx status.
    const status = (err as { status?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500)
      return sendError(res, status, 'BadRequest', 'The request is not valid: its path or query cannot be decoded.');
    logger.error('unhandled error', { requestId: req.requestId, error: (err as Error)?.stack ?? String(err) });
    sendError(res, 500, 'ErrorUnknown', 'An unexpected error occurred.');
  });

  let server: Server | undefined;
  return {
    app,
    storage,
    logger,
    engine,
    idle: async () => {
      await queue.drain();
      await webhooks.idle();
    },
    listen: () =>
      new Promise((resolve, reject) => {
        server = app.listen(config.port, config.host, () => {
          const { address, port } = server!.address() as AddressInfo;
          const host = address.includes(':') ? `[${address}]` : address;
          resolve(`http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`);
        });
        server.on('error', reject);
        // Requests Node's parser refuses (request line and headers over 16 kB, malformed HTTP, too slow) get an
        // Azure-style JSON error instead of Node's bare status line.
        server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
          const busy = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
          if (err.code === 'ECONNRESET' || !socket.writable || busy) return socket.destroy();
          const [status, message] =
            err.code === 'HPE_HEADER_OVERFLOW'
              ? ['431 Request Header Fields Too Large', 'The request line and headers are larger than 16 kB.']
              : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
                ? ['408 Request Timeout', 'The request took too long to arrive.']
                : ['400 Bad Request', 'The request is not valid HTTP.'];
          const body = JSON.stringify({ code: 'BadRequest', message });
          socket.end(
            `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\n` +
              `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
          );
        });
      }),
    close: async () => {
      await queue.drain();
      await webhooks.close();
      await transfer.close();
      if (server) {
        server.closeAllConnections?.();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      await storage.close();
    },
  };
}
