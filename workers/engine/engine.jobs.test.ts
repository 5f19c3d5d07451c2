// The engine as a service: cancellation, interactive jobs between steps, failing runs, warm-up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSource } from '../node/fileSource';
import type { BatchPlan } from './batchPlan';
import { CancelledError, Engine, type GenerateRequest } from './engine';
import type { RgbaImage } from './pixels';
import { sessionOf } from './test/engineSessions';
import { FIXTURE_DIR, golden, maxAbsDiff, requestFor } from './test/golden';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.load(fileSource(FIXTURE_DIR), { backend: 'wasm' });
});
afterAll(() => engine.dispose());

const c = golden.generation[0];
const request: GenerateRequest = requestFor(c);

/** Count the stage-1 runs made while `body` runs. */
async function countingStage1Runs<T>(body: (runs: () => number) => Promise<T>): Promise<T> {
  const s = await sessionOf(engine, 'stage1_wasm');
  const run = s.run.bind(s);
  let count = 0;
  s.run = ((...args: Parameters<typeof run>) => {
    count++;
    return run(...args);
  }) as typeof s.run;
  try {
    return await body(() => count);
  } finally {
    s.run = run;
  }
}

describe('engine jobs', () => {
  it('cancels within one step, frees the cache, and the next job is exact', async () => {
    await countingStage1Runs(async (runs) => {
      const controller = new AbortController();
      let runsAtAbort = -1;
      const job = engine.generate(request, {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.done >= 3 && runsAtAbort < 0) {
            runsAtAbort = runs();
            controller.abort();
          }
        },
      });
      await expect(job).rejects.toBeInstanceOf(CancelledError);
      expect(runs() - runsAtAbort).toBeLessThanOrEqual(1);
    });
    expect(engine.holdsCache).toBe(false);
    expect((await engine.generate(request)).tokens).toEqual(c.tokens);
  });

  it('survives 50 cancelled jobs in a row', async () => {
    for (let i = 0; i < 50; i++) {
      const controller = new AbortController();
      const job = engine.generate(
        { ...request, seed: i },
        { signal: controller.signal, onProgress: () => controller.abort() },
      );
      await expect(job).rejects.toBeInstanceOf(CancelledError);
      expect(engine.holdsCache).toBe(false);
    }
    expect((await engine.generate(request)).vqTokens).toEqual(c.vq_tokens);
  });

  it('runs a token map between the steps of a generation', async () => {
    const events: string[] = [];
    const size = engine.manifest.image.size;
    const image = { width: size, height: size, data: new Uint8ClampedArray(4 * size * size).fill(200) };
    let map: Promise<unknown> | null = null;
    const job = engine
      .generate(request, {
        onProgress: (p) => {
          if (!map) map = engine.tokenize(image).then(() => events.push(`token map during ${p.stage}`));
        },
      })
      .then(() => events.push('generation done'));
    await job;
    await map;
    expect(events).toEqual(['token map during stage1', 'generation done']);
  });

  it('a failing run rejects with its error and the engine serves the next request', async () => {
    const s = await sessionOf(engine, 'stage1_wasm');
    const run = s.run.bind(s);
    let calls = 0;
    s.run = ((...args: Parameters<typeof run>) => {
      if (++calls === 5) return Promise.reject(new Error('device lost'));
      return run(...args);
    }) as typeof s.run;
    try {
      await expect(engine.generate(request)).rejects.toThrow('device lost');
    } finally {
      s.run = run;
    }
    expect(engine.holdsCache).toBe(false);
    expect((await engine.generate(request)).tokens).toEqual(c.tokens);
  });

  it('decodes partial previews of the first image (every row at interval 0), the samples unchanged', async () => {
    const seen: number[] = [];
    let last: RgbaImage | null = null;
    const result = await engine.generate(request, {
      previewIntervalMs: 0,
      onPreview: (image, rows) => {
        seen.push(rows);
        last = image;
      },
    });
    expect(seen).toEqual([1, 2, 3]); // the 4th row is the finished image
    expect(result.tokens).toEqual(c.tokens);
    // the last preview is the first image's grid with its last row repeating the third
    const { w } = engine.manifest.grid;
    const grid = [...result.tokens[0].slice(0, 3 * w), ...result.tokens[0].slice(2 * w, 3 * w)];
    expect(last).toEqual((await engine.decode('direct_decoder', [grid]))[0]);
  });

  it('refuses a prefix that is too long or not made of codes', async () => {
    await expect(engine.generate({ ...request, prefix: new Array(16).fill(0) })).rejects.toThrow(/at most 15/);
    await expect(engine.generate({ ...request, prefix: [99] })).rejects.toThrow(/codes 0…15/);
  });

  it('warm-up runs every graph and changes nothing', async () => {
    await engine.warmUp();
    expect(engine.holdsCache).toBe(false);
    expect((await engine.generate(request)).tokens).toEqual(c.tokens);
  });

  it('runs a batch in the runs its measured plan chooses; the samples do not depend on them', async () => {
    const guided = { ...request, batch: 4, decoder: 'direct' as const, stage1: { ...request.stage1, guidance: 2 } };
    const whole = await engine.generate(guided);
    const plan = engine.batchPlan!;
    expect(Object.keys(plan.gptMsPerRow).map(Number)).toEqual([1, 2, 4, 8]); // 4 images, guided: 8 rows
    expect(Object.keys(plan.decoderMsPerImage).map(Number)).toEqual([1, 2, 4]);
    expect(plan.gptMsPerRow[plan.gptRows]).toBe(Math.min(...Object.values(plan.gptMsPerRow)));
    const internals = engine as unknown as { plan: BatchPlan };
    internals.plan = { ...plan, gptRows: 2, decoderImages: 1 }; // one guided image per run
    const steps = 16; // a prompt run, then 15 steps
    const parts = await countingStage1Runs(async (runs) => ({ result: await engine.generate(guided), runs: runs() }));
    internals.plan = plan;
    expect(parts.runs).toBe(4 * steps);
    // the same draws wherever rounding cannot decide them (see sampling.ts), and then the same pixels
    whole.tokens.forEach((tokens, i) => {
      const settled = tokens.every((t, k) => t === parts.result.tokens[i][k] || whole.margins[i][k] < 1e-4);
      expect(settled).toBe(true);
      if (tokens.join() === parts.result.tokens[i].join())
        expect(
          maxAbsDiff(Array.from(parts.result.images[i].data), Array.from(whole.images[i].data)),
        ).toBeLessThanOrEqual(1);
    });
  });
});
