import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_PREDICTION_KEY, DEV_TRAINING_KEY } from '../src/config.ts';
import { portalRoutes } from '../src/http/portal.ts';

async function serve(router: express.Router): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express().use(router);
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

describe('portal routes', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cvkit-portal-dist-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>portal</title>');
    writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('tells the portal the development keys only while the server runs with them', async () => {
    const dev = await serve(portalRoutes({ trainingKey: DEV_TRAINING_KEY, predictionKey: DEV_PREDICTION_KEY }, dir));
    const configured = await serve(portalRoutes({ trainingKey: 'secret-t', predictionKey: DEV_PREDICTION_KEY }, dir));
    try {
      expect(await (await fetch(`${dev.url}/portal/config.json`)).json()).toEqual({
        developmentKeys: { trainingKey: DEV_TRAINING_KEY, predictionKey: DEV_PREDICTION_KEY },
      });
      const res = await fetch(`${configured.url}/portal/config.json`);
      const text = await res.text();
      expect(text).not.toContain('secret-t');
      expect(JSON.parse(text)).toEqual({ developmentKeys: { trainingKey: null, predictionKey: DEV_PREDICTION_KEY } });
      expect(res.headers.get('cache-control')).toBe('no-store');
    } finally {
      await Promise.all([dev.close(), configured.close()]);
    }
  });

  it('serves the built portal at / and its hashed assets as immutable', async () => {
    const s = await serve(portalRoutes({ trainingKey: 'a', predictionKey: 'b' }, dir));
    try {
      const page = await fetch(`${s.url}/`);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(await page.text()).toContain('<title>portal</title>');
      const asset = await fetch(`${s.url}/assets/index-abc.js`);
      expect(asset.headers.get('cache-control')).toContain('immutable');
      expect((await fetch(`${s.url}/assets/missing.js`)).status).toBe(404);
    } finally {
      await s.close();
    }
  });

  it('keeps the one-line pointer at / when the portal is not built', async () => {
    const s = await serve(portalRoutes({ trainingKey: 'a', predictionKey: 'b' }, join(dir, 'nowhere')));
    try {
      const res = await fetch(`${s.url}/`);
      expect(res.headers.get('content-type')).toMatch(/text\/plain/);
      expect(await res.text()).toContain('/openapi.json');
    } finally {
      await s.close();
    }
  });
});
