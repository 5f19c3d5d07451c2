// How the engine runs a batch on this machine. A batch pays where one GPT step is mostly fixed
// cost; it can also cost, where a larger run falls out of cache or onto slower kernels (seen:
// batch 4–16 slower per image than batch 1 on one 2-core EPYC). So the engine measures, once, the
// time per row of a stage-1 step and the time per image of a decoder run at a few sizes, and runs
// a batch in runs of the cheapest size: per image never slower than one at a time, up to the
// measurement's noise.
import type { GptRunner } from './gptRunner';

export interface BatchPlan {
  /** The most GPT rows one run takes (a guided image takes two). */
  gptRows: number;
  /** The most images one decoder run takes. */
  decoderImages: number;
  /** What decided it: ms per row of a stage-1 step, and ms per image of a decoder run, by size. */
  gptMsPerRow: Record<number, number>;
  decoderMsPerImage: Record<number, number>;
}

export const GPT_SIZES = [1, 2, 4, 8, 16, 32];
export const DECODER_SIZES = [1, 2, 4, 8];

/** The size with the least time per item. */
export function cheapest(msPer: Record<number, number>): number {
  return Number(Object.entries(msPer).reduce((best, next) => (next[1] < best[1] ? next : best))[0]);
}

const elapsed = async (work: () => Promise<unknown>) => {
  const start = performance.now();
  await work();
  return performance.now() - start;
};

/** ms per row of a stage-1 step at each size: the quickest of three steps halfway through the
 *  sequence, after a prompt of that length (the cache a typical step carries). About 0.5 s for
 *  the sizes up to 32 rows on a mini pack, on one WASM thread. */
export async function timeGptRows(runner: GptRunner, token: number, sizes = GPT_SIZES) {
  const steps = Math.min(3, runner.capacity);
  const position = Math.min(Math.floor(runner.capacity / 2), runner.capacity - steps);
  const msPerRow: Record<number, number> = {};
  // the first size twice: the first pass pays for warming up, and would favour larger sizes
  for (const rows of sizes.slice(0, 1).concat(sizes)) {
    runner.reset(rows);
    try {
      if (position > 0) {
        await runner.feed(
          Array.from({ length: rows }, () => new Array<number>(position).fill(token)),
          0,
        );
      }
      const tokens = new Array<number>(rows).fill(token);
      const times: number[] = [];
      for (let i = 0; i < steps; i++) times.push(await elapsed(() => runner.step(tokens, position + i)));
      msPerRow[rows] = Math.min(...times) / rows;
    } finally {
      runner.release();
    }
  }
  return msPerRow;
}

/** ms per image of a decoder run at each size (after one warm-up run). */
export async function timeDecoder(decode: (images: number) => Promise<unknown>, sizes = DECODER_SIZES) {
  await decode(1);
  const msPerImage: Record<number, number> = {};
  for (const images of sizes) msPerImage[images] = (await elapsed(() => decode(images))) / images;
  return msPerImage;
}

/** `items` in runs of at most `size`, one run after another. */
export async function inRuns<T, R>(items: T[], size: number, run: (part: T[], from: number) => Promise<R[]>) {
  const out: R[] = [];
  for (let from = 0; from < items.length; from += size) out.push(...(await run(items.slice(from, from + size), from)));
  return out;
}
