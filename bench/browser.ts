// npm run bench:browser -- [--pack ID] [--batches 1,4,8] [--repeats 2] [--backends wasm,wasm-with-adapter,webgpu]
// The real app in headless Chromium (built app, `vite preview` on the e2e port): wall time from
// clicking Generate to the batch in the gallery, per backend and batch, after one warm-up run.
// `wasm` runs in a browser without a WebGPU adapter (the app loads the plain WASM runtime);
// `wasm-with-adapter` asks for WASM in a browser that has one (the WebGPU-capable runtime).
// First, the time to the first image on a cached visit (page opened -> Generate -> image).
// Reports the backend the app chose and the WebGPU adapter; in headless Chromium that adapter is
// SwiftShader (software), so its numbers say nothing about a real GPU. Prints a table and one
// JSON line (also written to bench/results/<date>-browser.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { launch } from '../e2e/browser';
import { BASE_URL, setup, teardown } from '../e2e/server';
import { machine } from './machine';

const { values: opts } = parseArgs({
  options: {
    pack: { type: 'string', default: 'fashion-mini' },
    batches: { type: 'string', default: '1,4,8' },
    repeats: { type: 'string', default: '2' },
    backends: { type: 'string', default: 'wasm,wasm-with-adapter,webgpu' },
  },
});
const batches = opts.batches.split(',').map(Number);
const repeats = Number(opts.repeats);

/** Seconds from clicking Generate until the batch leads the gallery (a batch arrives whole; the
 *  gallery keeps the latest 64, so counting samples would stall once it is full). */
async function generationSeconds(page: Page): Promise<number> {
  const newest = () => document.querySelector('[data-testid=sample]')?.getAttribute('data-id') ?? null;
  const before = await page.evaluate(newest);
  const start = performance.now();
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await page.waitForFunction(
    (previous) => (document.querySelector('[data-testid=sample]')?.getAttribute('data-id') ?? null) !== previous,
    before,
    { timeout: 600_000 },
  );
  return (performance.now() - start) / 1000;
}

/** Seconds from opening the page to the first image (Generate clicked as soon as it can be), on
 *  visits after the first: the pack comes from the browser's cache. Median of `visits`. */
async function firstImageSeconds(pack: string, visits: number): Promise<number> {
  const browser = await launch(false);
  try {
    const context = await browser.newContext();
    const visit = async () => {
      const page = await context.newPage();
      await page.goto(`${BASE_URL}?pack=${pack}&backend=wasm&seed=1&batch=1`);
      await page.getByRole('button', { name: 'Generate', exact: true }).click({ timeout: 120_000 });
      await page.waitForSelector('[data-testid=sample] canvas', { timeout: 120_000 });
      const seconds = await page.evaluate(() => performance.now() / 1000); // since the navigation began
      await page.close();
      return seconds;
    };
    await visit(); // fills the cache
    const times: number[] = [];
    for (let i = 0; i < visits; i++) times.push(await visit());
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  } finally {
    await browser.close();
  }
}

async function main() {
  await setup();
  const summary: Record<string, number | string> = { ...machine(), pack: opts.pack };
  const rows: string[] = [];
  try {
    const first = await firstImageSeconds(opts.pack, 5);
    summary.wasm_first_image_cached_s = Number(first.toFixed(2));
    rows.push(
      `first image on a cached visit (WASM, batch 1, median of 5): ${first.toFixed(2)} s after opening the page`,
    );
    console.error(rows.at(-1));
    for (const backend of opts.backends.split(',')) {
      const browser = await launch(backend !== 'wasm');
      summary.browser = `Chromium ${browser.version()}`;
      try {
        const page = await browser.newPage();
        const ask = backend === 'webgpu' ? 'webgpu' : 'wasm';
        await page.goto(`${BASE_URL}?pack=${opts.pack}&backend=${ask}&seed=1&batch=1`);
        await page.waitForSelector('[data-testid=backend]', { timeout: 120_000 });
        const used = (await page.getAttribute('[data-testid=backend]', 'data-backend'))!;
        const banner = (await page.textContent('[data-testid=backend]'))!;
        summary[`${backend}_runs_on`] =
          used === 'webgpu' ? (banner.split(' — ')[1] ?? 'webgpu') : banner.split(' · ')[0];
        summary[`${backend}_runtime_build`] = (await page.getAttribute('[data-testid=ort-build]', 'data-build'))!;
        for (const batch of batches) {
          await page.getByLabel('Batch').fill(String(batch));
          await generationSeconds(page); // warm-up
          const times: number[] = [];
          for (let i = 0; i < repeats; i++) times.push(await generationSeconds(page));
          const seconds = times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
          summary[`${backend}_images_per_s_batch${batch}`] = Number((batch / seconds).toPrecision(4));
          rows.push(
            `${backend.padEnd(17)} batch ${String(batch).padStart(2)}  ` +
              `${(batch / seconds).toPrecision(4).padStart(8)} images/s  (${seconds.toFixed(2)} s per batch)`,
          );
          console.error(rows.at(-1));
        }
        const plan = (await page.textContent('[data-testid=batch-plan]'))?.trim() ?? '';
        summary[`${backend}_batch_plan`] = plan;
        console.error(`${backend}: ${plan}`);
      } finally {
        await browser.close();
      }
    }
  } finally {
    await teardown();
  }
  console.log(
    `\nbench:browser, pack ${opts.pack}, the built app in headless ${summary.browser} ` +
      `on ${summary.cpu} (${summary.cores} cores)`,
  );
  for (const [key, value] of Object.entries(summary))
    if (key.endsWith('_runs_on') || key.endsWith('_runtime_build')) console.log(`${key}: ${value}`);
  for (const row of rows) console.log(row);
  const date = new Date().toISOString().slice(0, 10);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/${date}-browser.json`, `${JSON.stringify({ date, ...summary }, null, 1)}\n`);
  console.log(JSON.stringify({ date, ...summary }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
