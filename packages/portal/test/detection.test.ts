/**
 * Object detection in the portal: a box drawn with the mouse on an image becomes a tagged region; it is moved and
 * resized with the mouse, nudged with the keyboard, and deleted, each change read back through the API.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { haveChromium, portalSession, repoRoot, screenshot } from './helpers/browser.ts';

type Region = { regionId: string; tagName: string; left: number; top: number; width: number; height: number };

/** The first project's only image's regions, read back through the API with the portal's own key. */
const storedRegions = (page: Page): Promise<Region[]> =>
  page.evaluate(async () => {
    const keys = JSON.parse(sessionStorage.getItem('cvkit.portal.keys')!);
    const base = `${location.origin}/customvision/v3.3/training/projects`;
    const headers = { 'Training-Key': keys.trainingKey };
    const [project] = await (await fetch(base, { headers })).json();
    const read = async (kind: string) => (await fetch(`${base}/${project.id}/images/${kind}`, { headers })).json();
    const [img] = [...(await read('tagged')), ...(await read('untagged'))];
    return img.regions ?? [];
  });

const expectBox = (r: Region, left: number, top: number, width: number, height: number) => {
  expect(r.left).toBeCloseTo(left, 1);
  expect(r.top).toBeCloseTo(top, 1);
  expect(r.width).toBeCloseTo(width, 1);
  expect(r.height).toBeCloseTo(height, 1);
};

const forks = join(repoRoot, 'data/datasets/azure-cv-fork-scissors/train/fork');

describe.runIf(haveChromium())('the region editor', () => {
  const session = portalSession();

  it('draws a box, tags it, moves and resizes it, and deletes it', async () => {
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

    // The region is stored where it was drawn (fractions of the image), read back through the API.
    const [drawn] = await storedRegions(page);
    expect(await storedRegions(page)).toHaveLength(1);
    expect(drawn!.tagName).toBe('fork');
    expectBox(drawn!, 0.2, 0.25, 0.5, 0.5);

    // Drag the body: the box moves by the drag and keeps its size and tag.
    const at = (x: number, y: number) => [box.x + box.width * x, box.y + box.height * y] as const;
    const drag = async (from: readonly [number, number], to: readonly [number, number]) => {
      await page.mouse.move(...from);
      await page.mouse.down();
      await page.mouse.move(...to, { steps: 8 });
      await page.mouse.up();
    };
    const settled = async (want: (r: Region) => boolean) => {
      await expect.poll(async () => (await storedRegions(page)).filter(want).length).toBe(1);
      const all = await storedRegions(page);
      expect(all).toHaveLength(1);
      return all[0]!;
    };
    await drag(at(0.45, 0.5), at(0.55, 0.6));
    const moved = await settled((r) => r.regionId !== drawn!.regionId);
    expect(moved.tagName).toBe('fork');
    expectBox(moved, 0.3, 0.35, 0.5, 0.5);

    // Drag the bottom-right corner: the top-left corner stays.
    await dialog.locator('.handle.se').waitFor();
    await drag(at(0.8, 0.85), at(0.9, 0.95));
    const resized = await settled((r) => r.regionId !== moved.regionId);
    expectBox(resized, 0.3, 0.35, 0.6, 0.6);
    await screenshot(page, 'regions');

    // Dragged past the image's edge, the box stops at it.
    await drag(at(0.6, 0.65), at(0.95, 0.95));
    const clamped = await settled((r) => r.regionId !== resized.regionId);
    expect(clamped.left + clamped.width).toBeCloseTo(1, 2);
    expect(clamped.top + clamped.height).toBeCloseTo(1, 2);
    expect(clamped.width).toBeCloseTo(0.6, 1);

    // The keyboard: the focused box moves left with the arrow keys, then Delete removes it.
    const region = dialog.getByRole('button', { name: 'Region fork', exact: true });
    await region.focus();
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowLeft');
    const nudged = await settled((r) => r.left < clamped.left - 0.04);
    expect(nudged.left).toBeCloseTo(clamped.left - 0.05, 2);
    expect(nudged.top).toBeCloseTo(clamped.top, 5);
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label')))
      .toBe('Region fork');
    await page.keyboard.press('Delete');
    await dialog.getByRole('button', { name: 'Delete region fork' }).waitFor({ state: 'detached' });
    expect(await storedRegions(page)).toHaveLength(0);
  });
});
