/**
 * What a person gets wrong, in a real browser: wrong keys, a text file renamed .jpg, a 7 MB photo, a JPEG that does
 * not decode, a training with one tag. Each ends in a message that says what happened, and nothing already stored
 * is lost.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, portalSession, repoRoot, screenshot } from './helpers/browser.ts';
import type { RunningServer } from './helpers/server.ts';

const hemlockDir = join(repoRoot, 'data/datasets/azure-cv-trees/train/Hemlock');

describe.runIf(haveChromium())('bad input in the portal', () => {
  const session = portalSession();
  let srv: RunningServer;
  let page: Page;
  beforeAll(() => {
    ({ server: srv, page } = session);
  });

  it('refuses a wrong Training key, then a wrong Prediction key, and keeps neither', async () => {
    await page.goto(srv.url);
    await page.getByLabel('Training key').fill('not-the-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('The Training key was not accepted').waitFor();
    await screenshot(page, 'sign-in-wrong-key');
    await page.getByLabel('Training key').fill('cvkit-dev-training-key');
    await page.getByLabel('Prediction key').fill('also-wrong');
    // Enter in a field submits the form.
    await page.getByLabel('Prediction key').press('Enter');
    await page.getByRole('alert').getByText('The Prediction key was not accepted').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('cvkit.portal.keys'))).toBeNull();
    await page.getByLabel('Prediction key').fill('cvkit-dev-prediction-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
  });

  it('creates a project from the keyboard: Enter submits, Escape cancels', async () => {
    await page.getByRole('button', { name: 'New Project' }).click();
    let dialog = page.getByRole('dialog', { name: 'Create new project' });
    await dialog.getByLabel('Name').waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'New Project' }).click();
    dialog = page.getByRole('dialog', { name: 'Create new project' });
    await dialog.getByLabel('Name').fill('Bad input');
    await dialog.getByLabel('Name').press('Enter');
    await page.getByRole('heading', { name: 'Bad input' }).waitFor();
  });

  it('lists the files that cannot be uploaded and uploads the rest', async () => {
    const photos = readdirSync(hemlockDir)
      .sort()
      .slice(0, 5)
      .map((f) => ({ name: f, mimeType: 'image/jpeg', buffer: readFileSync(join(hemlockDir, f)) }));
    const photo = photos[0]!.buffer;
    // A real photo padded to 7 MB: a JPEG decoder ignores the bytes after its end marker, the 6 MB limit does not.
    const big = Buffer.concat([photo, Buffer.alloc(7 * 1024 * 1024 - photo.length)]);
    const files = [
      ...photos,
      { name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('These are my notes, not a photo.\n') },
      { name: 'big.jpg', mimeType: 'image/jpeg', buffer: big },
      // Starts like a JPEG, so only the server's decoder can tell.
      {
        name: 'broken.jpg',
        mimeType: 'image/jpeg',
        buffer: Buffer.concat([photo.subarray(0, 600), Buffer.alloc(400, 7)]),
      },
    ];
    await page.getByRole('button', { name: 'Add images' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Image upload' });
    await dialog.getByLabel('Browse local files').setInputFiles(files);
    await dialog.getByText('6 images ready, 2 cannot be uploaded').waitFor();
    const tagField = dialog.getByLabel('My Tags');
    await tagField.fill('Hemlock');
    await tagField.press('Enter');
    await dialog.getByRole('button', { name: 'Upload 6 files' }).click();
    await dialog.getByText('5 images added').waitFor({ timeout: 60_000 });
    const problems = dialog.getByRole('alert');
    await expect
      .poll(() => problems.locator('li').allTextContents())
      .toEqual([
        'notes.jpg: not an image: Custom Vision takes JPEG, PNG, BMP and GIF files',
        'big.jpg: over 6 MB (7.0 MB): Custom Vision takes images up to 6 MB',
        'broken.jpg: not an image the service can decode',
      ]);
    await screenshot(page, 'upload-problems');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.locator('.image-grid li').count()).toBe(5);
  });

  it('takes files dropped on the upload dialog', async () => {
    await page.getByRole('button', { name: 'Add images' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Image upload' });
    const bytes = [...readFileSync(join(hemlockDir, readdirSync(hemlockDir).sort()[0]!))];
    const drop = await page.evaluateHandle((data) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], 'dropped.jpg', { type: 'image/jpeg' }));
      return transfer;
    }, bytes);
    await dialog.locator('.drop-zone').dispatchEvent('drop', { dataTransfer: drop });
    await dialog.getByText('1 image ready').waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('explains why a training with one tag cannot start, and keeps every image', async () => {
    await page.getByRole('button', { name: 'Train' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Choose Training Type' });
    await dialog.getByRole('button', { name: 'Train' }).click();
    await dialog
      .getByRole('alert')
      .getByText(/at least 2 tags/)
      .waitFor();
    await screenshot(page, 'train-one-tag');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByRole('button', { name: /^Tagged/ }).textContent()).toBe('Tagged5');
    await page.getByRole('link', { name: 'Performance' }).click();
    await page.getByText('No iteration yet').waitFor();
  });

  it('stays usable at phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Training Images' }).click();
    await expect.poll(() => page.locator('.image-grid li').count()).toBe(5);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'phone');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('cvkit.portal.keys'))).toBeNull();
  });
});
