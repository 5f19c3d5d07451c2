// Shared by the browser tests: the app's URL for a PyTorch generation case, and a generation
// read back from the gallery.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { settingsToUrl } from '../src/settings';
import type { BackendPreference } from '../workers/engine/backend';
import { settingsFromPack } from '../workers/engine/sampling';
import { FIXTURE_DIR, type GenerationCase } from '../workers/engine/test/golden';
import { BASE_URL } from './server';

export function caseUrl(c: GenerationCase, pack: string, backend: BackendPreference): string {
  const { decoder } = c;
  const stage1 = settingsFromPack(c.stage1);
  const settings = { pack, classId: c.class_id, seed: c.seed, batch: c.batch, ...stage1, decoder, backend };
  return `${BASE_URL}${settingsToUrl(settings)}`;
}

/** Click Generate and return the token grids of the gallery once `count` more samples are in. */
export async function generateTokens(page: Page, count: number, timeout = 120_000): Promise<number[][]> {
  await openPage(page, 'Generate');
  const before = await page.locator('[data-testid=sample]').count();
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=sample]').length >= n, before + count, {
    timeout,
  });
  const tokens = await page.$$eval('[data-testid=sample]', (els) =>
    els.map((e) => (e as HTMLElement).dataset.tokens!.split(',').map(Number)),
  );
  return tokens.slice(0, count);
}

const PAGE_HEADINGS = {
  Generate: 'generate-title',
  'Token map': 'tokens-title',
  Compare: 'compare-title',
  'How it works': 'how-title',
} as const;

/** Go to one of the app's pages by its link in the header, and wait until it shows. */
export async function openPage(page: Page, name: keyof typeof PAGE_HEADINGS) {
  await page.getByRole('navigation', { name: 'pages' }).getByRole('link', { name, exact: true }).click();
  await page.waitForSelector(`section[aria-labelledby=${PAGE_HEADINGS[name]}]`);
}

/** Open the token map and give it the fixture's example image (as a file picked by the user). */
export async function mapFixtureExample(page: Page) {
  await openPage(page, 'Token map');
  await page.setInputFiles('[data-testid=file-input]', {
    name: 'example.png',
    mimeType: 'image/png',
    buffer: readFileSync(`${FIXTURE_DIR}/example.png`),
  });
  await page.waitForSelector('[data-testid=token-map]');
}
