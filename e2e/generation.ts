// Shared by the browser tests: the app's URL for a PyTorch generation case, and a generation
// read back from the gallery.
import type { Page } from 'playwright-core';
import type { GenerationCase } from '../workers/engine/test/golden';
import { BASE_URL } from './server';

export function caseUrl(c: GenerationCase, pack: string, backend: string): string {
  const q = new URLSearchParams({
    pack,
    class: String(c.class_id),
    seed: String(c.seed),
    batch: String(c.batch),
    temp: String(c.stage1.temperature),
    topk: String(c.stage1.top_k),
    topp: String(c.stage1.top_p),
    cfg: String(c.stage1.guidance),
    decoder: c.decoder,
    backend,
  });
  return `${BASE_URL}?${q}`;
}

/** Click Generate and return the token grids of the gallery once `count` more samples are in. */
export async function generateTokens(page: Page, count: number, timeout = 120_000): Promise<number[][]> {
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
