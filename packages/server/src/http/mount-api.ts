import type { NextFunction, Request, Response, Router } from 'express';
import express from 'express';
import { badRequest, noSuchOperation, notImplemented } from '../domain/errors.ts';
import type { ByteBudget } from '../jobs/semaphore.ts';
import type { Logger } from '../logging.ts';
import type { VersionRules } from './api-versions.ts';
import { bodyProblemCode } from './body-problem-codes.ts';
import type { HandlerContext } from './handler-types.ts';
import { requireApiKey } from './middleware/api-key.ts';
import { rateLimit } from './middleware/rate-limit.ts';
import { FRAMING_BYTES, readJson, readUploads, refuseContentEncoding } from './middleware/read-body.ts';
import { type LargeJsonLimits, largeJsonBody } from './middleware/read-large-json.ts';
import { admitUpload } from './middleware/upload-budget.ts';
import { sendEmpty, sendJson } from './send.ts';
import type { SpecOperation } from './spec-operations.ts';
import { bodyProblem, jsonBodySchema, validateParams } from './validate-params.ts';

type AnyHandler = (
  ctx: HandlerContext<unknown>,
) => Promise<{ status: number; body?: unknown; bytes?: Buffer; contentType?: string }>;

export interface ApiMount {
  /** URL prefixes that serve this API, e.g. `/customvision/v3.3/training`; the caller mounts the router there. */
  prefixes: string[];
  /** Rules for older versions served by the same handlers, by prefix in lower case (see api-versions.ts). */
  versions?: Record<string, VersionRules>;
  operations: SpecOperation[];
  handlers: Record<string, unknown>;
  keyHeader: string;
  key: string;
  uploadMaxBytes: number;
  uploadMaxFiles: number;
  /** Operations whose JSON bodies carry images: streamed, long strings lifted out (readLargeJson); 1 MB for others. */
  largeJson?: Record<string, LargeJsonLimits>;
  /** Memory for request bodies that carry images, shared by both APIs; uploads past it are answered 429. */
  uploadBudget?: ByteBudget;
  /** Operations whose images are fetched from URLs, with the bytes they may hold (admitted against uploadBudget). */
  urlBatches?: Record<string, number>;
  publicBaseUrl?: string;
  /** Token-bucket throttling per key (429 + Retry-After); none when undefined. */
  rateLimit?: { tps: number; burst?: number } | undefined;
  logger: Logger;
}

/**
 * Builds the router for one API from the contract: one route per operation, with auth first (so nothing is read
 * from an unauthenticated client), then throttling when configured, then parameter validation, then the body
 * reader the operation's content types call for, then the handler. Paths match case-insensitively (Express's default), as Azure's do.
 */
export function mountApi(m: ApiMount): { prefixes: string[]; router: Router } {
  const router = express.Router({ caseSensitive: false, strict: false });
  router.use(requireApiKey(m.keyHeader, m.key));
  if (m.rateLimit) router.use(rateLimit({ ...m.rateLimit, keyHeader: m.keyHeader }));
  router.use(refuseContentEncoding);
  // Static segments before parameters, so `/projects/import` is never read as `/projects/{projectId}`.
  const ops = [...m.operations].sort((a, b) => paramCount(a.path) - paramCount(b.path));
  for (const op of ops) {
    const path = op.path.replace(/\{(\w+)\}/g, ':$1');
    const handler = m.handlers[op.operationId] as AnyHandler | undefined;
    const readers = bodyReaders(op, m);
    // Parameters are checked before the body is read, so a request with a bad id or enum costs no upload.
    const params = (req: Request, res: Response, next: NextFunction) => {
      try {
        const rules = m.versions?.[req.baseUrl.toLowerCase()];
        if (rules?.missing.has(op.operationId)) throw noSuchOperation();
        res.locals.versionRules = rules;
        const query = new URL(req.originalUrl, 'http://x').searchParams;
        res.locals.params = validateParams(op, req.params as Record<string, string>, query);
        if (!handler) throw notImplemented(op.operationId);
        next();
      } catch (e) {
        next(e);
      }
    };
    router[op.method](path, params, ...readers, async (req: Request, res: Response, next: NextFunction) => {
      try {
        if (!handler) throw notImplemented(op.operationId);
        const params = res.locals.params as Record<string, unknown>;
        if (op.bodyTypes.includes('application/json')) {
          // Every JSON body in the contract is an object; `null` counts as no body.
          if (req.body === null) req.body = undefined;
          if (op.bodyRequired && req.body === undefined)
            throw badRequest('BadRequestRequiredParamIsNull', 'The request body is required.');
          if (req.body !== undefined && (typeof req.body !== 'object' || Array.isArray(req.body)))
            throw badRequest('BadRequest', 'The request body must be a JSON object.');
          // Checked against the contract before the handler runs, answered with the code Azure gives for the field.
          const problem = req.body === undefined ? undefined : bodyProblem(jsonBodySchema(op), req.body);
          const code = problem && bodyProblemCode(op.operationId, problem);
          if (problem && code !== 'perEntry')
            throw badRequest(code!, `The request body does not match the contract: ${problem.message}.`);
        }
        const result = await handler({
          params,
          body: req.body,
          files: req.uploads ?? [],
          baseUrl: m.publicBaseUrl ?? `${req.protocol}://${req.get('host')}`,
          requestId: req.requestId,
          req,
        } as HandlerContext<unknown>);
        const rules = res.locals.versionRules as VersionRules | undefined;
        if (rules) {
          result.status = rules.status(op.operationId, result.status);
          if (result.body !== undefined) result.body = rules.reshape(op.operationId, result.body);
        }
        if (result.bytes) {
          res
            .status(result.status)
            .type(result.contentType ?? 'application/octet-stream')
            .end(result.bytes);
        } else if ('body' in result) sendJson(res, result.status, result.body);
        else sendEmpty(res, result.status);
      } catch (e) {
        next(e);
      }
    });
  }
  // Unknown paths under the API answer Azure-style, after auth, rather than falling through to other routers.
  router.use((_req: Request, _res: Response, next: NextFunction) => next(noSuchOperation()));
  return { prefixes: m.prefixes, router };
}

function paramCount(path: string): number {
  return (path.match(/\{/g) ?? []).length;
}

function bodyReaders(op: SpecOperation, m: ApiMount) {
  const admit = (maxBytes: number, fixed?: number) =>
    m.uploadBudget ? [admitUpload(m.uploadBudget, { maxBytes, fixed })] : [];
  if (op.bodyTypes.includes('multipart/form-data')) {
    return [
      ...admit(m.uploadMaxFiles * m.uploadMaxBytes + FRAMING_BYTES),
      readUploads({ maxBytes: m.uploadMaxBytes, maxFiles: m.uploadMaxFiles }),
    ];
  }
  const large = m.largeJson?.[op.operationId];
  if (large) return [...admit(large.maxBytes), largeJsonBody(large)];
  const fetched = m.urlBatches?.[op.operationId];
  if (op.bodyTypes.includes('application/json')) return [...(fetched ? admit(fetched, fetched) : []), readJson('1mb')];
  return [];
}
