// One sampled token from a row of fp32 logits, exactly as training/digit/sampling.py specifies:
// guidance -> id mask -> temperature (0 = greedy) -> order by (logit desc, id asc) -> top-k ->
// float64 softmax weights -> top-p -> pick with the uniform draw u; each draw reports its margin.

import type { SamplingDefaults } from './manifest';

export interface SamplingSettings {
  temperature: number;
  topK: number; // <= 0: no limit
  topP: number; // 1: no limit
  guidance: number; // 1: no guidance
}

/** pack.json's snake_case settings (and the golden files') as the engine's; unset ones off. */
export function settingsFromPack(s: SamplingDefaults = {}): SamplingSettings {
  return { temperature: s.temperature ?? 1, topK: s.top_k ?? 0, topP: s.top_p ?? 1, guidance: s.guidance ?? 1 };
}

/** Ids allowed for this step: [lo, hi). */
export interface IdRange {
  lo: number;
  hi: number;
}

function guided(
  cond: ArrayLike<number>,
  uncond: ArrayLike<number> | null,
  scale: number,
  range: IdRange,
): Float64Array {
  const out = new Float64Array(range.hi - range.lo);
  for (let i = 0; i < out.length; i++) {
    const c = cond[range.lo + i];
    out[i] = uncond && scale !== 1 ? uncond[range.lo + i] + scale * (c - uncond[range.lo + i]) : c;
  }
  return out;
}

// Ids fit below this in a rank key (a float32's 32 bits above them stay under 2^53).
const ID_SLOTS = 2 ** 20;
const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);

/** Ids ordered by logit, highest first, equal logits by id. One native numeric sort of integer
 *  keys, each a logit rounded to float32 (its bits mapped so that integer order is float order)
 *  above its id; rounding keeps order, so only ids whose logits round to the same float32 can
 *  still be out of place, and an insertion pass over the exact logits puts them right: about
 *  twice as fast as sorting the values and then placing each id by binary search. */
export function rankCandidates(logits: Float64Array): Uint32Array {
  const n = logits.length;
  if (n > ID_SLOTS) throw new RangeError(`rankCandidates takes at most ${ID_SLOTS} ids, got ${n}`);
  const keys = new Float64Array(n);
  for (let id = 0; id < n; id++) {
    f32[0] = -logits[id];
    const bits = f32Bits[0];
    const ordered = bits >= 0x80000000 ? ~bits >>> 0 : bits + 0x80000000;
    keys[id] = ordered * ID_SLOTS + id;
  }
  keys.sort();
  const order = new Uint32Array(n);
  for (let rank = 0; rank < n; rank++) order[rank] = keys[rank] % ID_SLOTS;
  for (let rank = 1; rank < n; rank++) {
    const id = order[rank];
    const v = logits[id];
    let j = rank - 1;
    while (j >= 0 && (logits[order[j]] < v || (logits[order[j]] === v && order[j] > id))) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = id;
  }
  return order;
}

/** The shortest prefix whose share of the weights reaches topP, and how far the cut's
 *  cumulative shares lie from topP; null when rounding never reaches it (keep all). */
function topPCut(weights: Float64Array, topP: number): { keep: number; gaps: number[] } | null {
  let total = 0;
  for (const w of weights) total += w;
  let cum = 0;
  for (let i = 0; i < weights.length; i++) {
    const before = cum;
    cum += weights[i] / total;
    if (cum >= topP) return { keep: i + 1, gaps: i > 0 ? [cum - topP, topP - before] : [cum - topP] };
  }
  return null;
}

/** A sampled id and its margin: how much any fp32 logit may be off (max norm) before the pick
 *  could change, as training/digit/sampling.py's draw_token defines it. */
export interface Draw {
  token: number;
  margin: number;
}

/** How much a guided logit moves per unit of change in the logits it mixes. */
const guidanceGain = (scale: number, guided: boolean) => (guided ? Math.abs(scale) + Math.abs(1 - scale) : 1);

export function drawToken(
  cond: ArrayLike<number>,
  u: number,
  range: IdRange,
  settings: SamplingSettings,
  uncond: ArrayLike<number> | null = null,
): Draw {
  const logits = guided(cond, uncond, settings.guidance, range);
  const order = rankCandidates(logits);
  const gain = guidanceGain(settings.guidance, uncond !== null && settings.guidance !== 1);
  if (settings.temperature === 0) {
    const gap = order.length > 1 ? logits[order[0]] - logits[order[1]] : Infinity;
    return { token: range.lo + order[0], margin: gap / 2 / gain };
  }
  const scaled = (rank: number) => logits[order[rank]] / settings.temperature; // only where needed: K may be large
  const gaps: number[] = []; // what decides the pick: scaled-logit gaps and probabilities
  let kept = order.length;
  if (settings.topK > 0 && settings.topK < kept) {
    kept = settings.topK;
    gaps.push(scaled(kept - 1) - scaled(kept));
  }
  const top = scaled(0);
  const weights = new Float64Array(kept);
  for (let rank = 0; rank < kept; rank++) weights[rank] = Math.exp(scaled(rank) - top);
  let count = kept;
  if (settings.topP < 1) {
    const cut = topPCut(weights, settings.topP);
    if (cut) {
      count = cut.keep;
      gaps.push(...cut.gaps);
    }
  }
  let total = 0;
  for (let i = 0; i < count; i++) total += weights[i];
  const target = u * total;
  let running = 0;
  let pick = count - 1; // if rounding leaves none
  for (let i = 0; i < count; i++) {
    if (running + weights[i] > target) {
      pick = i;
      break;
    }
    running += weights[i];
  }
  if (pick > 0) gaps.push((target - running) / total, scaled(pick - 1) - scaled(pick));
  if (pick < count - 1) gaps.push((running + weights[pick] - target) / total);
  if (pick + 1 < order.length) gaps.push(scaled(pick) - scaled(pick + 1));
  const margin = ((Math.max(0, Math.min(...gaps)) / 2) * settings.temperature) / gain;
  return { token: range.lo + order[pick], margin };
}
