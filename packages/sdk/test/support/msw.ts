import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** One msw server per test file; any request without a handler fails the test. */
export const server = setupServer();

export function useMockServer(): void {
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
}

export const endpoint = 'https://example-cv.cognitiveservices.azure.com';
export const trainingBase = `${endpoint}/customvision/v3.3/training`;
export const predictionBase = `${endpoint}/customvision/v3.1/prediction`;

/** What the SDK sent, read inside an msw resolver. */
export interface SentRequest {
  method: string;
  url: URL;
  headers: Headers;
  contentType: string | null;
  /** Parsed JSON, multipart parts, raw bytes, or undefined when there was no body. */
  body:
    | { kind: 'none' }
    | { kind: 'json'; value: unknown }
    | { kind: 'multipart'; parts: { field: string; name: string; bytes: number[] }[] }
    | { kind: 'bytes'; bytes: number[] };
}

export async function readSent(request: Request): Promise<SentRequest> {
  const contentType = request.headers.get('content-type');
  const base = { method: request.method, url: new URL(request.url), headers: request.headers, contentType };
  if (contentType?.startsWith('multipart/form-data')) {
    const form = await request.formData();
    const parts: { field: string; name: string; bytes: number[] }[] = [];
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') throw new Error(`unexpected text part ${field}`);
      parts.push({ field, name: value.name, bytes: [...new Uint8Array(await value.arrayBuffer())] });
    }
    return { ...base, body: { kind: 'multipart', parts } };
  }
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.length === 0) return { ...base, body: { kind: 'none' } };
  if (contentType?.startsWith('application/json')) {
    return { ...base, body: { kind: 'json', value: JSON.parse(new TextDecoder().decode(bytes)) } };
  }
  return { ...base, body: { kind: 'bytes', bytes: [...bytes] } };
}
