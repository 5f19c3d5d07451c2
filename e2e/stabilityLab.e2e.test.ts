// The stability lab on a trained pack (fashion-mini ships the VQ encoder and its measured curve):
// at 10 dB the page flips the cells the engine in Node flips, fewer for DiGIT than VQ where the
// model card says so, and a slider pushed 20 times in a row leaves the page responsive and ends
// on the last value's grids.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPng } from '../cli/images';
import { Engine } from '../workers/engine/engine';
import type { Perturbation } from '../workers/engine/perturb';
import { fileSource } from '../workers/node/fileSource';
import { launch } from './browser';
import { openPage } from './generation';
import { BASE_URL } from './server';

const PACK = 'fashion-mini';
const DIR = `public/models/${PACK}`;
const manifest = JSON.parse(readFileSync(`${DIR}/pack.json`, 'utf8'));
const EXAMPLE = manifest.examples[0].file as string;

let engine: Engine;
let browser: Browser;
let page: Page;

/** How many cells the engine in Node flips for the example under `p` (noise seed 0, as the page). */
async function nodeFlips(p: Perturbation) {
  const image = readPng(`${DIR}/${EXAMPLE}`);
  const base = await engine.perturbedTokens(image, { kind: 'none' });
  const now = await engine.perturbedTokens(image, p, 0);
  const flips = (a: number[], b: number[]) => a.filter((t, i) => t !== b[i]).length;
  return { digit: flips(now.digit, base.digit), vq: flips(now.vq!, base.vq!) };
}

const pageFlips = async () => ({
  digit: Number(await page.getAttribute('[data-testid=stability-digit]', 'data-changed')),
  vq: Number(await page.getAttribute('[data-testid=stability-vq]', 'data-changed')),
});

describe('stability lab', () => {
  beforeAll(async () => {
    engine = await Engine.load(fileSource(DIR), { backend: 'wasm' });
    browser = await launch(false);
    page = await browser.newPage();
    await page.goto(`${BASE_URL}?pack=${PACK}&backend=wasm`);
    await page.waitForSelector('[data-testid=backend]', { timeout: 120_000 });
    await openPage(page, 'Token map');
    await page.locator(`[data-testid=example][data-file="${EXAMPLE}"]`).click();
    await page.waitForSelector('[data-testid=stability-vq]', { timeout: 60_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await engine?.dispose();
  });

  it("at 10 dB: the engine's flips within one cell, fewer DiGIT than VQ as the model card says", async () => {
    const setting = JSON.parse((await page.getAttribute('[data-testid=stability-grids]', 'data-setting'))!);
    expect(setting).toEqual({ kind: 'noise', snrDb: 10 });
    const expected = await nodeFlips(setting);
    const shown = await pageFlips();
    expect(Math.abs(shown.digit - expected.digit)).toBeLessThanOrEqual(1);
    expect(Math.abs(shown.vq - expected.vq)).toBeLessThanOrEqual(1);
    const card = manifest.metrics.token_stability.find((r: { snr_db: number }) => r.snr_db === 10);
    if (card.digit_change_rate < card.vq_change_rate) expect(shown.digit).toBeLessThan(shown.vq);
    // the curve of this image over every SNR of Table 1 is drawn beside the card's
    await expect.poll(() => page.getAttribute('[data-testid=stability-curve]', 'data-rates')).not.toBe('');
  });

  it('20 quick slider moves: no long task over 200 ms, and the last value is what shows', async () => {
    await page.evaluate(() => {
      const w = window as unknown as { labTasks: number[] };
      w.labTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.labTasks.push(e.duration);
      }).observe({ type: 'longtask' });
    });
    await page.getByRole('slider', { name: 'how much' }).focus();
    // from 10 dB (stop 4): down to the first stop, up to the last, back to stop 3
    const keys = [...Array(9).fill('ArrowLeft'), ...Array(7).fill('ArrowRight'), ...Array(4).fill('ArrowLeft')];
    for (const key of keys) await page.keyboard.press(key);
    const last = { kind: 'noise', snrDb: 15 }; // stops 30, 25, 20, 15: index 3
    await expect
      .poll(async () => JSON.parse((await page.getAttribute('[data-testid=stability-grids]', 'data-setting'))!))
      .toEqual(last);
    const expected = await nodeFlips(last as Perturbation);
    await expect
      .poll(async () => {
        const shown = await pageFlips();
        return Math.abs(shown.digit - expected.digit) <= 1 && Math.abs(shown.vq - expected.vq) <= 1;
      })
      .toBe(true);
    const longest = await page.evaluate(() => Math.max(0, ...(window as unknown as { labTasks: number[] }).labTasks));
    expect(longest).toBeLessThan(200);
  });

  it("JPEG at quality 5 changes some of the VQ autoencoder's codes (the browser encodes it, in the worker)", async () => {
    await page.locator('#stability-lab').getByText('JPEG', { exact: true }).click();
    await page.getByRole('slider', { name: 'how much' }).focus();
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
    await expect
      .poll(async () => JSON.parse((await page.getAttribute('[data-testid=stability-grids]', 'data-setting'))!))
      .toEqual({ kind: 'jpeg', quality: 5 });
    await expect.poll(async () => (await pageFlips()).vq).toBeGreaterThan(0);
  });

  it('prefix robustness: completions from the noised kept rows, DiGIT beside VQ, as the engine reads them', async () => {
    await page.getByLabel('Noise on the image before its rows are read').selectOption('10');
    await page.getByRole('button', { name: /Complete ×/ }).click();
    await page.waitForSelector('[data-testid=prefix-result][data-noise="10"] [data-testid=vq-completions] canvas', {
      timeout: 120_000,
    });
    const keep = 2 * manifest.grid.w; // the form keeps 2 rows by default
    const image = readPng(`${DIR}/${EXAMPLE}`);
    const clean = await engine.perturbedTokens(image, { kind: 'none' });
    const noisy = await engine.perturbedTokens(image, { kind: 'noise', snrDb: 10 }, 1); // the page's seed: 1
    for (const [side, id] of [
      ['digit', 'completions'],
      ['vq', 'vq-completions'],
    ] as const) {
      const prefix = noisy[side]!.slice(0, keep);
      const changed = prefix.filter((t, i) => t !== clean[side]![i]).length;
      const shown = Number(await page.getAttribute(`[data-testid=${id}]`, 'data-changed'));
      expect(Math.abs(shown - changed)).toBeLessThanOrEqual(1);
      const samples = await page.$$eval(`[data-testid=${id}] figure`, (els) =>
        els.map((el) => el.getAttribute('data-tokens')!.split(',').map(Number)),
      );
      expect(samples).toHaveLength(4);
      // every completion keeps the same noised start; within one token of the engine's
      for (const tokens of samples) expect(tokens.slice(0, keep)).toEqual(samples[0].slice(0, keep));
      expect(samples[0].slice(0, keep).filter((t, i) => t !== prefix[i]).length).toBeLessThanOrEqual(1);
    }
  });
});
