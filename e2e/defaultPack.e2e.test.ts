// The app opens on the default trained pack (WASM) and generates a class-conditional picture.
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch } from './browser';
import { BASE_URL } from './server';

const index = JSON.parse(readFileSync('public/models/index.json', 'utf8')) as { default: string };

describe('default pack', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch(false);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it(`opens on ${index.default} and generates a picture`, async () => {
    const page = await browser.newPage();
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
  });
});
