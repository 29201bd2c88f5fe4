/**
 * "Download dataset" and "Import dataset" in the portal, through the CLI's formats: a detection project goes out as a
 * COCO zip, the zip unzipped comes back into an empty project through Add images → Import dataset, and the copy has
 * the same tags and boxes, read through the API.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { haveChromium, portalSession, screenshot } from './helpers/browser.ts';
import { devTrainer, uploadForksAndScissors } from './helpers/detection-set.ts';

type Box = { tag: string; left: number; top: number; width: number; height: number };

/** Every region of the project as (tag, box), in one order, so two projects compare whatever their ids. */
async function boxesOf(endpoint: string, projectId: string): Promise<Box[]> {
  const images = await devTrainer(endpoint).getTaggedImages(projectId, { take: 256 });
  return images
    .flatMap((i) =>
      (i.regions ?? []).map((r) => ({ tag: r.tagName!, left: r.left, top: r.top, width: r.width, height: r.height })),
    )
    .sort((a, b) => a.tag.localeCompare(b.tag) || a.left - b.left || a.top - b.top);
}

describe.runIf(haveChromium())('datasets in the portal', () => {
  const session = portalSession();
  const work = mkdtempSync(join(tmpdir(), 'cvkit-portal-dataset-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('downloads a detection project as COCO and imports it into another project', async () => {
    const { page, server } = session;
    const source = await uploadForksAndScissors(server.url, 'Cutlery', 6);
    const target = (await devTrainer(server.url).createProject({
      name: 'Cutlery copy',
      domainId: (await devTrainer(server.url).getProject(source)).settings!.domainId!,
    }))!.id!;

    await page.goto(server.url);
    await expect.poll(() => page.getByLabel('Training key').inputValue()).not.toBe('');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await page.goto(`${server.url}/#/projects/${source}/training`);
    await page.getByRole('heading', { name: 'Cutlery' }).waitFor();

    await page.getByRole('button', { name: 'Download dataset' }).click();
    const download = page.getByRole('dialog', { name: 'Download dataset' });
    await download.getByLabel('COCO (JSON)').check();
    await download.getByRole('button', { name: 'Prepare download' }).click();
    await download.getByText('6 images in Cutlery-coco.zip.').waitFor({ timeout: 60_000 });
    await screenshot(page, 'download-dataset');
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      download.getByRole('link', { name: 'Download' }).click(),
    ]);
    expect(file.suggestedFilename()).toBe('Cutlery-coco.zip');
    const unzipped = unzipSync(readFileSync(await file.path()));
    for (const [path, bytes] of Object.entries(unzipped)) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), bytes);
    }
    const images = Object.keys(unzipped).filter((p) => /\.(jpe?g|png)$/i.test(p));
    expect(images).toHaveLength(6);
    expect(Object.keys(unzipped).every((p) => p.startsWith('Cutlery-coco/'))).toBe(true);
    await page.keyboard.press('Escape');
    await download.waitFor({ state: 'detached' });

    await page.goto(`${server.url}/#/projects/${target}/training`);
    await page.getByRole('heading', { name: 'Cutlery copy' }).waitFor();
    await page.getByRole('button', { name: 'Add images' }).first().click();
    await page.getByRole('dialog', { name: 'Image upload' }).getByRole('button', { name: 'Import dataset' }).click();
    const importer = page.getByRole('dialog', { name: 'Import dataset' });
    await importer.getByLabel('COCO (JSON)').check();
    await importer.getByLabel('Choose dataset folder').setInputFiles(join(work, 'Cutlery-coco'));
    await importer.getByText(/^\d+ files chosen$/).waitFor();
    await importer.getByRole('button', { name: 'Import' }).click();
    await importer.getByText('6 images imported.').waitFor({ timeout: 60_000 });
    await screenshot(page, 'import-dataset');
    await importer.getByRole('button', { name: 'Done' }).click();
    await importer.waitFor({ state: 'detached' });
    const tagList = page.getByRole('list', { name: 'Tags' });
    await expect.poll(() => tagList.getByRole('button').allTextContents()).toEqual(['fork3', 'scissors3']);

    // The copy holds the same boxes with the same tags (COCO stores pixels: equal to well under a pixel).
    const [want, got] = await Promise.all([boxesOf(server.url, source), boxesOf(server.url, target)]);
    expect(want.length).toBeGreaterThanOrEqual(6);
    expect(got).toHaveLength(want.length);
    got.forEach((g, i) => {
      const w = want[i]!;
      expect(g.tag).toBe(w.tag);
      for (const k of ['left', 'top', 'width', 'height'] as const) expect(Math.abs(g[k] - w[k])).toBeLessThan(0.002);
    });
  });
});
