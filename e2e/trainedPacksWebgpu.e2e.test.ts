// The trained packs on WebGPU (SwiftShader's software adapter here) give PyTorch's seeded samples:
// the same code paths as on a real GPU, checked for correctness, not speed.
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationCase } from '../workers/engine/test/golden';
import { launch } from './browser';
import { BASE_URL } from './server';

const PACKS = ['emoji-mini', 'fashion-mini'];

describe('trained packs on WebGPU', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch(true);
  });
  afterAll(async () => {
    await browser?.close();
  });

  for (const id of PACKS) {
    it(`${id}: PyTorch's seeded tokens`, async () => {
      const c = (JSON.parse(readFileSync(`public/models/${id}/reference.json`, 'utf8')) as { generation: GenerationCase[] }).generation[1];
      const q = new URLSearchParams({ pack: id, class: String(c.class_id), seed: String(c.seed), batch: String(c.batch),
        temp: String(c.stage1.temperature), topk: String(c.stage1.top_k), topp: String(c.stage1.top_p),
        cfg: String(c.stage1.guidance), decoder: c.decoder, backend: 'webgpu' });
      const page = await browser.newPage();
      await page.goto(`${BASE_URL}?${q}`);
      await page.waitForSelector('[data-testid=backend]', { timeout: 120_000 });
      expect(await page.getAttribute('[data-testid=backend]', 'data-backend')).toBe('webgpu');
      await page.getByRole('button', { name: 'Generate' }).click();
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid=sample]').length >= n, c.batch,
        { timeout: 240_000 });
      const tokens = await page.$$eval('[data-testid=sample]', (els) =>
        els.map((e) => (e as HTMLElement).dataset.tokens!.split(',').map(Number)));
      expect(tokens).toEqual(c.tokens);
      await page.close();
    }, 300_000);
  }
});
