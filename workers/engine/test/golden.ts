// The fixture pack and the golden vectors PyTorch wrote for it (training/make_fixture.py).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Engine, GenerateRequest, GenerationPath } from '../engine';
import { settingsFromPack } from '../sampling';

export const FIXTURE_DIR = fileURLToPath(new URL('../../../public/models/fixture-tiny', import.meta.url));

interface GptCase {
  tokens: number[][];
  logits: number[];
  shape: number[];
  prompt_len: number;
}
export interface GenerationCase {
  class_id: number | null;
  seed: number;
  batch: number;
  decoder: GenerationPath;
  prefix: number[];
  stage1: { temperature: number; top_k: number; top_p: number; guidance: number };
  stage2: { temperature: number; top_k: number; top_p: number; guidance: number };
  tokens: number[][];
  vq_tokens: number[][] | null;
  pixels: number[];
  /** Each sampled token's margin (absent in references written before margins were recorded). */
  margins?: number[][];
  vq_margins?: number[][] | null;
}
export interface Golden {
  rng: { seed: number; u32: number[]; uniform: number[] }[];
  sampler: {
    logits: number[];
    uncond: number[];
    u: number;
    lo: number;
    hi: number;
    expected: number;
    margin: number;
    settings: { temperature: number; top_k: number; top_p: number; guidance: number };
  }[];
  encoder: { image: number[]; features: number[] };
  quantizer: { tokens: number[][]; distance: number[]; runner_up: number[][]; runner_up_distance: number[] };
  stage1: GptCase;
  stage2: GptCase;
  vq_decoder: { tokens: number[][]; image: number[] };
  direct_decoder: { tokens: number[][]; image: number[] };
  generation: GenerationCase[];
  /** The paper's baseline: the example image's VQ codes, the VQ-token GPT's logits, and
   *  generations through it ('vq-gpt'). */
  vq_encoder: { image: number[]; tokens: number[][] };
  vq_stage1: GptCase;
  baseline_generation: GenerationCase[];
  /** The stage-1 GPT as a classifier: log p(grid | class) of the example's grid, every class. */
  class_scores: { tokens: number[]; log_likelihoods: number[] };
}

export const golden: Golden = JSON.parse(readFileSync(`${FIXTURE_DIR}/golden.json`, 'utf8'));

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The engine's logits agree with PyTorch's within this (engine.parity.test.ts enforces it; the
 *  worst seen on the fixture is 4e-7): a token whose margin exceeds it is settled. */
export const LOGIT_TOLERANCE = 1e-5;

/** How many leading draws every given margin row settles. */
export function settledLength(...rows: (number[] | undefined)[]): number {
  const known = rows.filter((r): r is number[] => r !== undefined);
  const n = Math.min(...known.map((r) => r.length));
  for (let i = 0; i < n; i++) if (Math.min(...known.map((r) => r[i])) <= LOGIT_TOLERANCE) return i;
  return n;
}

/** The engine's request for a recorded generation. */
export function requestFor(c: GenerationCase): GenerateRequest {
  const { class_id: classId, seed, batch, decoder, prefix } = c;
  return {
    classId,
    seed,
    batch,
    decoder,
    prefix,
    stage1: settingsFromPack(c.stage1),
    stage2: settingsFromPack(c.stage2),
  };
}

/** A case whose every recorded draw is settled, for tests that compare its tokens exactly. */
export function settledCase(c: GenerationCase): GenerationCase {
  const rows = [...(c.margins ?? []), ...(c.vq_margins ?? [])];
  if (!c.margins || rows.some((r) => settledLength(r) < r.length)) {
    throw new Error(`seed ${c.seed}: some draws are within ${LOGIT_TOLERANCE} of changing; pick a settled case`);
  }
  return c;
}

/** Runs each seeded generation PyTorch wrote. Tokens must match exactly up to the first draw
 *  that PyTorch's or the engine's margin leaves unsettled (past it another correct sampler may
 *  pick differently, and the row diverges); a row settled to the end must match its VQ tokens
 *  likewise and its pixels within one level (truncation to uint8 of nearly equal floats). At
 *  least half the rows must be settled to the end. */
export async function expectReferenceGenerations(engine: Engine, cases: GenerationCase[]) {
  let rows = 0;
  let whole = 0;
  for (const c of cases) {
    const result = await engine.generate(requestFor(c));
    const perImage = c.pixels.length / c.batch;
    for (let b = 0; b < c.batch; b++) {
      rows++;
      const n = c.prefix.length + settledLength(c.margins?.[b], result.margins[b]);
      expect(result.tokens[b].slice(0, n)).toEqual(c.tokens[b].slice(0, n));
      if (n < c.tokens[b].length) continue;
      if (c.vq_tokens) {
        const m = settledLength(c.vq_margins?.[b], result.vqMargins![b]);
        expect(result.vqTokens![b].slice(0, m)).toEqual(c.vq_tokens[b].slice(0, m));
        if (m < c.vq_tokens[b].length) continue;
      }
      const img = result.images[b];
      const rgb = Array.from(img.data).filter(
        (_, i) => i % 4 !== 3 && (engine.manifest.image.channels === 3 || i % 4 === 0),
      );
      expect(maxAbsDiff(rgb, c.pixels.slice(b * perImage, (b + 1) * perImage))).toBeLessThanOrEqual(1);
      whole++;
    }
  }
  expect(2 * whole).toBeGreaterThanOrEqual(rows);
}
