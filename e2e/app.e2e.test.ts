// The real app in Chromium, on WASM and on WebGPU (software adapter), with the fixture pack:
// a seeded generation must give the golden tokens and pixels, a dropped image its golden token
// grid, and bad input a clear message that leaves everything else in place.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_DIR, golden, maxAbsDiff, settledCase } from '../workers/engine/test/golden';
import { launch } from './browser';
import { caseUrl, generateTokens, mapFixtureExample, openPage } from './generation';
import { BASE_URL } from './server';

// class 1, seed 7, batch 2, ar-vq; its tokens are compared exactly, so every draw must be settled
const CASE = settledCase(golden.generation[0]);
// Pixels may differ by one level where float noise straddles a truncation boundary; WebGPU
// kernels sum in another order, so they get a little more room.
const PIXEL_TOLERANCE = { wasm: 1, webgpu: 3 } as const;

async function samplePixels(page: Page): Promise<number[][]> {
  return page.$$eval('[data-testid=sample] canvas', (canvases) =>
    canvases.map((c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      return Array.from(data).filter((_, i) => i % 4 !== 3);
    }),
  );
}

async function generateAndRead(page: Page) {
  const tokens = await generateTokens(page, CASE.batch);
  return { tokens, pixels: (await samplePixels(page)).slice(0, CASE.batch) };
}

for (const backend of ['wasm', 'webgpu'] as const) {
  describe(`app on ${backend}`, () => {
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];
    const csp: string[] = []; // Content-Security-Policy violations reported on the console

    beforeAll(async () => {
      browser = await launch(backend === 'webgpu');
      page = await browser.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      page.on(
        'console',
        (m) => m.type() === 'error' && /Content Security Policy/.test(m.text()) && csp.push(m.text()),
      );
      await page.goto(caseUrl(CASE, 'fixture-tiny', backend));
      await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
    });
    afterAll(async () => {
      await browser?.close();
    });

    it(`runs on ${backend}`, async () => {
      const used = await page.getAttribute('[data-testid=backend]', 'data-backend');
      const reason = await page.textContent('[data-testid=backend]');
      expect(used, reason ?? '').toBe(backend);
      // the WebGPU-capable runtime only where there is an adapter (it slows WASM down)
      expect(await page.getAttribute('[data-testid=ort-build]', 'data-build')).toBe(
        backend === 'webgpu' ? 'webgpu-capable' : 'plain',
      );
    });

    it('generates the golden tokens and pixels for a class and a seed', async () => {
      const { tokens, pixels } = await generateAndRead(page);
      expect(tokens).toEqual(CASE.tokens);
      const expected = CASE.pixels;
      const half = expected.length / CASE.batch;
      for (let i = 0; i < CASE.batch; i++) {
        const diff = maxAbsDiff(pixels[i], expected.slice(i * half, (i + 1) * half));
        expect(diff).toBeLessThanOrEqual(PIXEL_TOLERANCE[backend]);
      }
    });

    it('reproduces the same image after a reload, from the settings in the URL', async () => {
      await page.reload();
      await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
      const { tokens } = await generateAndRead(page);
      expect(tokens).toEqual(CASE.tokens);
    });

    it("shows a dropped image's golden token grid", async () => {
      await mapFixtureExample(page);
      const tokens = await page.getAttribute('[data-testid=token-map]', 'data-tokens');
      expect(tokens!.split(',').map(Number)).toEqual(golden.quantizer.tokens[0]);

      // the direct decoder rebuilds PyTorch's image from these tokens (image 0 of the golden batch)
      await page.waitForSelector('[data-testid=reconstruction-direct]');
      const rebuilt = await page.$eval('[data-testid=reconstruction-direct]', (el) => {
        const canvas = el as HTMLCanvasElement;
        return Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data);
      });
      const plane = 32 * 32;
      const expected = Array.from({ length: 4 * plane }, (_, i) =>
        i % 4 === 3
          ? 255
          : Math.trunc(
              Math.min(255, Math.max(0, Math.fround(golden.direct_decoder.image[(i % 4) * plane + (i >> 2)] * 255))),
            ),
      );
      expect(maxAbsDiff(rebuilt, expected)).toBeLessThanOrEqual(PIXEL_TOLERANCE[backend]);
      await page.waitForSelector('[data-testid=reconstruction-ar-vq]');

      // hovering a cell says how close the runner-up centroid came
      expect(await page.locator('[data-testid=token-map] [role=gridcell]').first().getAttribute('title')).toContain(
        `runner-up token ${golden.quantizer.runner_up[0][0]} at `,
      );

      // clicking a token highlights every cell that holds it
      const token = golden.quantizer.tokens[0][0];
      await page.locator('[data-testid=token-map] [role=gridcell]').first().click();
      const picked = await page.locator('[data-testid=token-map] [aria-selected=true]').count();
      expect(picked).toBe(golden.quantizer.tokens[0].filter((t) => t === token).length);
      expect(await page.textContent('[data-testid=token-selection]')).toContain(`Token ${token}:`);

      // by keyboard: the grid is one tab stop, arrows move, Enter picks
      expect(await page.locator('[data-testid=token-map] [tabindex="0"]').count()).toBe(1);
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Enter');
      const next = golden.quantizer.tokens[0][1];
      if (next === token) expect(await page.locator('[data-testid=token-selection]').count()).toBe(0);
      else expect(await page.textContent('[data-testid=token-selection]')).toContain(`Token ${next}:`);
      expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toMatch(/^row 0, col 1:/);
    });

    it('maps a pasted image too', async () => {
      await page.setInputFiles('[data-testid=file-input]', {
        name: 'wide.png',
        mimeType: 'image/png',
        buffer: readFileSync('docs/models/fashion-mini-samples-direct.png'),
      }); // some other picture first
      await expect
        .poll(() => page.getAttribute('[data-testid=token-map]', 'data-tokens'), { timeout: 60_000 })
        .not.toBe(golden.quantizer.tokens[0].join(','));
      // a wide picture is cut to its centred square, and the page shows where
      const wide = readFileSync('docs/models/fashion-mini-samples-direct.png');
      const [width, height] = [wide.readUInt32BE(16), wide.readUInt32BE(20)]; // PNG header
      const side = Math.min(width, height);
      expect(width).not.toBe(height);
      await expect
        .poll(() => page.getAttribute('[data-testid=crop-box]', 'data-crop'), { timeout: 60_000 })
        .toBe(`${(width - side) / 2},${(height - side) / 2},${side}`);
      const bytes = Array.from(readFileSync(`${FIXTURE_DIR}/example.png`));
      await page.evaluate((data) => {
        const clipboard = new DataTransfer();
        clipboard.items.add(new File([new Uint8Array(data)], 'pasted.png', { type: 'image/png' }));
        window.dispatchEvent(new ClipboardEvent('paste', { clipboardData: clipboard }));
      }, bytes);
      // on SwiftShader the previous picture's rebuilds (stage 2 included) run first: seconds
      await expect
        .poll(() => page.getAttribute('[data-testid=token-map]', 'data-tokens'), { timeout: 60_000 })
        .toBe(golden.quantizer.tokens[0].join(','));
    });

    it("How it works ranks the classes of the dropped image as PyTorch's GPT does", async () => {
      await openPage(page, 'How it works');
      await page.waitForSelector('[data-testid=ranked-class]', { timeout: 60_000 });
      const shown = await page.$$eval('[data-testid=ranked-class]', (els) =>
        els.map((e) => Number((e as HTMLElement).dataset.class)),
      );
      const expected = golden.class_scores.log_likelihoods;
      expect(shown).toEqual(expected.map((_, c) => c).sort((a, b) => expected[b] - expected[a]));
      expect(await page.locator('[data-testid=surprise-map]').count()).toBe(1);
      await openPage(page, 'Token map');
    });

    it('completes the dropped image from its first rows: every completion keeps the prefix', async () => {
      await page.getByRole('button', { name: /Complete/ }).click();
      await page.waitForSelector('[data-testid=completions] canvas', { timeout: 60_000 });
      expect(await page.getAttribute('[data-testid=completions]', 'data-rows')).toBe('2');
      const completions = await page.$$eval('[data-testid=completion]', (els) =>
        els.map((e) => (e as HTMLElement).dataset.tokens!.split(',').map(Number)),
      );
      expect(completions).toHaveLength(4);
      const prefix = golden.quantizer.tokens[0].slice(0, 2 * 4); // two rows of the 4×4 grid
      for (const tokens of completions) expect(tokens.slice(0, prefix.length)).toEqual(prefix);
      expect(new Set(completions.map((t) => t.join())).size).toBeGreaterThan(1); // each sampled anew
    });

    it('answers a non-image file with a clear message and keeps the gallery and token map', async () => {
      await openPage(page, 'Generate');
      const samples = await page.locator('[data-testid=sample]').count();
      await openPage(page, 'Token map');
      await page.setInputFiles('[data-testid=file-input]', {
        name: 'notes.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('not an image'),
      });
      await expect.poll(() => page.textContent('[data-testid=error]')).toMatch(/notes\.txt is not an image/);
      await page.setInputFiles('[data-testid=file-input]', {
        name: 'broken.png',
        mimeType: 'image/png',
        buffer: Buffer.from('\x89PNG\r\n\x1a\n garbage'),
      });
      await expect.poll(() => page.textContent('[data-testid=error]')).toMatch(/broken\.png could not be decoded/);
      const huge = Buffer.from(readFileSync(`${FIXTURE_DIR}/example.png`));
      huge.writeUInt32BE(20000, 16); // IHDR width and height
      huge.writeUInt32BE(20000, 20);
      await page.setInputFiles('[data-testid=file-input]', { name: 'huge.png', mimeType: 'image/png', buffer: huge });
      await expect
        .poll(() => page.textContent('[data-testid=error]'))
        .toMatch(/huge\.png is 20000×20000 pixels; .*Shrink it first/);
      await page.setInputFiles('[data-testid=file-input]', {
        name: 'scan.tiff',
        mimeType: 'image/tiff',
        buffer: Buffer.from('II*\x00\x08\x00\x00\x00\x00\x00'), // a TIFF header, no image
      });
      await expect
        .poll(() => page.textContent('[data-testid=error]'))
        .toMatch(/scan\.tiff is a TIFF image, which this browser cannot decode\. Convert it to PNG or JPEG first\./);
      for (const [file, type, expected] of [
        ['empty.png', 'image/png', /empty\.png is empty/],
        ['logo.svg', 'image/svg+xml', /logo\.svg is an SVG drawing/],
      ] as const) {
        await page.setInputFiles('[data-testid=file-input]', {
          name: file,
          mimeType: type,
          buffer: file === 'empty.png' ? Buffer.alloc(0) : Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
        });
        await expect.poll(() => page.textContent('[data-testid=error]')).toMatch(expected);
      }
      expect(await page.locator('[data-testid=token-map]').count()).toBe(1);
      await openPage(page, 'Generate');
      expect(await page.locator('[data-testid=sample]').count()).toBe(samples);
      expect(pageErrors).toEqual([]);
    });

    it.runIf(backend === 'wasm')(
      'restarts a crashed worker, reloads the pack, and generates the same image again',
      async () => {
        const [worker] = page.workers();
        await worker.evaluate(() => {
          setTimeout(() => {
            throw new Error('simulated crash');
          }, 0);
        });
        await expect
          .poll(() => page.textContent('[data-testid=error]'), { timeout: 60_000 })
          .toMatch(/The inference worker crashed \(.*simulated crash\); it was restarted and the pack reloaded\./);
        expect(page.workers()).toHaveLength(1);
        await page.goto(caseUrl(CASE, 'fixture-tiny', backend));
        await page.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
        expect((await generateAndRead(page)).tokens).toEqual(CASE.tokens);
      },
    );

    it.runIf(backend === 'wasm')(
      'on a slow server: files download several at a time under one moving bar for the whole pack',
      async () => {
        const context = await browser.newContext(); // a cold cache
        const other = await context.newPage();
        let inFlight = 0;
        let most = 0;
        await other.route('**/models/fixture-tiny/*.{onnx,png}', async (route) => {
          most = Math.max(most, ++inFlight);
          // the server's latency; one file hangs long enough to look stalled
          const stall = route.request().url().endsWith('/vq_decoder.onnx');
          await new Promise((r) => setTimeout(r, stall ? 12_000 : 1500));
          await route.continue();
          inFlight--;
        });
        try {
          await other.goto(`${BASE_URL}?pack=fixture-tiny&backend=wasm`);
          const seen = new Set<string>();
          let stalled = false;
          while (!(await other.locator('[data-testid=backend]').count())) {
            stalled ||= (await other.locator('[data-testid=stalled]').count()) > 0;
            const done = await other
              .locator('[data-testid=loading]')
              .getAttribute('data-bytes-done')
              .catch(() => null);
            if (done) seen.add(done);
            await other.waitForTimeout(100);
          }
          expect(most).toBeGreaterThanOrEqual(4);
          expect(seen.size).toBeGreaterThanOrEqual(3); // the bar moved, not one jump at the end
          expect(stalled).toBe(true); // and said so when the data stopped coming
        } finally {
          await context.close();
        }
      },
    );

    it.runIf(backend === 'wasm')(
      "opens a pack folder from the disk and generates PyTorch's samples; refuses one with a corrupt file, naming it",
      async () => {
        const other = await browser.newPage();
        const corrupt = mkdtempSync(join(tmpdir(), 'pack-'));
        try {
          await other.goto(`${BASE_URL}?backend=wasm`);
          await other.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
          await other.setInputFiles('[data-testid=pack-folder]', FIXTURE_DIR);
          await expect
            .poll(() => new URL(other.url()).searchParams.get('pack'), { timeout: 60_000 })
            .toBe('folder:fixture-tiny');
          await other.goto(caseUrl(CASE, 'folder:fixture-tiny', 'wasm')); // a reload forgets the folder
          await other.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
          expect(await other.textContent('[data-testid=error]')).toContain(
            'The pack folder fixture-tiny came from your disk; open it again to use it.',
          );
          await other.setInputFiles('[data-testid=pack-folder]', FIXTURE_DIR);
          await expect.poll(() => new URL(other.url()).searchParams.get('pack')).toBe('folder:fixture-tiny');
          await other.getByLabel('Seed', { exact: true }).fill(String(CASE.seed));
          await other.getByLabel('Batch').fill(String(CASE.batch));
          expect(await generateTokens(other, CASE.batch)).toEqual(CASE.tokens);

          const folder = join(corrupt, 'broken-pack');
          cpSync(FIXTURE_DIR, folder, { recursive: true });
          const graph = readFileSync(join(folder, 'stage1_wasm.onnx'));
          graph[graph.length - 1] ^= 0xff;
          writeFileSync(join(folder, 'stage1_wasm.onnx'), graph);
          await other.setInputFiles('[data-testid=pack-folder]', folder);
          await expect
            .poll(() => other.textContent('[data-testid=error]'), { timeout: 60_000 })
            .toMatch(/stage1_wasm\.onnx: sha256 mismatch/);
          expect(new URL(other.url()).searchParams.get('pack')).toBe('folder:fixture-tiny'); // still loaded
        } finally {
          await other.close();
          rmSync(corrupt, { recursive: true, force: true });
        }
      },
    );

    it.runIf(backend === 'wasm')('loads a pack folder dropped on the page', async () => {
      const other = await browser.newPage();
      try {
        await other.goto(`${BASE_URL}?backend=wasm`);
        await other.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
        // a drop of a directory, as the browser hands it over: a DataTransfer item whose entry is
        // a directory (built here from the pack's files, which the server also serves)
        await other.evaluate(async (names) => {
          const files = await Promise.all(
            names.map(async (n) => new File([await (await fetch(`models/fixture-tiny/${n}`)).blob()], n)),
          );
          const entry = (f: File) => ({
            isDirectory: false,
            isFile: true,
            name: f.name,
            file: (ok: (f: File) => void) => ok(f),
          });
          let read = false;
          const dir = {
            isDirectory: true,
            isFile: false,
            name: 'fixture-tiny',
            createReader: () => ({
              readEntries: (ok: (e: unknown[]) => void) => {
                ok(read ? [] : files.map(entry));
                read = true;
              },
            }),
          };
          const drop = new DragEvent('drop', { bubbles: true, cancelable: true });
          Object.defineProperty(drop, 'dataTransfer', {
            value: { items: [{ webkitGetAsEntry: () => dir }], files: [] },
          });
          document.body.dispatchEvent(drop);
        }, readdirSync(FIXTURE_DIR));
        await expect
          .poll(() => new URL(other.url()).searchParams.get('pack'), { timeout: 60_000 })
          .toBe('folder:fixture-tiny');
        expect(await other.textContent('[data-testid=pack-title]')).toContain('Fixture');
      } finally {
        await other.close();
      }
    });

    it.runIf(backend === 'wasm')('says which link settings it could not use, and uses the defaults', async () => {
      const other = await browser.newPage();
      try {
        await other.goto(`${BASE_URL}?pack=fixture-tiny&backend=wasm&seed=-1&batch=100000&temp=NaN&topk=8`);
        await other.waitForSelector('[data-testid=backend]', { timeout: 60_000 });
        const said = await other.textContent('[data-testid=error]');
        expect(said).toContain('seed=-1 (a whole number from 0 to 4294967295)');
        expect(said).toContain('batch=100000 (a whole number from 1 to 16)');
        expect(said).toContain('temp=NaN (a number from 0 to 10)');
        expect(await other.getByLabel('Seed', { exact: true }).inputValue()).toBe('1');
        expect(await other.getByLabel('Top-k', { exact: true }).inputValue()).toBe('8'); // a good value is kept
      } finally {
        await other.close();
      }
    });

    it.runIf(backend === 'webgpu')(
      'cancels 50 generations without leaking GPU buffers, then generates again',
      async () => {
        await openPage(page, 'Generate');
        await page.getByLabel('Batch').fill('4');
        await page.getByLabel('Decoder', { exact: false }).first().selectOption('ar-vq');
        const generateOnce = async () => {
          const before = await page.locator('[data-testid=sample]').count();
          await page.getByRole('button', { name: 'Generate', exact: true }).click();
          await expect
            .poll(() => page.locator('[data-testid=sample]').count(), { timeout: 60_000 })
            .toBeGreaterThan(before);
          await page.getByRole('button', { name: 'Generate', exact: true }).waitFor();
        };
        const liveBuffers = async () => Number(await page.getAttribute('[data-testid=gpu-memory]', 'data-buffers'));
        await generateOnce();
        const settled = await liveBuffers();
        const samples = await page.locator('[data-testid=sample]').count();
        for (let i = 0; i < 50; i++) {
          await page.getByRole('button', { name: 'Generate', exact: true }).click();
          await page.getByRole('button', { name: 'Stop' }).click({ timeout: 10_000 });
          await page.getByRole('button', { name: 'Generate', exact: true }).waitFor({ timeout: 10_000 });
        }
        expect(await page.locator('[data-testid=sample]').count()).toBe(samples); // every one was cancelled
        expect(await page.getByRole('alert').count()).toBe(0);
        expect(await liveBuffers()).toBeLessThanOrEqual(settled);
        await generateOnce();
        expect(await liveBuffers()).toBeLessThanOrEqual(settled);
      },
    );

    it('has a Content-Security-Policy, and nothing it did broke it', async () => {
      expect(await page.getAttribute('meta[http-equiv=Content-Security-Policy]', 'content')).toContain(
        "script-src 'self' 'wasm-unsafe-eval'",
      );
      expect(csp).toEqual([]);
    });
  });
}
