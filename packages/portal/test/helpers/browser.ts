import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type RunningServer, startServer } from './server.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
/**
 * Where screenshots go: docs/portal when CVKIT_SCREENSHOTS=docs (to refresh the documentation's pictures), else a
 * folder of the system's temporary directory, so a test run leaves the working tree as it found it.
 */
export const screenshotsDir =
  process.env.CVKIT_SCREENSHOTS === 'docs' ? join(repoRoot, 'docs/portal') : join(tmpdir(), 'cvkit-portal-screenshots');

/** Debian's Chromium (package `chromium`), or CHROMIUM_PATH. playwright-core downloads no browser of its own. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** With CI=true a missing browser fails the run; elsewhere the browser tests skip and say why. */
export function haveChromium(): boolean {
  if (existsSync(chromiumPath)) return true;
  const message = `Chromium not found at ${chromiumPath}: install the Debian package \`chromium\` (apt-get install -y chromium) to run the portal's browser tests`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`${message}; skipping them`);
  return false;
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** One small PNG per screen for docs/portal.md, taken at the size people judge it at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotsDir, { recursive: true });
  // Let thumbnails and fonts settle so the picture shows the screen, not its loading state.
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.evaluate(() =>
    Promise.all(
      [...document.images]
        .filter((i) => !i.complete)
        .map(
          (i) =>
            new Promise((r) => {
              i.onload = i.onerror = r;
            }),
        ),
    ),
  );
  const shot = await page.screenshot({ animations: 'disabled', caret: 'hide' });
  // Three quarters of the size in a 256-colour palette keeps each picture small enough to commit.
  const { width = 1280 } = page.viewportSize() ?? {};
  await sharp(shot)
    .resize({ width: Math.round(width * 0.75) })
    .png({ palette: true, colours: 256, effort: 10 })
    .toFile(join(screenshotsDir, `${name}.png`));
}

export interface PortalSession {
  server: RunningServer;
  page: Page;
}

/**
 * Registers the hooks of one browser session against one fresh server for the enclosing describe: the fields are
 * set before its first test. A failed test leaves a picture of the page in /tmp for whoever reads the failure.
 */
export function portalSession(): PortalSession {
  const session = {} as PortalSession;
  let browser: Browser | undefined;
  beforeAll(async () => {
    const [server, b] = await Promise.all([startServer(), launch()]);
    browser = b;
    session.server = server;
    session.page = await b.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    // Generous: under `npm test` the browser shares two cores with the rest of the suite.
    session.page.setDefaultTimeout(60_000);
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail')
      await session.page?.screenshot({ path: `/tmp/portal-failure-${ctx.task.name.slice(0, 40)}.png` });
  });
  afterAll(async () => {
    await browser?.close();
    await session.server?.stop();
  });
  return session;
}
