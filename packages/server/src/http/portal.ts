import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import { DEV_PREDICTION_KEY, DEV_TRAINING_KEY, type ServerConfig } from '../config.ts';

/**
 * Where `npm run build -w @cvkit/portal` writes the portal: found through the workspace's `@cvkit/portal` package,
 * so the same lookup works from the TypeScript sources and from the built server (`dist/`, one level shallower).
 */
export const defaultPortalDir = portalDir();

function portalDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@cvkit/portal/package.json')), 'dist');
  } catch {
    // Installed without the portal (the packed server): `/` keeps its pointer to the API documents.
    return fileURLToPath(new URL('../../../portal/dist', import.meta.url));
  }
}

/**
 * The browser portal at `/` (its files, built by Vite), and `/portal/config.json`, which tells it the well-known
 * development keys when, and only when, the server runs with them, so that a first start signs in with one click.
 * A configured key is never sent. Without a built portal, `/` keeps its one-line pointer to the API documents.
 */
export function portalRoutes(
  config: Pick<ServerConfig, 'trainingKey' | 'predictionKey'>,
  dir = defaultPortalDir,
): Router {
  const router = express.Router();
  router.get('/portal/config.json', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({
      developmentKeys: {
        trainingKey: config.trainingKey === DEV_TRAINING_KEY ? DEV_TRAINING_KEY : null,
        predictionKey: config.predictionKey === DEV_PREDICTION_KEY ? DEV_PREDICTION_KEY : null,
      },
    });
  });
  if (!existsSync(`${dir}/index.html`)) {
    router.get('/', (_req, res) =>
      res
        .type('text/plain')
        .send('cvkit server: see /openapi.json and /docs (build the portal: npm run build -w @cvkit/portal)\n'),
    );
    return router;
  }
  // Hashed asset names never change content; index.html must be re-read so a rebuild shows at once.
  router.use('/assets', express.static(`${dir}/assets`, { immutable: true, maxAge: '1y', index: false }));
  router.get(['/', '/index.html'], (_req, res) => {
    res.set('Cache-Control', 'no-cache').sendFile('index.html', { root: dir });
  });
  router.get('/favicon.svg', (_req, res) => res.sendFile('favicon.svg', { root: dir }));
  return router;
}
