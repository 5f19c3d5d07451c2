// axe-core on every page, light and dark, with content on each: no serious or critical
// accessibility violation (contrast, names, roles, labels).
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch } from './browser';
import { generateTokens, mapFixtureExample, openPage } from './generation';
import { BASE_URL } from './server';

const PAGES = ['Generate', 'Token map', 'Compare', 'How it works'] as const;

async function seriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

for (const scheme of ['light', 'dark'] as const) {
  describe(`accessibility, ${scheme} theme`, () => {
    let browser: Browser;
    let page: Page;
    beforeAll(async () => {
      browser = await launch(false);
      page = await (await browser.newContext({ colorScheme: scheme })).newPage(); // axe needs a context
      await page.goto(`${BASE_URL}?pack=fixture-tiny&backend=wasm&batch=2`);
      await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
      await generateTokens(page, 2);
      await page.getByRole('button', { name: 'Pin' }).first().click();
      await mapFixtureExample(page);
      await page.waitForSelector('[data-testid=reconstruction-direct]');
    });
    afterAll(async () => {
      await browser?.close();
    });

    for (const name of PAGES) {
      it(`${name}: no serious or critical axe violation`, async () => {
        await openPage(page, name);
        if (name === 'How it works') await page.waitForSelector('[data-testid=candidates]', { timeout: 60_000 });
        expect(await seriousViolations(page)).toEqual([]);
      });
    }
  });
}
