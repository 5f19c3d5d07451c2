// npm run screenshots: every page at desktop and phone width, light and dark, into
// docs/screenshots/. Serves the built app (npm run build first) on an uncommon port and drives
// Debian's Chromium through each flow: generate, token map with a dropped image, the Compare
// board with a sweep, and How it works on that image.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { launch } from '../e2e/browser';
import { openPage } from '../e2e/generation';
import { BASE_URL, setup, teardown } from '../e2e/server';

const OUT = 'docs/screenshots';
const WIDTHS = { desktop: 1280, phone: 375 } as const;
const SCHEMES = ['light', 'dark'] as const;

async function shoot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  await setup();
  const browser = await launch(false);
  try {
    for (const [device, width] of Object.entries(WIDTHS)) {
      for (const scheme of SCHEMES) {
        const page = await browser.newPage({ viewport: { width, height: 900 }, colorScheme: scheme });
        const name = (route: string) => `${route}-${device}${scheme === 'dark' ? '-dark' : ''}`;
        await page.goto(`${BASE_URL}?backend=wasm&batch=8&seed=3`);
        await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
        await page.getByRole('button', { name: 'Generate' }).click();
        await page.waitForFunction(() => document.querySelectorAll('[data-testid=sample] canvas').length >= 8, null, {
          timeout: 120_000,
        });
        await shoot(page, name('generate'));

        const sample = await page.locator('[data-testid=sample] canvas').first().screenshot();
        await page.getByRole('button', { name: 'Pin' }).first().click();
        await page.getByRole('button', { name: 'Pin' }).nth(1).click();
        await openPage(page, 'Token map');
        await page.setInputFiles('[data-testid=file-input]', {
          name: 'sample.png',
          mimeType: 'image/png',
          buffer: sample,
        });
        await page.waitForSelector('[data-testid=reconstruction-direct]');
        await page.locator('[data-testid=token-map] [role=gridcell]').nth(5).click();
        await page.getByRole('button', { name: /Complete/ }).click();
        await page.waitForSelector('[data-testid=completions] canvas', { timeout: 120_000 });
        await shoot(page, name('token-map'));

        await openPage(page, 'How it works');
        await page.waitForSelector('[data-testid=candidates]', { timeout: 60_000 });
        await page.getByRole('slider', { name: 'cell' }).focus();
        for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowRight');
        await shoot(page, name('how-it-works'));

        await openPage(page, 'Compare');
        await page.getByLabel('Values (comma-separated)').fill('0.7, 1, 1.3');
        await page.getByRole('button', { name: 'Run sweep' }).click();
        await page.waitForFunction(() => !document.querySelector('[data-testid=sweep-cell][data-filled=no]'), null, {
          timeout: 120_000,
        });
        await shoot(page, name('compare'));
        await page.close();
      }
    }
  } finally {
    await browser.close();
    await teardown();
  }
  console.log(`screenshots written to ${OUT}/`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
