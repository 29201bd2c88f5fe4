/**
 * exportDocker on the real backbone: the package is written to disk and its app run with node
 * (no Docker engine here: run-app.ts), then real and sharp-made images are POSTed to it and its
 * probabilities compared with backbone + head run by TF.js in-process. Plus the package's files,
 * the response shape of Custom Vision's exported containers, its routes and errors, and flavors.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_DEPENDENCIES } from '../../../src/export/docker/app-sources.ts';
import {
  ExportError,
  type ExportFile,
  exportDocker,
  exportTfjs,
  InvalidExportOptionsError,
  type LinearHead,
  type TfjsGraphBackbone,
} from '../../../src/export/index.ts';
import { loadDatasets } from '../consumers/dataset-heads.ts';
import {
  InProcessClassifier,
  initTf,
  loadMidBackbone,
  maxAbsDiff,
  preprocess,
  REPO_ROOT,
  randomHead,
  syntheticImages,
  TEST_LABELS,
  type TestImage,
} from '../helpers/fixtures.ts';
import { type RunningApp, removePackage, startApp, writePackage } from './run-app.ts';

const TOLERANCE = 1e-3;
const FEATURE_DIM = 1792;
const EXPORTED_DATE = '2026-01-01T00:00:00.000Z';
const DATASETS = loadDatasets();
const measured: string[] = [];

let backbone: TfjsGraphBackbone;
let reference: InProcessClassifier;
let head: LinearHead;
let files: ExportFile[];
let packageDir: string;
let app: RunningApp;
let synthetic: TestImage[];

beforeAll(async () => {
  const backend = await initTf();
  backbone = loadMidBackbone();
  head = randomHead(41, FEATURE_DIM, 'softmax');
  files = await exportDocker({ backbone, head, flavor: 'Linux', exportedDate: EXPORTED_DATE });
  packageDir = writePackage(files);
  [reference, app, synthetic] = await Promise.all([
    InProcessClassifier.load(backbone),
    startApp(packageDir),
    syntheticImages(),
  ]);
  measured.push(`tfjs backend in-process ${backend}; ${app.output().trim()}`);
}, 60_000);

afterAll(async () => {
  await app?.stop();
  reference?.dispose();
  if (packageDir) removePackage(packageDir);
  console.info(`Docker app parity:\n  ${measured.join('\n  ')}`);
});

const text = (file: ExportFile) => new TextDecoder().decode(file.bytes);
const fileAt = (p: string) => {
  const found = files.find((f) => f.path === p);
  if (!found) throw new Error(`no ${p} in ${files.map((f) => f.path)}`);
  return found;
};

interface Prediction {
  boundingBox: null;
  probability: number;
  tagId: string;
  tagName: string;
}
interface ContainerResponse {
  created: string;
  id: string;
  iteration: string;
  predictions: Prediction[];
  project: string;
}

async function post(route: string, body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app.url}${route}`, { method: 'POST', body, headers });
}

async function predict(route: string, body: BodyInit, headers?: Record<string, string>): Promise<ContainerResponse> {
  const response = await post(route, body, headers);
  const answer = await response.text();
  expect(response.status, `${route}: ${answer}\n${app.output()}`).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json');
  return JSON.parse(answer) as ContainerResponse;
}

/** Probabilities in labels order; tags the container left out (≤ 1e-8) count as 0. */
function probabilitiesOf(response: ContainerResponse, labels: readonly string[]): number[] {
  const byTag = new Map(response.predictions.map((p) => [p.tagName, p.probability]));
  return labels.map((label) => byTag.get(label) ?? 0);
}

async function parity(images: { name: string; bytes: Buffer }[], label: string): Promise<void> {
  let worst = 0;
  for (const image of images) {
    const response = await predict('/image', new Uint8Array(image.bytes), {
      'content-type': 'application/octet-stream',
    });
    const expected = reference.probabilities(await preprocess(image.bytes), head);
    const diff = maxAbsDiff(probabilitiesOf(response, head.labels), expected);
    expect(diff, image.name).toBeLessThanOrEqual(TOLERANCE);
    worst = Math.max(worst, diff);
  }
  measured.push(`${label}: max |Δp| = ${worst.toExponential(2)} over ${images.length} images`);
}

describe('exportDocker (Linux): the package', () => {
  it('has a Dockerfile on node:20-slim, the app, labels.txt, a manifest, and the TF.js export unchanged', async () => {
    expect(files.map((f) => f.path)).toEqual([
      'Dockerfile',
      '.dockerignore',
      'README.md',
      'cvexport.manifest',
      'app/package.json',
      'app/server.js',
      'app/model.js',
      'app/preprocess.js',
      'app/multipart.js',
      'app/response.js',
      'app/labels.txt',
      'app/model/model.json',
      'app/model/group1-shard1of2.bin',
      'app/model/group1-shard2of2.bin',
      'app/model/labels.txt',
      'app/model/cvexport.manifest',
      'app/model/metadata_properties.json',
      'app/model/README.md',
    ]);
    const dockerfile = text(fileAt('Dockerfile'));
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    expect(dockerfile).toMatch(/^COPY app\/package\.json \.\/$/m);
    expect(dockerfile).toMatch(/^RUN npm install --omit=dev /m);
    expect(dockerfile).toMatch(/^EXPOSE 80$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "server\.js"\]$/m);
    expect(text(fileAt('app/labels.txt'))).toBe(`${TEST_LABELS.join('\n')}\n`);

    // app/model/ is exactly what exportTfjs makes from the same source.
    const tfjs = await exportTfjs({ backbone, head, exportedDate: EXPORTED_DATE });
    for (const f of tfjs)
      expect(Buffer.from(fileAt(`app/model/${f.path}`).bytes).equals(Buffer.from(f.bytes))).toBe(true);

    const manifest = JSON.parse(text(fileAt('cvexport.manifest')));
    expect(manifest).toMatchObject({
      DomainType: 'Classification',
      Platform: 'DockerFile',
      Flavor: 'Linux',
      ModelFileName: 'app/model/model.json',
      LabelFileName: 'app/labels.txt',
      MetadataPropsFileName: 'app/model/metadata_properties.json',
      ExportedDate: EXPORTED_DATE,
    });
    expect(manifest.Cvkit.Input).toMatchObject({ Shape: [1, 224, 224, 3], ChannelOrder: 'RGB', PixelRange: [0, 255] });
    expect(manifest.Cvkit.Preprocess).toMatchObject({ ExifOrientation: 'apply', Crop: 'center-square' });
    expect(manifest.Cvkit.Docker).toMatchObject({ BaseImage: 'node:20-slim', Port: 80 });
    for (const p of files.map((f) => f.path).filter((p) => p.startsWith('app/') && p.endsWith('.js'))) {
      expect(text(fileAt('README.md'))).toContain(`\`${p}\``);
    }
  }, 30_000);

  it('pins the dependency versions this repository runs the app with', () => {
    const pkg = JSON.parse(text(fileAt('app/package.json')));
    expect(pkg).toMatchObject({ type: 'module', main: 'server.js', dependencies: APP_DEPENDENCIES });
    for (const [name, version] of Object.entries(APP_DEPENDENCIES)) {
      const installed = JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8'));
      expect(installed.version, name).toBe(version);
    }
  });
});

describe('exportDocker (Linux): the app, run with node', () => {
  it('POST /image with raw bytes matches TF.js in-process within 1e-3 (sharp-made images, one EXIF-rotated)', async () => {
    await parity(synthetic, 'synthetic, raw body');
  }, 60_000);

  it('answers the JSON of Custom Vision’s exported containers', async () => {
    const response = await predict('/image', new Uint8Array(synthetic[0]!.bytes), { 'content-type': 'image/png' });
    // Flask's jsonify sorts keys; predict.py fills these fields so.
    expect(Object.keys(response)).toEqual(['created', 'id', 'iteration', 'predictions', 'project']);
    expect(response).toMatchObject({ id: '', iteration: '', project: '' });
    // datetime.utcnow().isoformat(): microseconds, no time zone; within a minute of now.
    expect(response.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(Math.abs(Date.parse(`${response.created.slice(0, 23)}Z`) - Date.now())).toBeLessThan(60_000);
    // labels.txt order, 8 decimals, nothing at or below 1e-8.
    const names = response.predictions.map((p) => p.tagName);
    expect(names).toEqual(TEST_LABELS.filter((l) => names.includes(l)));
    expect(names.length).toBeGreaterThan(0);
    for (const p of response.predictions) {
      expect(Object.keys(p)).toEqual(['boundingBox', 'probability', 'tagId', 'tagName']);
      expect(p).toMatchObject({ boundingBox: null, tagId: '' });
      expect(p.probability).toBeGreaterThan(1e-8);
      expect(Math.round(p.probability * 1e8) / 1e8).toBe(p.probability);
    }
  }, 30_000);

  it('multipart imageData (with or without a filename), /url and the project routes give the same answer', async () => {
    const image = synthetic[1]!;
    const expected = probabilitiesOf(await predict('/image', new Uint8Array(image.bytes)), head.labels);
    const same = async (response: Promise<ContainerResponse>, what: string) =>
      expect(probabilitiesOf(await response, head.labels), what).toEqual(expected);

    const form = new FormData();
    form.append('note', 'ignored');
    form.append('imageData', new Blob([new Uint8Array(image.bytes)], { type: 'image/jpeg' }), image.name);
    await same(predict('/image', form), 'multipart with filename');

    // A part without filename, as SDKs sending bare buffers write it, and binary-unsafe for text parsers.
    const boundary = 'cvkit-test-boundary';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="imageData"\r\n\r\n`),
      image.bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    await same(
      predict('/image', new Uint8Array(body), { 'content-type': `multipart/form-data; boundary=${boundary}` }),
      'multipart without filename',
    );

    for (const route of ['/p1/image', '/p1/image/nostore', '/p1/classify/iterations/Iteration1/image/nostore']) {
      await same(predict(route, new Uint8Array(image.bytes)), route);
    }

    const imageServer = http.createServer((req, res) => {
      if (req.url === '/photo.jpg') res.writeHead(200, { 'content-type': 'image/jpeg' }).end(image.bytes);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => imageServer.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = imageServer.address() as AddressInfo;
      const json = (url: string) => JSON.stringify({ url });
      await same(
        predict('/url', json(`http://127.0.0.1:${port}/photo.jpg`), { 'content-type': 'application/json' }),
        '/url',
      );
      await same(predict('/p1/url/nostore', json(`http://127.0.0.1:${port}/photo.jpg`)), '/p1/url/nostore');
      const missing = await post('/url', json(`http://127.0.0.1:${port}/missing.jpg`));
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({ code: 'BadRequestImageUrl' });
    } finally {
      imageServer.close();
    }
  }, 30_000);

  it('real photos (azure-cv-trees, ai102-fruit; EXIF orientations 0, 1 and 3): within 1e-3', async () => {
    for (const dataset of DATASETS.datasets) {
      await parity([...dataset.training, ...dataset.heldOut], dataset.name);
    }
  }, 60_000);

  it('refuses what is not an image, too large a body, unknown routes and other methods', async () => {
    const notImage = await post('/image', 'definitely not an image');
    expect(notImage.status).toBe(400);
    expect(await notImage.json()).toMatchObject({ code: 'BadRequestImageFormat' });

    const noField = new FormData();
    noField.append('somethingElse', new Blob([new Uint8Array(synthetic[0]!.bytes)]), 'x.png');
    const missingField = await post('/image', noField);
    expect(missingField.status).toBe(400);

    // Custom Vision's containers take at most 4 MB per request.
    const huge = await sharp({
      create: {
        width: 1400,
        height: 1400,
        channels: 3,
        background: { r: 0, g: 0, b: 0 },
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(huge.length).toBeGreaterThan(4 * 1024 * 1024);
    const tooLarge = await post('/image', new Uint8Array(huge));
    expect(tooLarge.status).toBe(413);

    const badUrl = await post('/url', JSON.stringify({ url: 'file:///etc/passwd' }));
    expect(badUrl.status).toBe(400);
    expect((await post('/url', 'not json')).status).toBe(400);
    expect((await post('/predict', 'x')).status).toBe(404);
    expect((await fetch(`${app.url}/image`)).status).toBe(405);
    const home = await fetch(`${app.url}/`);
    expect(home.status).toBe(200);
    // Still serving after all that.
    await predict('/image', new Uint8Array(synthetic[2]!.bytes));
  }, 30_000);

  it('exits cleanly on SIGTERM (what docker stop sends; node as PID 1 has no default handler)', async () => {
    expect(await app.stop(10_000)).toEqual({ code: 0, signal: null });
  }, 30_000);
});

describe('exportDocker flavors', () => {
  it('ARM: the same app and model, with ARM build notes and Flavor ARM', async () => {
    const arm = await exportDocker({ backbone, head, flavor: 'ARM', exportedDate: EXPORTED_DATE });
    expect(arm.map((f) => f.path)).toEqual(files.map((f) => f.path));
    const differing = arm
      .filter((f, i) => !Buffer.from(f.bytes).equals(Buffer.from(files[i]!.bytes)))
      .map((f) => f.path);
    expect(differing).toEqual(['Dockerfile', 'README.md', 'cvexport.manifest']);
    const armText = (p: string) => new TextDecoder().decode(arm.find((f) => f.path === p)!.bytes);
    expect(armText('Dockerfile')).toContain('--platform linux/arm64');
    expect(armText('Dockerfile')).toMatch(/^FROM node:20-slim$/m);
    expect(JSON.parse(armText('cvexport.manifest'))).toMatchObject({ Platform: 'DockerFile', Flavor: 'ARM' });
    // null is Custom Vision's default flavor: Linux.
    const byDefault = await exportDocker({ backbone, head, flavor: null, exportedDate: EXPORTED_DATE });
    expect(byDefault.every((f, i) => Buffer.from(f.bytes).equals(Buffer.from(files[i]!.bytes)))).toBe(true);
  }, 30_000);

  it('Windows (and anything else) is refused with InvalidExportOptionsError', async () => {
    const windows = exportDocker({ backbone, head, flavor: 'Windows' });
    await expect(windows).rejects.toThrow(InvalidExportOptionsError);
    await expect(windows).rejects.toThrow(/Windows/);
    const error = await exportDocker({ backbone, head, flavor: 'Raspbian' as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportError);
    expect((error as ExportError).code).toBe('InvalidOptions');
  });
});
