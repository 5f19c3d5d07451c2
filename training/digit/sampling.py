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
Each draw also reports its margin (see draw_token): how far the logits may be off before the
pick could change, so that tests compare tokens exactly only where that is well defined.
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

    @classmethod
    def from_pack(cls, d: dict) -> "SamplingSettings":
        """pack.json's sampling entry (snake_case, any key may be missing: that rule is off)."""
        return cls(d.get("temperature", 1.0), d.get("top_k", 0), d.get("top_p", 1.0), d.get("guidance", 1.0))


def guidance_gain(settings: SamplingSettings, guided: bool) -> float:
    """How much a guided logit can move per unit of change in the fp32 logits it mixes."""
    if not guided:
        return 1.0
    return abs(settings.guidance) + abs(1.0 - settings.guidance)


def draw_token(logits, u: float, lo: int, hi: int, settings: SamplingSettings, uncond=None):
    """Pick one id in [lo, hi) from a row of logits (any sequence of floats) with the uniform u.

    Returns (id, margin). The margin is a lower bound on how much any fp32 logit must change
    (max norm, to first order) before the pick could change: half the smallest of the gaps that
    decide it -- the distance of u from the edges of the picked id's cumulative interval and of
    the top-p cut from p (probabilities), and the logit gaps at the top-k cut and between the
    picked id and its neighbours in the order -- divided by what guidance and temperature
    multiply a logit error by. Another implementation whose logits agree within the margin
    picks the same id; closer than that, a different id is no error.
    """
    cond = [float(x) for x in logits[lo:hi]]
    guided = uncond is not None and settings.guidance != 1.0
    if guided:
        s = settings.guidance
        base = [float(x) for x in uncond[lo:hi]]
        cond = [b + s * (c - b) for c, b in zip(cond, base)]
    order = sorted(range(len(cond)), key=lambda i: (-cond[i], i))
    gain = guidance_gain(settings, guided)
    if settings.temperature == 0.0:
        gap = cond[order[0]] - cond[order[1]] if len(order) > 1 else math.inf
        return lo + order[0], gap / 2 / gain
    scaled = [cond[i] / settings.temperature for i in order]
    gaps = []  # decisive gaps: logit gaps of the scaled logits, and probabilities
    kept = len(scaled)
    if 0 < settings.top_k < kept:
        kept = settings.top_k
        gaps.append(scaled[kept - 1] - scaled[kept])
    weights = [math.exp(x - scaled[0]) for x in scaled[:kept]]
    if settings.top_p < 1.0:
        total = 0.0
        for w in weights:
            total += w
        cum = 0.0
        for i, w in enumerate(weights):
            before = cum
            cum += w / total
            if cum >= settings.top_p:
                gaps += [cum - settings.top_p] + ([settings.top_p - before] if i > 0 else [])
                weights = weights[: i + 1]
                break
    kept_total = 0.0
    for w in weights:
        kept_total += w
    target = u * kept_total
    running = 0.0
    pick = len(weights) - 1  # if rounding leaves none
    for i, w in enumerate(weights):
        if running + w > target:
            pick = i
            break
        running += w
    if pick > 0:
        gaps += [(target - running) / kept_total, scaled[pick - 1] - scaled[pick]]
    if pick < len(weights) - 1:
        gaps.append((running + weights[pick] - target) / kept_total)
    if pick + 1 < len(scaled):
        gaps.append(scaled[pick] - scaled[pick + 1])
    margin = max(0.0, min(gaps, default=math.inf)) / 2 * settings.temperature / gain
    return lo + order[pick], margin
