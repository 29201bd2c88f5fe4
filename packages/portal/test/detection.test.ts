/** Object detection in the portal: a box drawn with the mouse on an image becomes a tagged region, and is deleted. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveChromium, portalSession, repoRoot, screenshot } from './helpers/browser.ts';

const forks = join(repoRoot, 'data/datasets/azure-cv-fork-scissors/train/fork');

describe.runIf(haveChromium())('the region editor', () => {
  const session = portalSession();

  it('draws a box, tags it, and deletes it', async () => {
    const { page, server } = session;
    await page.goto(server.url);
    await expect.poll(() => page.getByLabel('Training key').inputValue()).not.toBe('');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'New Project' }).click();
    const create = page.getByRole('dialog', { name: 'Create new project' });
    await create.getByLabel('Name').fill('Forks');
    await create.getByLabel('Object Detection').check();
    await create.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Forks' }).waitFor();

    const file = readdirSync(forks).sort()[0]!;
    await page.getByRole('button', { name: 'Add images' }).first().click();
    const upload = page.getByRole('dialog', { name: 'Image upload' });
    await upload.getByLabel('Browse local files').setInputFiles(join(forks, file));
    await upload.getByRole('button', { name: 'Upload 1 file' }).click();
    await upload.getByText('1 image added').waitFor({ timeout: 60_000 });
    await upload.getByRole('button', { name: 'Done' }).click();

    await page.locator('.thumb-open').first().click();
    const dialog = page.getByRole('dialog', { name: 'Image Detail' });
    const image = dialog.locator('.box-layer img');
    await expect.poll(() => image.evaluate((i) => (i as HTMLImageElement).complete)).toBe(true);
    const box = (await image.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.25);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.75, { steps: 5 });
    await page.mouse.up();
    await dialog.getByLabel('Tag of the new region').fill('fork');
    await dialog.getByRole('button', { name: 'Add region' }).click();
    await dialog.getByRole('button', { name: 'Delete region fork' }).waitFor();
    await screenshot(page, 'regions');

    // The region is stored where it was drawn (fractions of the image), read back through the API.
    const t = await page.evaluate(async () => {
      const keys = JSON.parse(sessionStorage.getItem('cvkit.portal.keys')!);
      const base = `${location.origin}/customvision/v3.3/training/projects`;
      const headers = { 'Training-Key': keys.trainingKey };
      const [project] = await (await fetch(base, { headers })).json();
      const read = async (kind: string) => (await fetch(`${base}/${project.id}/images/${kind}`, { headers })).json();
      const [img] = [...(await read('tagged')), ...(await read('untagged'))];
      return img.regions;
    });
    expect(t).toHaveLength(1);
    expect(t[0].tagName).toBe('fork');
    expect(t[0].left).toBeCloseTo(0.2, 1);
    expect(t[0].top).toBeCloseTo(0.25, 1);
    expect(t[0].width).toBeCloseTo(0.5, 1);
    expect(t[0].height).toBeCloseTo(0.5, 1);

    await dialog.getByRole('button', { name: 'Delete region fork' }).click();
    await dialog.getByRole('button', { name: 'Delete region fork' }).waitFor({ state: 'detached' });
  });
});
