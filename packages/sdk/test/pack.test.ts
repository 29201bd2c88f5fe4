/**
 * The published package works: `npm pack` (which builds through `prepack`), install the tarball into a scratch
 * project offline, then type-check and run an ESM and a CommonJS TypeScript file that import it.
 *
 * It takes about 30 s (most of it the declaration build), so it runs on demand:
 *   npm run test:pack -w @cvkit/sdk        (or CVKIT_TEST_PACK=1 with any vitest run)
 *
 * While it runs, packages/sdk/package.json briefly points at dist (see scripts/pack-manifest.mjs at the repository
 * root); the test checks that it is restored byte for byte.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const enabled = process.env.CVKIT_TEST_PACK === '1' || process.env.npm_lifecycle_event === 'test:pack';
if (!enabled) console.warn('pack: skipped; run `npm run test:pack -w @cvkit/sdk` or set CVKIT_TEST_PACK=1.');

const sdkDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(sdkDir, '../..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const shell = process.platform === 'win32';

// Asynchronous: on a busy machine a pack or an install takes over a minute, and a worker blocked that long loses its
// link to the test runner ("Timeout calling onTaskUpdate").
async function run(command: string, args: string[], cwd: string): Promise<string> {
  return (await promisify(execFile)(command, args, { cwd, encoding: 'utf8', shell })).stdout;
}

const esmSource = `
import { CustomVisionError, NotFoundError, PredictionClient, TrainingClient, type TrainingModels } from '@cvkit/sdk';
import { imageFromFile } from '@cvkit/sdk/node';

// A stand-in for the service, so the check needs no network.
const fakeFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  const url = new URL(request.url);
  if (url.pathname === '/customvision/v3.3/training/projects') {
    if (request.headers.get('training-key') !== 'cvkit-dev-training-key') return new Response(null, { status: 401 });
    return Response.json([{ name: 'trees', description: null, settings: {} }]);
  }
  if (url.pathname.endsWith('/classify/iterations/prod/image')) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    return Response.json({ id: 'x', predictions: [{ tagName: 'size-' + bytes.length, probability: 0.9 }] });
  }
  return Response.json({ code: 'NotFoundProject', message: 'no such project' }, { status: 404 });
};

const trainer = new TrainingClient({ endpoint: 'http://localhost:3000', trainingKey: 'cvkit-dev-training-key', fetch: fakeFetch });
const projects: TrainingModels.Project[] = await trainer.getProjects();
if (projects[0]?.name !== 'trees') throw new Error('unexpected projects ' + JSON.stringify(projects));

try {
  await trainer.getProject('missing');
  throw new Error('expected a NotFoundError');
} catch (error) {
  if (!(error instanceof NotFoundError) || !(error instanceof CustomVisionError) || error.code !== 'NotFoundProject') throw error;
}

const predictor = new PredictionClient({ endpoint: 'http://localhost:3000', predictionKey: 'k', fetch: fakeFetch });
const result = await predictor.classifyImage('p', 'prod', await imageFromFile('pixel.jpg'));
if (result.predictions?.[0]?.tagName !== 'size-4') throw new Error('unexpected prediction ' + JSON.stringify(result));
console.log('esm ok');
`;

const cjsSource = `
import { NotFoundError, TrainingClient } from '@cvkit/sdk';
import { imagesFromFiles } from '@cvkit/sdk/node';

const fakeFetch: typeof fetch = async () => Response.json({ code: 'NotFoundProject', message: 'gone' }, { status: 404 });

async function main(): Promise<void> {
  const trainer = new TrainingClient({ endpoint: 'http://localhost:3000', trainingKey: 'k', fetch: fakeFetch, retry: false });
  const error = await trainer.getProject('p').then(() => undefined, (e: unknown) => e);
  if (!(error instanceof NotFoundError)) throw new Error('expected a NotFoundError, got ' + String(error));
  const files = await imagesFromFiles(['pixel.jpg']);
  if (files[0]?.name !== 'pixel.jpg' || files[0].size !== 4) throw new Error('imagesFromFiles');
  console.log('cjs ok');
}
main().catch((error) => {
  console.error(error);
  throw error;
});
`;

// No @types/node and skipLibCheck off: the published declarations must stand on their own (DOM lib only).
const scratchTsconfig = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023', 'DOM', 'DOM.Iterable'],
    types: [],
    strict: true,
    skipLibCheck: false,
    outDir: 'out',
    rootDir: '.',
  },
  files: ['esm.mts', 'cjs.cts'],
};

describe.skipIf(!enabled)('npm pack produces a working package', () => {
  const work = mkdtempSync(join(tmpdir(), 'cvkit-sdk-pack-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('packs, installs offline, type-checks and runs from ESM and CommonJS', { timeout: 300_000 }, async () => {
    const manifestBefore = readFileSync(join(sdkDir, 'package.json'), 'utf8');
    try {
      await run('npm', ['pack', '--pack-destination', work], sdkDir);
    } finally {
      // postpack restores it; make sure even when the pack failed midway.
      if (existsSync(join(sdkDir, 'package.workspace.json')))
        await run('node', [join(repoRoot, 'scripts/pack-manifest.mjs'), 'restore'], sdkDir);
    }
    expect(readFileSync(join(sdkDir, 'package.json'), 'utf8')).toBe(manifestBefore);

    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();

    const scratch = join(work, 'scratch');
    mkdirSync(scratch);
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, version: '0.0.0' }));
    try {
      await run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(work, tarball!)], scratch);
    } catch (error) {
      // Without ky in the npm cache an offline install cannot work; fall back to unpacking by hand.
      console.warn(`pack: offline npm install failed, copying the package by hand instead:\n${String(error)}`);
      const modules = join(scratch, 'node_modules');
      mkdirSync(join(modules, '@cvkit'), { recursive: true });
      await run('tar', ['-xzf', join(work, tarball!), '-C', join(modules, '@cvkit')], scratch);
      cpSync(join(modules, '@cvkit/package'), join(modules, '@cvkit/sdk'), { recursive: true });
      rmSync(join(modules, '@cvkit/package'), { recursive: true });
      cpSync(join(repoRoot, 'node_modules/ky'), join(modules, 'ky'), { recursive: true, dereference: true });
    }

    const installed = join(scratch, 'node_modules/@cvkit/sdk');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(manifest.exports['.'].import.default).toBe('./dist/index.js');
    expect(manifest.publishConfig).toBeUndefined();
    expect(readdirSync(installed).sort()).toEqual(['README.md', 'dist', 'package.json']);
    // The default entry must run in browsers: no Node built-ins, and the CommonJS build carries ky inside.
    for (const file of ['index.js', 'index.cjs']) {
      const code = readFileSync(join(installed, 'dist', file), 'utf8');
      expect(code).not.toMatch(/from ['"](node:)?(fs|path|url|os|stream|buffer|crypto|http|https)['"]/);
      expect(code).not.toMatch(/require\(/);
    }
    expect(readFileSync(join(installed, 'dist/index.d.ts'), 'utf8')).not.toContain('@cvkit/api-types');

    writeFileSync(join(scratch, 'esm.mts'), esmSource);
    writeFileSync(join(scratch, 'cjs.cts'), cjsSource);
    writeFileSync(join(scratch, 'pixel.jpg'), new Uint8Array([0xff, 0xd8, 0xff, 0xd9]));
    writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify(scratchTsconfig, null, 2));

    await run('node', [tsc, '-p', 'tsconfig.json', '--noEmit'], scratch);
    await run('node', [tsc, '-p', 'tsconfig.json'], scratch);
    expect(await run('node', ['out/esm.mjs'], scratch)).toContain('esm ok');
    expect(await run('node', ['out/cjs.cjs'], scratch)).toContain('cjs ok');
  });
});
