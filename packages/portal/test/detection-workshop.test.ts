/**
 * The object detection workshop in a real browser, on the fork and scissors photos: the 40 training photos arrive with
 * their boxes through the SDK (the region editor has its own test), then Train in the portal, mAP on the Performance
 * tab recomputed through the API when the Overlap Threshold moves, and Quick Test drawing the boxes it finds.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, portalSession, screenshot } from './helpers/browser.ts';
import { forksAndScissors as dataset, uploadForksAndScissors } from './helpers/detection-set.ts';

describe.runIf(haveChromium())('the object detection workshop in the portal', () => {
  const session = portalSession();
  let page: Page;
  beforeAll(async () => {
    page = session.page;
    await uploadForksAndScissors(session.server.url, 'Forks and scissors');
  });

  it('trains a detector and shows mAP, recomputed at another Overlap Threshold', async () => {
    await page.goto(session.server.url);
    await expect.poll(() => page.getByLabel('Training key').inputValue()).not.toBe('');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('link', { name: /Forks and scissors/ })
      .first()
      .click();
    await page.getByRole('heading', { name: 'Forks and scissors' }).waitFor();
    await page.getByRole('button', { name: 'Train' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Choose Training Type' });
    await dialog.getByLabel('Quick Training').check();
    await dialog.getByRole('button', { name: 'Train' }).click();
    await page.getByRole('heading', { name: 'Iteration 1' }).waitFor();
    await page.getByText('Overlap Threshold').waitFor({ timeout: 120_000 });
    const map = page.locator('.figure').filter({ hasText: 'mAP' }).locator('.figure-value');
    await expect.poll(() => map.textContent()).toMatch(/^\d+(\.\d)?%$/);
    const rows = page.getByRole('table', { name: 'Performance Per Tag' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    await screenshot(page, 'detection-performance');

    // Moving the Overlap Threshold asks the server again with it; nothing is retrained.
    const overlap = page.getByRole('slider', { name: /Overlap Threshold/ });
    const asked = page.waitForResponse(
      (r) => r.url().includes('/performance') && r.url().includes('overlapThreshold=0.9') && r.status() === 200,
    );
    await overlap.focus();
    await page.keyboard.press('End');
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowLeft');
    await page.getByText('Overlap Threshold: 90%').waitFor();
    const answer = (await (await asked).json()) as { averagePrecision: number };
    await expect.poll(() => map.textContent()).toBe(`${(answer.averagePrecision * 100).toFixed(1)}%`);
  });

  it('quick-tests a photo and draws the boxes found', async () => {
    await page.getByRole('button', { name: 'Quick Test' }).click();
    const dialog = page.getByRole('dialog', { name: 'Quick Test' });
    await dialog.getByLabel('Browse local files').setInputFiles(join(dataset, 'test/fork/test_image.jpg'));
    const first = dialog.locator('tbody tr').first();
    await expect.poll(() => first.textContent(), { timeout: 60_000 }).toMatch(/^fork\d+\.\d%$/);
    const boxes = dialog.locator('.box-layer .box');
    await expect.poll(() => boxes.count()).toBeGreaterThan(0);
    await expect.poll(() => boxes.first().textContent()).toMatch(/^fork \d+\.\d%$/);
    await screenshot(page, 'detection-quick-test');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });
});
