/**
 * An image classifier exported by cvkit, served with the API of Custom Vision's exported
 * containers:
 *
 *   POST /image   the image bytes as the body (any content type), or multipart/form-data with
 *                 the image in the field `imageData`
 *   POST /url     {"url": "https://…/image.jpg"}
 *
 * Also under /{project}/…, /{project}/…/nostore and /{project}/classify/iterations/{name}/…, as
 * the containers accept. Answers the containers' JSON (response.js). Listens on $PORT (80).
 */
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, loadClassifier } from './model.js';
import { multipartField } from './multipart.js';
import { ImageError, preprocess } from './preprocess.js';
import { predictionResponse } from './response.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The containers' Flask apps take at most 4 MB per request. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const URL_TIMEOUT_MS = 15_000;
const ROUTE = /^\/(?:[^/]+\/)?(?:(?:classify|detect)\/iterations\/[^/]+\/)?(image|url)(?:\/nostore)?\/?$/;

class HttpError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    const onData = (chunk) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > MAX_BODY_BYTES) {
        // Answer now, and let the rest of the body drain so the client can read the answer.
        request.off('data', onData);
        request.resume();
        reject(new HttpError(413, 'BadRequestImageSizeBytes', `the body is over ${MAX_BODY_BYTES} bytes`));
      }
    };
    request.on('data', onData);
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function imageFromBody(body, contentType) {
  if (/^multipart\/form-data/i.test(contentType ?? '')) {
    const field = multipartField(body, contentType, 'imageData');
    if (!field) throw new HttpError(400, 'BadRequestImageFormat', 'multipart body without an imageData field');
    return field;
  }
  return body;
}

async function imageFromUrl(body) {
  let url;
  try {
    url = new URL(JSON.parse(body.toString('utf8')).url);
  } catch {
    throw new HttpError(400, 'BadRequestImageUrl', 'expected a JSON body {"url": "http(s)://…"}');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HttpError(400, 'BadRequestImageUrl', `unsupported URL scheme ${url.protocol}`);
  }
  let response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(URL_TIMEOUT_MS) });
  } catch (error) {
    throw new HttpError(400, 'BadRequestImageUrl', `could not fetch the image: ${error.message}`);
  }
  if (!response.ok) throw new HttpError(400, 'BadRequestImageUrl', `fetching the image answered ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > MAX_BODY_BYTES) {
    throw new HttpError(400, 'BadRequestImageSizeBytes', `the image is over ${MAX_BODY_BYTES} bytes`);
  }
  return bytes;
}

function send(response, status, body) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

async function main() {
  const backend = await initBackend();
  const classifier = await loadClassifier(path.join(here, 'model'), path.join(here, 'labels.txt'));

  async function handle(request, response) {
    const route = ROUTE.exec(new URL(request.url, 'http://localhost').pathname)?.[1];
    if (request.method === 'GET' && request.url === '/')
      return send(response, 200, 'cvkit model host (Custom Vision exported-container API)');
    if (!route) return send(response, 404, { code: 'NotFound', message: `no route ${request.method} ${request.url}` });
    if (request.method !== 'POST') return send(response, 405, { code: 'MethodNotAllowed', message: 'use POST' });
    const body = await readBody(request);
    const image = route === 'image' ? imageFromBody(body, request.headers['content-type']) : await imageFromUrl(body);
    const pixels = await preprocess(image, classifier.inputSize);
    send(response, 200, predictionResponse(classifier.probabilities(pixels), classifier.labels));
  }

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error) => {
      if (error instanceof HttpError) return send(response, error.status, { code: error.code, message: error.message });
      if (error instanceof ImageError)
        return send(response, 400, { code: 'BadRequestImageFormat', message: error.message });
      console.error(error);
      send(response, 500, { code: 'InternalServerError', message: 'Error processing image' });
    });
  });
  // As PID 1 in a container, node gets no default signal handling: stop on SIGTERM/SIGINT ourselves.
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
  const port = Number(process.env.PORT ?? 80);
  server.listen(port, () => {
    const { labels, inputSize } = classifier;
    console.log(
      `listening on port ${server.address().port} (${labels.length} tags, ${inputSize}×${inputSize} input, tfjs ${backend})`,
    );
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
