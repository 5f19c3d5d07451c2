// Installable and offline: Chromium's own installability check passes, and after one online visit
// the page opens and generates with the network gone (the service worker keeps the app and the
// runtime; the app's cache keeps the pack).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, launchWithProfile } from './browser';
import { generateTokens } from './generation';
import { BASE_URL } from './server';

const index = JSON.parse(readFileSync('public/models/index.json', 'utf8')) as { default: string };

describe('offline', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch(false);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('opens and generates on the default pack with the network blocked, after one visit', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${BASE_URL}?backend=wasm&seed=5&batch=2`);
    await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
    // the service worker has cached the app and the runtime once it is active
    expect(await page.evaluate(async () => Boolean((await navigator.serviceWorker.ready).active))).toBe(true);
    const online = await generateTokens(page, 2);

    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
    expect(await page.locator('.pack-bar select').first().inputValue()).toBe(index.default);
    expect(await page.getByTestId('pack-origin').textContent()).toBe('from the browser cache');
    expect(await generateTokens(page, 2)).toEqual(online); // the same seed, the same samples
    await context.close();
  });

  it('is installable as an app: Chromium finds no installability error', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'digit-profile-'));
    const context = await launchWithProfile(profile);
    try {
      const page = await context.newPage();
      await page.goto(`${BASE_URL}?backend=wasm`);
      await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
      const cdp = await context.newCDPSession(page);
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      expect(installabilityErrors).toEqual([]);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
