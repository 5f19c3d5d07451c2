// The sampler's RNG, bit for bit the same as training/digit/sampling.py (which documents it):
// xoshiro128** seeded through the murmur3 finaliser; a uniform draw takes two outputs.

const GOLDEN_GAMMA = 0x9e3779b9;

export function fmix32(h: number): number {
  h >>>= 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Rng {
  private s: Uint32Array;

  constructor(seed: number) {
    this.s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      // (seed + (i + 1) * gamma) mod 2^32, exact: both terms stay below 2^53
      this.s[i] = fmix32((seed >>> 0) + (((i + 1) * GOLDEN_GAMMA) % 0x100000000));
    }
  }

  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A float64 in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}

/** Image i of a batch started at `seed` has its own stream: the same as image 0 at seed + i. */
export const imageRng = (seed: number, index: number) => new Rng((seed + index) >>> 0);
