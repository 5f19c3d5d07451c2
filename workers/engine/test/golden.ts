// The fixture pack and the golden vectors PyTorch wrote for it (training/make_fixture.py).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Engine } from '../engine';

export const FIXTURE_DIR = fileURLToPath(new URL('../../../public/models/fixture-tiny', import.meta.url));

interface GptCase { tokens: number[][]; logits: number[]; shape: number[]; prompt_len: number }
export interface GenerationCase {
  class_id: number | null;
  seed: number;
  batch: number;
  decoder: 'ar-vq' | 'direct';
  prefix: number[];
  stage1: { temperature: number; top_k: number; top_p: number; guidance: number };
  stage2: { temperature: number; top_k: number; top_p: number; guidance: number };
  tokens: number[][];
  vq_tokens: number[][] | null;
  pixels: number[];
}
export interface Golden {
  rng: { seed: number; u32: number[]; uniform: number[] }[];
  sampler: {
    logits: number[]; uncond: number[]; u: number; lo: number; hi: number; expected: number;
    settings: { temperature: number; top_k: number; top_p: number; guidance: number };
  }[];
  encoder: { image: number[]; features: number[] };
  quantizer: { tokens: number[][]; distance: number[]; runner_up: number[][]; runner_up_distance: number[] };
  stage1: GptCase;
  stage2: GptCase;
  vq_decoder: { tokens: number[][]; image: number[] };
  direct_decoder: { tokens: number[][]; image: number[] };
  generation: GenerationCase[];
}

export const golden: Golden = JSON.parse(readFileSync(`${FIXTURE_DIR}/golden.json`, 'utf8'));

export const toSettings = (s: Golden['sampler'][number]['settings']) =>
  ({ temperature: s.temperature, topK: s.top_k, topP: s.top_p, guidance: s.guidance });

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Runs each seeded generation PyTorch wrote and requires its tokens exactly and its pixels
 *  within one level. */
export async function expectReferenceGenerations(engine: Engine, cases: GenerationCase[]) {
  for (const c of cases) {
    const result = await engine.generate({ classId: c.class_id, seed: c.seed, batch: c.batch,
      decoder: c.decoder, prefix: c.prefix, stage1: toSettings(c.stage1), stage2: toSettings(c.stage2) });
    expect(result.tokens).toEqual(c.tokens);
    expect(result.vqTokens).toEqual(c.vq_tokens);
    const rgb = result.images.flatMap((img) => Array.from(img.data).filter((_, i) => i % 4 !== 3 &&
      (engine.manifest.image.channels === 3 || i % 4 === 0)));
    expect(maxAbsDiff(rgb, c.pixels)).toBeLessThanOrEqual(1);
  }
}
