import { delay, HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import {
  BadRequestError,
  ConflictError,
  ConnectionError,
  CustomVisionError,
  ForbiddenError,
  NotFoundError,
  RateLimitError,
  ServerError,
  TimeoutError,
  TrainingClient,
  UnauthorizedError,
} from '../src/index.js';
import { endpoint, server, trainingBase, useMockServer } from './support/msw.js';

useMockServer();

const trainer = new TrainingClient({ endpoint, trainingKey: 'k', retry: false });
const projectUrl = `${trainingBase}/projects/p-1`;

function answer(status: number, body: unknown, headers: Record<string, string> = {}) {
  server.use(
    http.get(projectUrl, () =>
      typeof body === 'string'
        ? new HttpResponse(body, { status, headers })
        : HttpResponse.json(body as object, { status, headers: { 'apim-request-id': 'req-42', ...headers } }),
    ),
  );
}

async function failure(promise: PromiseLike<unknown>): Promise<CustomVisionError> {
  try {
    await promise;
  } catch (error) {
    return error as CustomVisionError;
  }
  throw new Error('expected the call to fail');
}

describe('HTTP errors map onto one class per kind', () => {
  const cases = [
    [400, BadRequestError, 'BadRequestProjectName'],
    [401, UnauthorizedError, 'Unauthorized'],
    [403, ForbiddenError, 'ForbiddenUser'],
    [404, NotFoundError, 'NotFoundProject'],
    [409, ConflictError, 'Conflict'],
    [429, RateLimitError, 'TooManyRequests'],
    [500, ServerError, 'ErrorUnknown'],
    [503, ServerError, 'ErrorPredictionServiceUnavailable'],
  ] as const;

  it.each(cases)('%i → %o', async (status, ErrorClass, code) => {
    answer(status, { code, message: `message for ${status}` });
    const error = await failure(trainer.getProject('p-1'));
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toBeInstanceOf(CustomVisionError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(ErrorClass.name);
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
    expect(error.requestId).toBe('req-42');
    expect(error.operationId).toBe('GetProject');
    expect(error.body).toEqual({ code, message: `message for ${status}` });
    expect(error.response).toBeInstanceOf(Response);
    expect(error.response?.status).toBe(status);
    expect(error.message).toContain(`message for ${status}`);
    expect(error.message).toContain(code);
    expect(error.message).toContain('req-42');
  });

  it('reads the API Management gateway shape {error: {code, message}}', async () => {
    answer(401, { error: { code: '401', message: 'Access denied due to invalid subscription key.' } });
    const error = await failure(trainer.getProject('p-1'));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.code).toBe('401');
    expect(error.message).toContain('Access denied');
  });

  it('reads the {statusCode, message} shape and non-JSON bodies', async () => {
    answer(403, { statusCode: 403, message: 'Out of call volume quota.' });
    const quota = await failure(trainer.getProject('p-1'));
    expect(quota).toBeInstanceOf(ForbiddenError);
    expect(quota.code).toBeUndefined();
    expect(quota.message).toContain('Out of call volume quota.');

    answer(502, '<html>Bad Gateway</html>', { 'content-type': 'text/html' });
    const gateway = await failure(trainer.getProject('p-1'));
    expect(gateway).toBeInstanceOf(ServerError);
    expect(gateway.body).toBe('<html>Bad Gateway</html>');
  });

  it('maps other statuses to the base class and keeps unknown codes', async () => {
    answer(415, { code: 'UnsupportedMediaType', message: 'nope' });
    const error = await failure(trainer.getProject('p-1'));
    expect(error.constructor).toBe(CustomVisionError);
    expect(error.status).toBe(415);
    expect(error.code).toBe('UnsupportedMediaType');

    answer(400, { code: 'SomeFutureCode', message: 'new' });
    expect((await failure(trainer.getProject('p-1'))).code).toBe('SomeFutureCode');
  });

  it('carries Retry-After on RateLimitError', async () => {
    answer(429, { code: '429', message: 'Rate limit is exceeded.' }, { 'retry-after': '7' });
    const error = await failure(trainer.getProject('p-1'));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(7000);
  });
});

describe('failures without an HTTP answer', () => {
  it('a network failure is a ConnectionError with the cause attached', async () => {
    server.use(http.get(projectUrl, () => HttpResponse.error()));
    const error = await failure(trainer.getProject('p-1'));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toBeInstanceOf(CustomVisionError);
    expect(error.status).toBeUndefined();
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('a slow answer is a TimeoutError, which is also a ConnectionError', async () => {
    server.use(
      http.get(projectUrl, async () => {
        await delay(500);
        return HttpResponse.json({});
      }),
    );
    const error = await failure(trainer.getProject('p-1', { timeout: 20 }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toContain('20 ms');
  });

  it('a caller abort rejects with the signal reason, not a CustomVisionError', async () => {
    server.use(
      http.get(projectUrl, async () => {
        await delay(500);
        return HttpResponse.json({});
      }),
    );
    const controller = new AbortController();
    const pending = trainer.getProject('p-1', { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user cancelled')), 10);
    await expect(pending).rejects.toThrow('user cancelled');
  });

  it('an invalid JSON success body is a CustomVisionError', async () => {
    server.use(http.get(projectUrl, () => new HttpResponse('{not json', { status: 200 })));
    const error = await failure(trainer.getProject('p-1'));
    expect(error).toBeInstanceOf(CustomVisionError);
    expect(error.message).toContain('not valid JSON');
  });
});
