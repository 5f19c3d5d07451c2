// The trained packs on WebGPU (SwiftShader's software adapter here) give PyTorch's seeded samples:
// the same code paths as on a real GPU, checked for correctness, not speed.
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationCase } from '../workers/engine/test/golden';
import { launch } from './browser';
import { caseUrl, generateTokens } from './generation';

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
      const c = (
        JSON.parse(readFileSync(`public/models/${id}/reference.json`, 'utf8')) as { generation: GenerationCase[] }
      ).generation[1];
      const page = await browser.newPage();
      await page.goto(caseUrl(c, id, 'webgpu'));
      await page.waitForSelector('[data-testid=backend]', { timeout: 120_000 });
      expect(await page.getAttribute('[data-testid=backend]', 'data-backend')).toBe('webgpu');
      expect(await generateTokens(page, c.batch, 240_000)).toEqual(c.tokens);
      await page.close();
    }, 300_000);
  }
});
