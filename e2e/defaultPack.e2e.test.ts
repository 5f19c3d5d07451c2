// The app opens on the default trained pack (WASM) and generates the seeded samples PyTorch made
// with it; the second visit reads the pack from the browser cache and can stop a generation.
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPngText } from '../src/pngText';
import type { GenerationCase } from '../workers/engine/test/golden';
import { launch } from './browser';
import { caseUrl, generateTokens, openPage } from './generation';
import { BASE_URL } from './server';

const index = JSON.parse(readFileSync('public/models/index.json', 'utf8')) as { default: string };
const reference = JSON.parse(readFileSync(`public/models/${index.default}/reference.json`, 'utf8')) as {
  generation: GenerationCase[];
  tokenize: { file: string; tokens: number[] }[];
};

describe('default pack', () => {
  let browser: Browser;
  let context: BrowserContext; // one profile, so the second visit finds the first one's cache
  beforeAll(async () => {
    browser = await launch(false);
    context = await browser.newContext({ acceptDownloads: true });
    // every main-thread task over 50 ms, for the responsiveness check
    await context.addInitScript(() => {
      const w = window as unknown as { longTasks: number[] };
      w.longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.longTasks.push(e.duration);
      }).observe({
        type: 'longtask',
        buffered: true,
      });
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a link to a pack that is not there opens the default pack and says why', async () => {
    for (const [pack, why] of [
      ['nosuch', "There is no pack called 'nosuch'."],
      [`${BASE_URL}models/missing/`, `Could not load pack '${BASE_URL}models/missing/'`],
    ]) {
      const own = await browser.newContext(); // its own cache: the next test expects a first visit
      const page = await own.newPage();
      await page.goto(`${BASE_URL}?pack=${encodeURIComponent(pack)}&backend=wasm`);
      await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
      const said = await page.textContent('[data-testid=error]');
      expect(said).toContain(why);
      expect(said).toContain(`The default pack, ${index.default}, is open instead.`);
      expect(await page.locator('.pack-bar select').first().inputValue()).toBe(index.default);
      await own.close();
    }
  });

  it('on a phone, every control is a touch target at least 44 px tall', async () => {
    const phone = await browser.newContext({ viewport: { width: 360, height: 800 } });
    const page = await phone.newPage();
    await page.goto(`${BASE_URL}?backend=wasm`);
    await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
    const small = await page.$$eval('button, select, input', (els) =>
      els
        // a checkbox is tapped by its label, or the row that holds it with its label
        .map((e) => (e.matches('[type=checkbox]') ? e.closest('label, [data-tap-target]')! : e))
        .filter((e) => getComputedStyle(e).opacity !== '0' && e.getBoundingClientRect().width > 0)
        .filter((e) => e.getBoundingClientRect().height < 44)
        .map((e) => e.outerHTML.slice(0, 80)),
    );
    expect(small).toEqual([]);
    await phone.close();
  });

  it('on a phone, every page fits the screen and every page link can be tapped', async () => {
    const phone = await browser.newContext({ viewport: { width: 360, height: 800 } });
    const page = await phone.newPage();
    await page.goto(`${BASE_URL}?backend=wasm`);
    await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
    for (const name of ['Generate', 'Token map', 'Compare', 'How it works'] as const) {
      await openPage(page, name);
      const { scrollWidth, links } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        links: [...document.querySelectorAll('nav[aria-label=pages] a')].map((a) => a.getBoundingClientRect().right),
      }));
      expect(scrollWidth, name).toBeLessThanOrEqual(360);
      expect(Math.max(...links), name).toBeLessThanOrEqual(360);
    }
    await phone.close();
  });

  it(`opens on ${index.default} and generates PyTorch's seeded samples`, async () => {
    const page = await context.newPage();
    const failed: string[] = [];
    page.on('response', (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
    await page.goto(`${BASE_URL}?backend=wasm`);
    await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
    expect(failed).toEqual([]); // the favicon and the web app manifest too
    const manifest = await (await page.request.get(`${BASE_URL}manifest.webmanifest`)).json();
    expect(manifest.icons[0].src).toBe('favicon.svg');
    expect(await page.locator('select').first().inputValue()).toBe(index.default);
    expect(await page.getByTestId('pack-origin').textContent()).toBe('downloaded');
    // no WebGPU adapter in this browser: the plain WebAssembly build runs
    expect(await page.getByTestId('ort-build').getAttribute('data-build')).toBe('plain');
    const c = reference.generation[0];
    await page.goto(caseUrl(c, index.default, 'wasm'));
    expect(await generateTokens(page, c.batch)).toEqual(c.tokens);
    const levels = await page.$eval('[data-testid=sample] canvas', (el) => {
      const canvas = el as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      return new Set(Array.from(data).filter((_, i) => i % 4 === 0)).size;
    });
    expect(levels).toBeGreaterThan(8); // a picture, not a flat fill

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Save PNG' }).first().click(),
    ]);
    const saved = JSON.parse(readPngText(new Uint8Array(readFileSync((await download.path())!)))['digit-settings']);
    expect(saved).toMatchObject({ pack: index.default, seed: c.seed, classId: c.class_id, decoder: c.decoder });
    expect(saved.link).toContain(`seed=${c.seed}`);
  });

  it('shows each class by a training image; clicking one picks that class', async () => {
    const { classes } = JSON.parse(readFileSync(`public/models/${index.default}/pack.json`, 'utf8')) as {
      classes: string[];
    };
    const page = await context.newPage();
    await page.goto(`${BASE_URL}?backend=wasm&class=0`);
    await page.waitForSelector('[data-testid=class-tile]', { timeout: 60_000 });
    const tiles = page.getByTestId('class-tile');
    expect(await tiles.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))).toEqual(classes);
    const last = classes.length - 1;
    await tiles.nth(last).click();
    expect(await page.getByLabel('Class', { exact: true }).inputValue()).toBe(String(last));
    expect(await tiles.nth(last).getAttribute('aria-pressed')).toBe('true');
    expect(await tiles.nth(0).getAttribute('aria-pressed')).toBe('false');
    await expect.poll(() => new URL(page.url()).searchParams.get('class')).toBe(String(last));
    // the tile shows its class's slice of the sheet, not a blank
    const drawn = await tiles.nth(last).evaluate((el) => getComputedStyle(el).backgroundImage);
    expect(drawn).toMatch(/^url\("blob:/);
    await page.close();
  });

  it('gives the same image after a reload of the link; pins, sweeps, and finds the board after a reload', async () => {
    const page = await context.newPage();
    const c = reference.generation[0];
    await page.goto(caseUrl(c, index.default, 'wasm'));
    await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
    expect(await generateTokens(page, c.batch)).toEqual(c.tokens);
    await page.reload();
    await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
    expect(await generateTokens(page, c.batch)).toEqual(c.tokens);

    await page.getByRole('button', { name: 'Pin' }).first().click();
    await openPage(page, 'Compare');
    await page.getByLabel('Sweep').selectOption('guidance');
    await page.getByLabel('Values (comma-separated)').fill('1, 3');
    await page.getByLabel('Seeds (rows)').fill('1');
    await page.getByRole('button', { name: 'Run sweep' }).click();
    const filled = () => page.locator('[data-testid=sweep-cell][data-filled=yes]').count();
    await expect.poll(filled, { timeout: 120_000 }).toBe(2);
    await page.waitForSelector('[data-testid=board-saved][data-saved=yes]'); // the last write has landed
    await page.goto(BASE_URL); // a plain visit: the board comes back from IndexedDB
    await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
    await openPage(page, 'Compare');
    await expect.poll(() => page.getAttribute('[data-testid=pin]', 'data-tokens')).toBe(c.tokens[0].join(','));
    expect(await filled()).toBe(2);
    await page.close();
  });

  it("tokenizes each example as PyTorch did, shows a token's training patches, completes the first rows", async () => {
    const pack = JSON.parse(readFileSync(`public/models/${index.default}/pack.json`, 'utf8')) as {
      exemplars: { counts: number[]; per_token: number };
      grid: { w: number };
      classes: string[];
      examples: { class_id: number }[];
    };
    const page = await context.newPage();
    await page.goto(`${BASE_URL}?backend=wasm`);
    await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
    await openPage(page, 'Token map');
    const names = pack.examples.map((e) => `held-out example: ${pack.classes[e.class_id]}`);
    for (const name of names) expect(await page.getByRole('button', { name, exact: true }).count()).toBeGreaterThan(0);
    for (const [i, example] of reference.tokenize.entries()) {
      await page.locator('[data-testid=example]').nth(i).click();
      await expect
        .poll(() => page.getAttribute('[data-testid=token-map]', 'data-tokens'))
        .toBe(example.tokens.join(','));
    }

    // explained in place: what the pack knows, what a token is; hovering a cell shows its kind
    expect(await page.textContent('[data-testid=domain-note]')).toContain(
      'This pack knows only what it was trained on',
    );
    expect(await page.textContent('[data-testid=token-legend]')).toContain('nearest of');
    const last = reference.tokenize.at(-1)!.tokens;
    await page.locator('[data-testid=token-map] [role=gridcell]').first().hover();
    expect(await page.locator('[data-testid=token-map] [role=gridcell].same').count()).toBe(
      last.filter((t) => t === last[0]).length,
    );
    await page.locator('[data-testid=token-map] [role=gridcell]').first().click();
    const token = reference.tokenize.at(-1)!.tokens[0];
    expect(await page.textContent('[data-testid=token-selection]')).toContain(`Token ${token}:`);
    const expected = Math.min(pack.exemplars.counts[token], pack.exemplars.per_token);
    expect(Number(await page.getAttribute('[data-testid=exemplars]', 'data-count'))).toBe(expected);
    const tiles = page.locator('[data-testid=exemplars] [role=img]');
    expect(await tiles.count()).toBe(expected);
    expect(await tiles.first().evaluate((el) => getComputedStyle(el).backgroundImage)).toMatch(/^url\("blob:/);

    await page.getByRole('button', { name: /Complete/ }).click();
    await page.waitForSelector('[data-testid=completions] canvas', { timeout: 120_000 });
    const prefix = reference.tokenize.at(-1)!.tokens.slice(0, 2 * pack.grid.w);
    const completions = await page.$$eval('[data-testid=completion]', (els) =>
      els.map((e) => (e as HTMLElement).dataset.tokens!.split(',').map(Number)),
    );
    for (const tokens of completions) expect(tokens.slice(0, prefix.length)).toEqual(prefix);
    await page.close();
  });

  it('reads the pack from the browser cache on the next visit, stops a generation, and generates again', async () => {
    const page = await context.newPage();
    await page.goto(`${BASE_URL}?backend=wasm&batch=16&decoder=ar-vq`);
    await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
    expect(await page.getByTestId('pack-origin').textContent()).toBe('from the browser cache');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByRole('button', { name: 'Stop' }).click({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Generate', exact: true }).waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid=sample]').count()).toBe(0);
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.getByLabel('Batch').fill('4');
    // the observer sees a deliberate 120 ms block, so an empty list below means no long task
    await page.evaluate(() => {
      setTimeout(() => {
        const t = performance.now();
        while (performance.now() - t < 120);
      }, 0);
    });
    await expect
      .poll(() => page.evaluate(() => Math.max(0, ...(window as unknown as { longTasks: number[] }).longTasks)))
      .toBeGreaterThanOrEqual(100);
    await page.evaluate(() => {
      (window as unknown as { longTasks: number[] }).longTasks = [];
    });
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForSelector('[data-testid=sample] canvas', { timeout: 120_000 });
    // the worker does the work: the page never blocks for 100 ms while it generates
    const longest = await page.evaluate(() =>
      Math.max(0, ...(window as unknown as { longTasks: number[] }).longTasks),
    );
    expect(longest).toBeLessThan(100);
  });

  it('lists every pack with its size, quality and cache state; Use loads one, Clear empties the cache', async () => {
    const page = await context.newPage();
    await page.goto(`${BASE_URL}?backend=wasm`);
    await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
    await page.getByText('All packs').click();
    const state = (id: string) =>
      page.locator(`[data-testid=pack-card][data-pack="${id}"] [data-testid=cache-state]`).textContent();
    await expect.poll(() => state(index.default)).toBe('in the browser cache');
    const other = index.default === 'emoji-mini' ? 'fashion-mini' : 'emoji-mini';
    await expect.poll(() => state(other)).toBe('not downloaded yet');
    expect(await page.locator(`[data-testid=pack-card][data-pack="${other}"]`).textContent()).toMatch(
      /\d+\.\d MB · CAS 0\.\d\d/,
    );
    await page.locator(`[data-testid=pack-card][data-pack="${other}"] button`).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('pack'), { timeout: 60_000 }).toBe(other);
    await expect.poll(() => state(other)).toBe('in the browser cache');
    await page.getByRole('button', { name: 'Clear the pack cache' }).click();
    await expect.poll(() => state(other)).toBe('not downloaded yet');
    await expect.poll(() => state(index.default)).toBe('not downloaded yet');
  });
});
