// npm run screenshots: the app's pages at desktop and phone width, into docs/screenshots/.
// Serves the built app (npm run build first) on an uncommon port and drives Debian's Chromium
// through each flow: generate, token map with a dropped image, the Compare board with a sweep.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { launch } from '../e2e/browser';
import { BASE_URL, setup, teardown } from '../e2e/server';

const OUT = 'docs/screenshots';
const WIDTHS = { desktop: 1280, phone: 360 } as const;

async function shoot(page: Page, name: string, selector: string) {
  await page.locator(selector).scrollIntoViewIfNeeded();
  await page.locator(selector).screenshot({ path: `${OUT}/${name}.png` });
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  await setup();
  const browser = await launch(false);
  try {
    for (const [device, width] of Object.entries(WIDTHS)) {
      const page = await browser.newPage({ viewport: { width, height: 900 }, colorScheme: 'light' });
      await page.goto(`${BASE_URL}?backend=wasm&batch=8&seed=3`);
      await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
      await page.getByRole('button', { name: 'Generate' }).click();
      await page.waitForSelector('[data-testid=sample] canvas', { timeout: 120_000 });
      await shoot(page, `generate-${device}`, 'section[aria-labelledby=generate-title]');

      const sample = await page.locator('[data-testid=sample] canvas').first().screenshot();
      await page.setInputFiles('[data-testid=file-input]', {
        name: 'sample.png',
        mimeType: 'image/png',
        buffer: sample,
      });
      await page.waitForSelector('[data-testid=reconstruction-direct]');
      await page.locator('[data-testid=token-map] [role=gridcell]').nth(5).click();
      await page.getByRole('button', { name: /Complete/ }).click();
      await page.waitForSelector('[data-testid=completions] canvas', { timeout: 120_000 });
      await shoot(page, `token-map-${device}`, 'section[aria-labelledby=tokens-title]');

      await page.getByRole('button', { name: 'Pin' }).first().click();
      await page.getByRole('button', { name: 'Pin' }).nth(1).click();
      await page.getByLabel('Values (comma-separated)').fill('0.7, 1, 1.3');
      await page.getByRole('button', { name: 'Run sweep' }).click();
      await page.waitForFunction(() => !document.querySelector('[data-testid=sweep-cell][data-filled=no]'), null, {
        timeout: 120_000,
      });
      await shoot(page, `compare-${device}`, 'section[aria-labelledby=compare-title]');
      await page.close();
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
