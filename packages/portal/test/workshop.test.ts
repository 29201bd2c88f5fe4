/**
 * The Custom Vision workshop in a real browser, on the trees photos: sign in, New Project, Add images from a folder
 * (tagged by sub-folder name), Train, read the performance and move the threshold, Publish, Prediction URL, Quick
 * Test, tag a stored prediction into the training set, Settings, and an export downloaded.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, portalSession, repoRoot, screenshot } from './helpers/browser.ts';
import type { RunningServer } from './helpers/server.ts';

const trees = join(repoRoot, 'data/datasets/azure-cv-trees');

describe.runIf(haveChromium())('the workshop in the portal', () => {
  const session = portalSession();
  let srv: RunningServer;
  let page: Page;
  beforeAll(() => {
    ({ server: srv, page } = session);
  });

  it('signs in with the development keys the server offers', async () => {
    await page.goto(srv.url);
    const training = page.getByLabel('Training key');
    await expect.poll(() => training.inputValue()).toBe('cvkit-dev-training-key');
    expect(await page.getByLabel('Prediction key').inputValue()).toBe('cvkit-dev-prediction-key');
    await screenshot(page, 'sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('cvkit.portal.keys'))).toContain('cvkit-dev-training-key');
  });

  it('creates a project in the New Project dialog', async () => {
    await page.getByRole('button', { name: 'New Project' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create new project' });
    await dialog.getByLabel('Name').fill('Trees');
    await dialog.getByLabel('Description').fill('The workshop: Hemlock and Japanese Cherry');
    await dialog.getByLabel('Multiclass').check();
    await dialog.getByLabel('General (compact)', { exact: true }).check();
    await screenshot(page, 'new-project');
    await dialog.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Trees' }).waitFor();
  });

  it('adds a folder of images, tagged by sub-folder name, with progress and Done', async () => {
    await page.getByRole('button', { name: 'Add images' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Image upload' });
    await dialog.getByLabel('Browse a folder').setInputFiles(join(trees, 'train'));
    await dialog.getByText('20 images ready').waitFor();
    await expect.poll(() => dialog.getByLabel(/Tag each image with its folder's name/).isChecked()).toBe(true);
    await screenshot(page, 'add-images');
    await dialog.getByRole('button', { name: 'Upload 20 files' }).click();
    await dialog.getByText('20 images added').waitFor({ timeout: 60_000 });
    await dialog.getByRole('button', { name: 'Done' }).click();
    const tagList = page.getByRole('list', { name: 'Tags' });
    await expect.poll(() => tagList.getByRole('button').allTextContents()).toEqual(['Hemlock10', 'Japanese_Cherry10']);
    await page.locator('.image-grid img').first().waitFor();
    expect(await page.locator('.image-grid li').count()).toBe(20);
    await screenshot(page, 'training-images');
  });

  it('opens an image, moves with the arrow keys and toggles a tag with its number key', async () => {
    await page
      .getByRole('list', { name: 'Tags' })
      .getByRole('button', { name: /Hemlock/ })
      .click();
    await expect.poll(() => page.locator('.image-grid li').count()).toBe(10);
    await page.locator('.thumb-open').first().click();
    const dialog = page.getByRole('dialog', { name: 'Image Detail' });
    await dialog.getByText('1 of 10').waitFor();
    await page.keyboard.press('ArrowRight');
    await dialog.getByText('2 of 10').waitFor();
    const hemlock = dialog.getByRole('button', { name: /Hemlock/ });
    await expect.poll(() => hemlock.getAttribute('aria-pressed')).toBe('true');
    await screenshot(page, 'image-details');
    // Key 2 (Japanese_Cherry) replaces the tag in a Multiclass project; key 1 puts Hemlock back.
    await page.keyboard.press('2');
    await expect
      .poll(() => dialog.getByRole('button', { name: /Japanese_Cherry/ }).getAttribute('aria-pressed'))
      .toBe('true');
    await expect.poll(() => hemlock.getAttribute('aria-pressed')).toBe('false');
    await page.keyboard.press('1');
    await expect.poll(() => hemlock.getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: /^All/ }).click();
  });

  it('trains with Quick Training and shows the performance, recomputed when the threshold moves', async () => {
    await page.getByRole('button', { name: 'Train' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Choose Training Type' });
    await dialog.getByLabel('Quick Training').check();
    await dialog.getByRole('button', { name: 'Train' }).click();
    await page.getByRole('heading', { name: 'Iteration 1' }).waitFor();
    await page.getByText('Probability Threshold').waitFor({ timeout: 120_000 });
    const precision = page.locator('.figure').filter({ hasText: 'Precision' }).locator('.figure-value');
    await expect.poll(() => precision.textContent()).toMatch(/%$/);
    const rows = page.getByRole('table', { name: 'Performance Per Tag' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    // A cell of the confusion matrix opens its images.
    const cell = page.getByRole('button', { name: /^\d+ Hemlock images? predicted as Hemlock$/ });
    const n = Number(await cell.textContent());
    expect(n).toBeGreaterThan(0);
    await cell.click();
    await page.getByText(`Hemlock predicted as Hemlock (${n})`).waitFor();
    await expect.poll(() => page.locator('.small-grid li').count()).toBe(n);
    await screenshot(page, 'performance');
    const recall = page.locator('.figure').filter({ hasText: 'Recall' }).locator('.figure-value');
    const before = await recall.textContent();
    await page.getByRole('slider').focus();
    await page.keyboard.press('End');
    await page.getByText('Probability Threshold: 100%').waitFor();
    await expect.poll(() => recall.textContent()).not.toBe(before);
  });

  it('publishes and shows the Prediction URL with its headers', async () => {
    await page.getByRole('slider').focus();
    await page.keyboard.press('Home');
    await page.getByRole('button', { name: 'Publish' }).click();
    const publish = page.getByRole('dialog', { name: 'Publish Model' });
    await publish.getByLabel('Model name').fill('trees');
    await publish.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Published as “trees”').waitFor();
    await page.getByRole('button', { name: 'Prediction URL' }).click();
    const dialog = page.getByRole('dialog', { name: 'How to use the Prediction API' });
    const url = await dialog.getByLabel('Image file endpoint', { exact: true }).inputValue();
    expect(url).toMatch(/\/customvision\/v3\.0\/Prediction\/[0-9a-f-]{36}\/classify\/iterations\/trees\/image$/);
    expect(await dialog.getByLabel('Image URL endpoint', { exact: true }).inputValue()).toBe(
      url.replace(/image$/, 'url'),
    );
    await expect.poll(() => dialog.textContent()).toContain('Set Prediction-Key Header to: cvkit-dev-prediction-key');
    expect(await dialog.textContent()).toContain('Set Content-Type Header to: application/octet-stream');
    await screenshot(page, 'prediction-url');
    // The URL and headers shown are the ones a client needs: send the test photo exactly as the dialog says.
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Prediction-Key': 'cvkit-dev-prediction-key', 'Content-Type': 'application/octet-stream' },
      body: readFileSync(join(trees, 'test/Hemlock/test_image.jpg')),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { predictions: { tagName: string }[] };
    expect(body.predictions[0]?.tagName).toBe('Hemlock');
    await dialog.getByRole('button', { name: 'Got it!' }).click();
  });

  it('quick-tests a local file', async () => {
    await page.getByRole('button', { name: 'Quick Test' }).click();
    const dialog = page.getByRole('dialog', { name: 'Quick Test' });
    await dialog.getByLabel('Browse local files').setInputFiles(join(trees, 'test/Hemlock/test_image.jpg'));
    const first = dialog.locator('tbody tr').first();
    await expect.poll(() => first.textContent(), { timeout: 60_000 }).toMatch(/^Hemlock\d+\.\d%$/);
    await screenshot(page, 'quick-test');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('tags a stored prediction and adds it to the training images', async () => {
    await page.getByRole('link', { name: 'Predictions' }).click();
    const thumbs = page.locator('.image-grid li');
    await expect.poll(() => thumbs.count()).toBe(2);
    await screenshot(page, 'predictions');
    await thumbs.first().getByRole('button').click();
    const dialog = page.getByRole('dialog', { name: 'Image Detail' });
    await expect.poll(() => dialog.locator('.chip').allTextContents()).toEqual(['Hemlock✕']);
    await dialog.getByRole('button', { name: 'Save and close' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => thumbs.count()).toBe(1);
    await page.getByRole('link', { name: 'Training Images' }).click();
    await expect.poll(() => page.getByRole('button', { name: /^Tagged/ }).textContent()).toBe('Tagged21');
  });

  it('shows the project settings with the retrain note', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Project Settings' });
    expect(await dialog.getByLabel('Name').inputValue()).toBe('Trees');
    await dialog.getByText('takes effect when you train again').waitFor();
    await screenshot(page, 'settings');
    await dialog.getByLabel('Description').fill('Hemlock or Japanese Cherry?');
    await dialog.getByRole('button', { name: 'Save Changes' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('exports the iteration and downloads the file', async () => {
    await page.getByRole('link', { name: 'Performance' }).click();
    await page.getByRole('button', { name: 'Export' }).click();
    const dialog = page.getByRole('dialog', { name: 'Choose your platform' });
    await dialog.getByText('TensorFlow', { exact: true }).click();
    await dialog.getByRole('button', { name: 'Export' }).click();
    const download = dialog.getByRole('link', { name: 'Download' });
    await download.waitFor({ timeout: 120_000 });
    await screenshot(page, 'export');
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    const path = await file.path();
    const bytes = readFileSync(path);
    expect(bytes.length).toBeGreaterThan(100_000);
    expect(bytes.subarray(0, 2).toString()).toBe('PK');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('lists the projects with their card, then searches them', async () => {
    await page.getByRole('link', { name: 'All projects' }).click();
    await page.getByRole('heading', { name: 'Trees' }).waitFor();
    await screenshot(page, 'projects');
    await page.getByLabel('Search projects').fill('nothing like it');
    await page.getByText('No project matches').waitFor();
  });
});
