// The Compare board in Chromium (WASM, fixture pack): pin a sample, run a sweep, find both (and
// the settings) on the next visit, export the board as JSON and import it back; a bad import
// leaves the board as it was.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { golden, settledCase } from '../workers/engine/test/golden';
import { launch } from './browser';
import { caseUrl, generateTokens, mapFixtureExample, openPage } from './generation';
import { BASE_URL } from './server';

const CASE = settledCase(golden.generation[0]); // its tokens are compared exactly

async function boardState(page: Page) {
  await openPage(page, 'Compare');
  return {
    pins: await page.$$eval('[data-testid=pin]', (els) => els.map((e) => (e as HTMLElement).dataset.tokens)),
    cells: await page.$$eval('[data-testid=sweep-cell]', (els) => els.map((e) => (e as HTMLElement).dataset.filled)),
  };
}

/** Click Export JSON; the downloaded file's path. */
async function downloadedBoard(page: Page): Promise<string> {
  await openPage(page, 'Compare');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export JSON' }).click(),
  ]);
  return (await download.path())!;
}

describe('compare board', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    browser = await launch(false);
    page = await (await browser.newContext({ acceptDownloads: true })).newPage();
    await page.goto(caseUrl({ ...CASE, batch: 1 }, 'fixture-tiny', 'wasm'));
    await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('pins a sample and fills a sweep grid, column by column', async () => {
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForSelector('[data-testid=sample]');
    await page.getByRole('button', { name: 'Pin' }).first().click();
    expect((await boardState(page)).pins).toEqual([CASE.tokens[0].join(',')]); // on the Compare page

    await page.getByLabel('Values (comma-separated)').fill('0.5, 1, 2');
    await page.getByRole('button', { name: 'Run sweep' }).click();
    await expect
      .poll(async () => (await boardState(page)).cells.filter((c) => c === 'yes').length, { timeout: 60_000 })
      .toBe(6);
  });

  it('finds the board and the settings again on a plain visit', async () => {
    const before = await boardState(page);
    await page.waitForSelector('[data-testid=board-saved][data-saved=yes]'); // the last write has landed
    await page.goto(BASE_URL); // no settings in the link: the last ones come back from IndexedDB
    await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
    await expect.poll(() => boardState(page)).toEqual(before);
    const url = new URL(page.url()).searchParams;
    expect([url.get('pack'), url.get('seed'), url.get('backend')]).toEqual([
      'fixture-tiny',
      String(CASE.seed),
      'wasm',
    ]);
  });

  it('exports the board as JSON and imports it back; a bad file changes nothing', async () => {
    const before = await boardState(page);
    const json = readFileSync(await downloadedBoard(page));
    await page.getByRole('button', { name: 'Clear board' }).click();
    expect(await boardState(page)).toEqual({ pins: [], cells: [] });
    await page.setInputFiles('[data-testid=board-import]', {
      name: 'board.json',
      mimeType: 'application/json',
      buffer: json,
    });
    await expect.poll(() => boardState(page)).toEqual(before);

    await page.setInputFiles('[data-testid=board-import]', {
      name: 'notes.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"hello": 1}'),
    });
    await expect
      .poll(() => page.textContent('[data-testid=error]'))
      .toMatch(/Could not import notes\.json: .*not an exported DiGIT board/);
    expect(await boardState(page)).toEqual(before);
  });

  it('reaches Import JSON by keyboard: Tab from Export JSON lands on its file input', async () => {
    await page.getByRole('button', { name: 'Export JSON' }).focus();
    await page.keyboard.press('Tab');
    // a focused file input opens the picker on Enter or Space, as every browser's does
    expect(
      await page.evaluate(() => [
        document.activeElement?.getAttribute('data-testid'),
        document.activeElement?.getAttribute('type'),
      ]),
    ).toEqual(['board-import', 'file']);
  });

  it('a pack URL that serves HTML gives a specific message; the loaded pack and the board stay', async () => {
    const before = await boardState(page);
    await page.getByText('Load a pack from elsewhere').click();
    await page.getByLabel('Pack URL (a folder with pack.json)').fill(`${BASE_URL}no-such-pack/`);
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await expect
      .poll(() => page.textContent('[data-testid=error]'))
      .toMatch(/Could not load pack .*no-such-pack.*not JSON \(the server sent HTML/);
    expect(await page.textContent('[data-testid=pack-title]')).toContain('Fixture');
    expect(await boardState(page)).toEqual(before);
    await openPage(page, 'Generate');
    const samples = await page.locator('[data-testid=sample]').count();
    await page.getByRole('button', { name: 'Generate' }).click(); // still works
    await expect.poll(() => page.locator('[data-testid=sample]').count()).toBe(samples + 1);
  });

  it('refuses sweep values that do not fit the setting, saying which', async () => {
    await openPage(page, 'Compare');
    await page.getByLabel('Sweep').selectOption('decoder');
    await page.getByLabel('Values (comma-separated)').fill('direct, pixels');
    await page.getByRole('button', { name: 'Run sweep' }).click();
    expect(await page.textContent('[data-testid=sweep-problem]')).toContain("'pixels' is not a decoder of this pack");
  });

  it('sweeps across packs, unconditionally, and comes back to the pack it started from', async () => {
    await page.getByLabel('Sweep').selectOption('pack');
    await page.getByLabel('Values (comma-separated)').fill('fixture-tiny, nowhere');
    await page.getByRole('button', { name: 'Run sweep' }).click();
    expect(await page.textContent('[data-testid=sweep-problem]')).toContain("'nowhere' is not a listed pack");
    const title = await page.textContent('[data-testid=pack-title]');
    await mapFixtureExample(page);
    const tokensBefore = await page.getAttribute('[data-testid=token-map]', 'data-tokens');
    await openPage(page, 'Compare');
    const sweepsBefore = await page.locator('[data-testid=sweep]').count();
    await page.getByLabel('Values (comma-separated)').fill('fashion-mini, fixture-tiny');
    await page.getByRole('button', { name: 'Run sweep' }).click();
    const last = page.locator('[data-testid=sweep]').nth(sweepsBefore);
    await expect
      .poll(async () => await last.locator('[data-testid=sweep-cell][data-filled=yes]').count(), { timeout: 120_000 })
      .toBe(4);
    expect(await last.locator('thead th').allTextContents()).toEqual(['seed', 'fashion-mini', 'fixture-tiny']);
    await expect.poll(() => page.textContent('[data-testid=pack-title]'), { timeout: 60_000 }).toBe(title);
    expect(await page.getByRole('alert').count()).toBe(0);
    // the token map of the pack it came back to is still there
    await openPage(page, 'Token map');
    expect(await page.getAttribute('[data-testid=token-map]', 'data-tokens')).toBe(tokensBefore);
  });

  it('marks a sweep that was interrupted (e.g. by a reload) and removes it alone, keeping the pins', async () => {
    const exported = JSON.parse(readFileSync(await downloadedBoard(page), 'utf8'));
    const sweep = exported.sweeps[0];
    sweep.cells[1] = sweep.cells[1].map(() => null); // as a reload mid-sweep leaves it
    await page.setInputFiles('[data-testid=board-import]', {
      name: 'interrupted.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify({ ...exported, sweeps: [sweep] })),
    });
    const pins = (await boardState(page)).pins;
    await expect.poll(() => page.locator('[data-testid=sweep-interrupted]').count()).toBe(1);
    expect(await page.locator('[data-testid=sweep-cell][data-filled=no]').first().textContent()).toBe('—');
    await page.getByRole('button', { name: 'Remove this sweep' }).click();
    expect(await page.locator('[data-testid=sweep]').count()).toBe(0);
    expect((await boardState(page)).pins).toEqual(pins);
  });

  it("captions samples and pins with their own pack's class names after another pack is loaded", async () => {
    await openPage(page, 'Generate');
    const before = await page.locator('[data-testid=sample]').count();
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect.poll(() => page.locator('[data-testid=sample]').count(), { timeout: 60_000 }).toBeGreaterThan(before);
    const picker = page.locator('.pack-bar select').first();
    await picker.selectOption('fashion-mini');
    await expect.poll(() => new URL(page.url()).searchParams.get('pack'), { timeout: 60_000 }).toBe('fashion-mini');
    // class 1 of the fixture is 'square' (of fashion-mini, 'Trouser')
    expect(await page.locator('[data-testid=sample] small').first().textContent()).toBe(`seed ${CASE.seed} · square`);
    await openPage(page, 'Compare');
    expect(await page.locator('[data-testid=pin] small').first().textContent()).toMatch(
      new RegExp(`^fixture-tiny · seed ${CASE.seed} · square · `),
    );
  });

  it("DiGIT vs VQ tokens: the baseline path gives PyTorch's tokens; side by side in Generate; a tokenizer sweep", async () => {
    const b = settledCase(golden.baseline_generation[0]); // the VQ-token GPT, then the VQ decoder
    await page.goto(caseUrl(b, 'fixture-tiny', 'wasm'));
    await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
    expect(await generateTokens(page, b.batch)).toEqual(b.tokens);

    // the same class and seeds through a DiGIT decoder, each beside its VQ-token twin
    await page.getByLabel('Decoder', { exact: false }).first().selectOption('direct');
    await page.getByLabel("Side by side with VQ tokens (the paper's baseline)").check();
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect.poll(() => page.locator('[data-testid=side-by-side]').count(), { timeout: 60_000 }).toBe(b.batch);
    const twins = await page.$$eval('[data-testid=baseline]', (els) =>
      els.map((e) => (e as HTMLElement).dataset.tokens!.split(',').map(Number)),
    );
    expect(twins).toEqual(b.tokens);

    await openPage(page, 'Compare');
    await page.getByLabel('Sweep').selectOption('tokenizer');
    await page.getByLabel('Seeds (rows)').fill('1');
    await page.getByRole('button', { name: 'Run sweep' }).click();
    const last = page.locator('[data-testid=sweep]').last();
    await expect
      .poll(() => last.locator('[data-testid=sweep-cell][data-filled=yes]').count(), { timeout: 60_000 })
      .toBe(2);
    expect(await last.locator('thead th').allTextContents()).toEqual(['seed', 'direct', 'vq-gpt']);
  });
});
