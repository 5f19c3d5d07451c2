// Deployed on a plain static host that sends no cross-origin isolation headers (Python's
// http.server over dist/): the first visit runs unisolated, the service worker then serves the
// page with the headers, so the next visit is isolated and the worker's WebAssembly may use threads.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch } from './browser';
import { generateTokens } from './generation';
import { waitUntilUp } from './server';

const PORT = 5737;
const URL = `http://127.0.0.1:${PORT}/`;

describe('on a static host without isolation headers', () => {
  let server: ChildProcess;
  let browser: Browser;
  beforeAll(async () => {
    server = spawn(
      '/usr/bin/python3',
      ['-m', 'http.server', String(PORT), '--bind', '127.0.0.1', '--directory', 'dist'],
      {
        stdio: 'ignore',
      },
    );
    await waitUntilUp(URL, 30_000);
    browser = await launch(false);
  });
  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
  });

  it('is cross-origin isolated from the second visit on, by its service worker', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const first = await page.goto(`${URL}?backend=wasm&seed=3&batch=1`);
    expect(first?.headers()['cross-origin-embedder-policy']).toBeUndefined(); // the host sends none
    await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(false);
    expect(await page.getByTestId('threads').getAttribute('data-isolated')).toBe('false');
    const unisolated = await generateTokens(page, 1);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve));
      }
    });

    await page.reload();
    await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    // the inference worker, a script the service worker served, is isolated too
    expect(await page.getByTestId('threads').getAttribute('data-isolated')).toBe('true');
    expect(await generateTokens(page, 1)).toEqual(unisolated);
    await context.close();
  });
});
