// The app opens on the default trained pack (WASM) and generates a class-conditional picture.
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch } from './browser';
import { BASE_URL } from './server';

const index = JSON.parse(readFileSync('public/models/index.json', 'utf8')) as { default: string };

describe('default pack', () => {
  let browser: Browser;
  let context: BrowserContext; // one profile, so the second visit finds the first one's cache
  beforeAll(async () => {
    browser = await launch(false);
    context = await browser.newContext();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it(`opens on ${index.default} and generates a picture`, async () => {
    const page = await context.newPage();
    await page.goto(`${BASE_URL}?backend=wasm`);
    await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
    expect(await page.locator('select').first().inputValue()).toBe(index.default);
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForSelector('[data-testid=sample] canvas', { timeout: 120_000 });
    const levels = await page.$eval('[data-testid=sample] canvas', (c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      return new Set(Array.from(data).filter((_, i) => i % 4 === 0)).size;
    });
    expect(levels).toBeGreaterThan(8);
    expect(new URL(page.url()).searchParams.get('pack')).toBe(index.default);
    expect(await page.getByTestId('pack-origin').textContent()).toBe('downloaded');
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
    await page.getByLabel('Batch').fill('1');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForSelector('[data-testid=sample] canvas', { timeout: 120_000 });
  });
});
