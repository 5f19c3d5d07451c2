"""The sampler's exact specification, shared bit for bit with workers/engine/sampling.ts.

RNG: xoshiro128** over four 32-bit words, seeded from a 32-bit seed by the murmur3 finaliser
(word i = fmix32(seed + (i + 1) * 0x9E3779B9)). A uniform draw takes two outputs a, b and returns
((a >> 5) * 2**26 + (b >> 6)) / 2**53, a float64 in [0, 1).

Each image owns one stream, seeded with (seed + image index) mod 2**32, so image i of a batch
equals image 0 of a batch started at seed + i. Every sampled token takes exactly one draw, in
sequence order: first the stage-1 tokens, then the stage-2 tokens (greedy steps draw too).

One token from fp32 logits, all arithmetic in float64, in this order:
  1. guidance: l = u + s * (c - u)        (only when an unconditional row is given and s != 1)
  2. mask: only ids in [lo, hi) are candidates
  3. temperature: T == 0 -> greedy (first candidate below); else l = l / T
  4. order candidates by (l descending, id ascending); top-k keeps the first k (k <= 0: all)
  5. w_i = exp(l_i - l_0); total = sequential sum of w
  6. top-p (p < 1): keep the shortest prefix whose sequential sum of w_i / total reaches p
  7. target = u * (sequential sum of kept w); pick the first i whose running sum exceeds target
     (the last kept one if rounding leaves none)
"""
import math
from dataclasses import dataclass

MASK32 = 0xFFFFFFFF
GOLDEN_GAMMA = 0x9E3779B9


def fmix32(h: int) -> int:
    h &= MASK32
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & MASK32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & MASK32
    h ^= h >> 16
    return h


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & MASK32


class Rng:
    """xoshiro128** with the seeding and float64 uniform described in the module docstring."""

    def __init__(self, seed: int):
        self.s = [fmix32(seed + (i + 1) * GOLDEN_GAMMA) for i in range(4)]

    def next_u32(self) -> int:
        s = self.s
        result = (_rotl((s[1] * 5) & MASK32, 7) * 9) & MASK32
        t = (s[1] << 9) & MASK32
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 11)
        return result

    def uniform(self) -> float:
        a = self.next_u32() >> 5
        b = self.next_u32() >> 6
        return (a * 67108864.0 + b) / 9007199254740992.0


def image_rng(seed: int, index: int) -> Rng:
    return Rng((seed + index) & MASK32)


@dataclass
class SamplingSettings:
    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0
    guidance: float = 1.0


def sample_token(logits, u: float, lo: int, hi: int, settings: SamplingSettings, uncond=None) -> int:
    """Pick one id in [lo, hi) from a row of logits (any sequence of floats) with the uniform u."""
    cond = [float(x) for x in logits[lo:hi]]
    if uncond is not None and settings.guidance != 1.0:
        s = settings.guidance
        base = [float(x) for x in uncond[lo:hi]]
        cond = [b + s * (c - b) for c, b in zip(cond, base)]
    order = sorted(range(len(cond)), key=lambda i: (-cond[i], i))
    if settings.temperature == 0.0:
        return lo + order[0]
    scaled = [cond[i] / settings.temperature for i in order]
    if settings.top_k > 0:
        scaled = scaled[: settings.top_k]
    weights = [math.exp(x - scaled[0]) for x in scaled]
    if settings.top_p < 1.0:
        total = 0.0
        for w in weights:
            total += w
        cum, keep = 0.0, len(weights)
        for i, w in enumerate(weights):
            cum += w / total
            if cum >= settings.top_p:
                keep = i + 1
                break
        weights = weights[:keep]
    kept_total = 0.0
    for w in weights:
        kept_total += w
    target = u * kept_total
    running = 0.0
    for i, w in enumerate(weights):
        running += w
        if running > target:
            return lo + order[i]
    return lo + order[len(weights) - 1]
