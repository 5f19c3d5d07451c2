import { describe, expect, it } from 'vitest';
import { drawToken, type IdRange, rankCandidates, type SamplingSettings, settingsFromPack } from './sampling';
import { golden } from './test/golden';

const plain = { temperature: 1, topK: 0, topP: 1, guidance: 1 };
const sampleToken = (
  logits: number[],
  u: number,
  range: IdRange,
  settings: SamplingSettings,
  uncond: number[] | null = null,
) => drawToken(logits, u, range, settings, uncond).token;

describe('drawToken', () => {
  // Both samplers run float64 arithmetic in the same order on the same inputs: the ids agree
  // exactly, and the margins to the rounding of exp().
  it('matches every golden case written by the Python sampler, margins included', () => {
    for (const c of golden.sampler) {
      const got = drawToken(c.logits, c.u, { lo: c.lo, hi: c.hi }, settingsFromPack(c.settings), c.uncond);
      expect(got.token, JSON.stringify(c)).toBe(c.expected);
      expect(Math.min(got.margin, 1e9)).toBeCloseTo(c.margin, 12);
    }
  });

  it('reports as margin half the distance to the nearest decision, scaled by temperature and guidance', () => {
    const logits = [Math.log(0.25), Math.log(0.75)];
    expect(drawToken(logits, 0.7, { lo: 0, hi: 2 }, plain).margin).toBeCloseTo(0.025, 12);
    expect(drawToken(logits, 0.7, { lo: 0, hi: 2 }, { ...plain, guidance: 3 }, logits).margin).toBeCloseTo(0.005, 12);
    expect(drawToken([1, 0.999, 0], 0.5, { lo: 0, hi: 3 }, { ...plain, topK: 1 }).margin).toBeCloseTo(0.0005, 12);
  });

  it('breaks ties by the lowest id when greedy', () => {
    expect(sampleToken([1, 3, 3, 2], 0.99, { lo: 0, hi: 4 }, { ...plain, temperature: 0 })).toBe(1);
  });

  it('never returns an id outside the allowed range', () => {
    for (let i = 0; i < 20; i++) {
      const t = sampleToken([9, 0, 0, 9], i / 20, { lo: 1, hi: 3 }, plain);
      expect([1, 2]).toContain(t);
    }
  });

  it('keeps the smallest top-p prefix', () => {
    const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
    const picks = new Set(
      Array.from({ length: 100 }, (_, i) => sampleToken(logits, i / 100, { lo: 0, hi: 3 }, { ...plain, topP: 0.7 })),
    );
    expect([...picks].sort()).toEqual([0, 1]);
  });

  it('mixes conditional and unconditional rows with the guidance scale', () => {
    const greedy = { ...plain, temperature: 0 };
    expect(sampleToken([1, 0.9], 0.5, { lo: 0, hi: 2 }, { ...greedy, guidance: 3 }, [2, 0])).toBe(1);
    expect(sampleToken([1, 0.9], 0.5, { lo: 0, hi: 2 }, greedy, [2, 0])).toBe(0);
  });
});

/** A seeded uniform generator in (0, 1) (Lehmer's), for reproducible random cases. */
function lehmer(seed: number) {
  return () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
}

describe('rankCandidates', () => {
  it('orders as a comparator sort by (logit descending, id ascending) does, ties and signed zeros included', () => {
    const random = lehmer(1);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(random() * 300);
      // few distinct values, so that ties are common; some zeros of either sign
      const logits = Float64Array.from({ length: n }, () => {
        const r = random();
        return r < 0.05 ? 0 : r < 0.1 ? -0 : Math.round((random() - 0.5) * 16) / 4;
      });
      const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
      expect(Array.from(rankCandidates(logits))).toEqual(expected);
    }
  });

  it('orders logits that differ by less than a float32 can tell apart', () => {
    const random = lehmer(7);
    for (let trial = 0; trial < 100; trial++) {
      const n = 2 + Math.floor(random() * 300);
      // a few float32 values, each spread by float64 steps far below float32's resolution
      const logits = Float64Array.from(
        { length: n },
        () => Math.round(random() * 4) + Math.round(random() * 8) * 1e-12,
      );
      const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
      expect(Array.from(rankCandidates(logits))).toEqual(expected);
    }
  });
});
