/**
 * "Download dataset" and "Import dataset" in the portal, through the CLI's formats: a detection project goes out as a
 * COCO zip, the zip unzipped comes back into an empty project through Add images → Import dataset, and the copy has
 * the same tags and boxes, read through the API; a classification project does the same as CSV.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { haveChromium, portalSession, repoRoot, screenshot } from './helpers/browser.ts';
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

/** Downloads the project's dataset in the format labelled `format` and unzips it under `into`; answers the zip's files. */
async function downloadDataset(
  page: Page,
  format: string,
  zipName: string,
  into: string,
  shot?: string,
): Promise<string[]> {
  await page.getByRole('button', { name: 'Download dataset' }).click();
  const dialog = page.getByRole('dialog', { name: 'Download dataset' });
  await dialog.getByLabel(format).check();
  await dialog.getByRole('button', { name: 'Prepare download' }).click();
  await dialog.getByText(new RegExp(`^\\d+ images? in ${zipName}\\.$`)).waitFor({ timeout: 60_000 });
  if (shot) await screenshot(page, shot);
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    dialog.getByRole('link', { name: 'Download' }).click(),
  ]);
  expect(file.suggestedFilename()).toBe(zipName);
  const unzipped = unzipSync(readFileSync(await file.path()));
  for (const [path, bytes] of Object.entries(unzipped)) {
    mkdirSync(dirname(join(into, path)), { recursive: true });
    writeFileSync(join(into, path), bytes);
  }
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  return Object.keys(unzipped);
}

/** Add images → Import dataset with the folder `dir` in the format labelled `format`; waits for the count imported. */
async function importDataset(page: Page, format: string, dir: string, imported: string, shot?: string): Promise<void> {
  await page.getByRole('button', { name: 'Add images' }).first().click();
  await page.getByRole('dialog', { name: 'Image upload' }).getByRole('button', { name: 'Import dataset' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import dataset' });
  await dialog.getByLabel(format).check();
  await dialog.getByLabel('Choose dataset folder').setInputFiles(dir);
  await dialog.getByText(/^\d+ files chosen$/).waitFor();
  await dialog.getByRole('button', { name: 'Import' }).click();
  await dialog.getByText(imported).waitFor({ timeout: 60_000 });
  if (shot) await screenshot(page, shot);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await dialog.waitFor({ state: 'detached' });
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

    const files = await downloadDataset(page, 'COCO (JSON)', 'Cutlery-coco.zip', work, 'download-dataset');
    expect(files.filter((p) => /\.(jpe?g|png)$/i.test(p))).toHaveLength(6);
    expect(files.every((p) => p.startsWith('Cutlery-coco/'))).toBe(true);

    await page.goto(`${server.url}/#/projects/${target}/training`);
    await page.getByRole('heading', { name: 'Cutlery copy' }).waitFor();
    await importDataset(page, 'COCO (JSON)', join(work, 'Cutlery-coco'), '6 images imported.', 'import-dataset');
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

  it('downloads a classification project as CSV and imports it into another project', async () => {
    const { page, server } = session;
    const trainer = devTrainer(server.url);
    const trees = join(repoRoot, 'data/datasets/azure-cv-trees/train');
    const [source, target] = await Promise.all(
      ['Trees', 'Trees copy'].map(
        async (name) => (await trainer.createProject({ name, classificationType: 'Multiclass' })).id!,
      ),
    );
    for (const [tag, files] of [
      ['Hemlock', ['hemlock_1.jpg', 'hemlock_2.jpg']],
      ['Japanese_Cherry', ['japanese_cherry_1.jpg']],
    ] as const) {
      const tagId = (await trainer.createTag(source!, { name: tag })).id!;
      await trainer.createImagesFromFiles(source!, {
        images: files.map((f) => ({ name: f, contents: readFileSync(join(trees, tag, f)).toString('base64') })),
        tagIds: [tagId],
      });
    }
    await page.goto(`${server.url}/#/projects/${source}/training`);
    await page.getByRole('heading', { name: 'Trees' }).waitFor();
    const files = await downloadDataset(page, 'CSV (file and tags)', 'Trees-csv.zip', work);
    expect(files.filter((p) => p.endsWith('.jpg'))).toHaveLength(3);

    await page.goto(`${server.url}/#/projects/${target}/training`);
    await page.getByRole('heading', { name: 'Trees copy' }).waitFor();
    await importDataset(page, 'CSV (file and tags)', join(work, 'Trees-csv'), '3 images imported.');
    const tagList = page.getByRole('list', { name: 'Tags' });
    await expect.poll(() => tagList.getByRole('button').allTextContents()).toEqual(['Hemlock2', 'Japanese_Cherry1']);
    const counts = async (id: string) => (await trainer.getTags(id)).map((t) => `${t.name}:${t.imageCount}`).sort();
    expect(await counts(target!)).toEqual(await counts(source!));
  });
});
