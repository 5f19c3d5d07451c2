import { describe, expect, it } from 'vitest';
import { fmix32, imageRng, Rng } from './rng';
import { golden } from './test/golden';

describe('Rng', () => {
  it('matches the Python reference bit for bit', () => {
    for (const c of golden.rng) {
      const rng = new Rng(c.seed);
      expect(c.u32.map(() => rng.nextU32())).toEqual(c.u32);
      expect(c.uniform.map(() => rng.uniform())).toEqual(c.uniform);
    }
  });

  it('uses the murmur3 finaliser for seeding', () => {
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(0x514e28b7);
  });

  it('gives image i of seed s the stream of image 0 of seed s + i, wrapping at 2^32', () => {
    expect(imageRng(10, 3).uniform()).toBe(new Rng(13).uniform());
    expect(imageRng(0xffffffff, 1).uniform()).toBe(new Rng(0).uniform());
  });
});
