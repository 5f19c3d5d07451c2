// One sampled token from a row of fp32 logits, exactly as training/digit/sampling.py specifies:
// guidance -> id mask -> temperature (0 = greedy) -> order by (logit desc, id asc) -> top-k ->
// float64 softmax weights -> top-p -> pick with the uniform draw u.

export interface SamplingSettings {
  temperature: number;
  topK: number; // <= 0: no limit
  topP: number; // 1: no limit
  guidance: number; // 1: no guidance
}

/** Ids allowed for this step: [lo, hi). */
export interface IdRange {
  lo: number;
  hi: number;
}

function guided(cond: ArrayLike<number>, uncond: ArrayLike<number> | null, scale: number,
  range: IdRange): Float64Array {
  const out = new Float64Array(range.hi - range.lo);
  for (let i = 0; i < out.length; i++) {
    const c = cond[range.lo + i];
    out[i] = uncond && scale !== 1 ? uncond[range.lo + i] + scale * (c - uncond[range.lo + i]) : c;
  }
  return out;
}

function rankCandidates(logits: Float64Array): Uint32Array {
  const order = new Uint32Array(logits.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => logits[b] - logits[a] || a - b);
}

function keepTopP(weights: number[], topP: number): number[] {
  if (topP >= 1) return weights;
  let total = 0;
  for (const w of weights) total += w;
  let cum = 0;
  for (let i = 0; i < weights.length; i++) {
    cum += weights[i] / total;
    if (cum >= topP) return weights.slice(0, i + 1);
  }
  return weights;
}

export function sampleToken(cond: ArrayLike<number>, u: number, range: IdRange,
  settings: SamplingSettings, uncond: ArrayLike<number> | null = null): number {
  const logits = guided(cond, uncond, settings.guidance, range);
  const order = rankCandidates(logits);
  if (settings.temperature === 0) return range.lo + order[0];
  const kept = settings.topK > 0 ? Math.min(settings.topK, order.length) : order.length;
  const scaled: number[] = [];
  for (let i = 0; i < kept; i++) scaled.push(logits[order[i]] / settings.temperature);
  const weights = keepTopP(scaled.map((x) => Math.exp(x - scaled[0])), settings.topP);
  let total = 0;
  for (const w of weights) total += w;
  const target = u * total;
  let running = 0;
  for (let i = 0; i < weights.length; i++) {
    running += weights[i];
    if (running > target) return range.lo + order[i];
  }
  return range.lo + order[weights.length - 1];
}
