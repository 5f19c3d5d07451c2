// Reading a GPT's predictions instead of sampling from them: how likely each token of a given
// grid was, position by position (teacher forcing), and which tokens it expected instead. The
// "How it works" page shows the candidates; the GPT as a classifier ranks classes by the sum.

/** One candidate for a position: a code and its probability. */
export interface Candidate {
  code: number;
  p: number;
}

/** How one start token (a class, or the unconditional start) explains a token grid. */
export interface GridScore {
  /** null: the unconditional start token. */
  classId: number | null;
  /** log p(code at position i | the codes before it), natural log, per position. */
  logProbs: number[];
  /** Sum of logProbs: the grid's log-likelihood under this start. */
  total: number;
  /** The `top` likeliest codes at each position, likeliest first (empty when top = 0). */
  top: Candidate[][];
}

/** Log-softmax of logits[lo, hi) in float64: index k holds log p(code k). */
export function logSoftmaxRange(logits: ArrayLike<number>, lo: number, hi: number): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = lo; i < hi; i++) max = Math.max(max, logits[i]);
  let sum = 0;
  for (let i = lo; i < hi; i++) sum += Math.exp(logits[i] - max);
  const logZ = max + Math.log(sum);
  const out = new Float64Array(hi - lo);
  for (let i = lo; i < hi; i++) out[i - lo] = logits[i] - logZ;
  return out;
}

/** The k likeliest codes of a log-probability vector, likeliest first (ties: lower code). */
export function topCandidates(logProbs: Float64Array, k: number): Candidate[] {
  if (k <= 0) return [];
  const order = Array.from(logProbs.keys()).sort((a, b) => logProbs[b] - logProbs[a] || a - b);
  return order.slice(0, k).map((code) => ({ code, p: Math.exp(logProbs[code]) }));
}
