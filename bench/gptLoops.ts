// Four ways to sample a whole image from a GPT graph, with the app's sampler, for comparison:
// our two KV-cache steps (fixed-capacity, and the step over the past keys/values that the WASM
// backend runs), a cache that grows every step, and no cache at all.
import * as ort from 'onnxruntime-web';
import { gptRunner, int64 } from '../workers/engine/gptRunner';
import type { GptGraphEntry } from '../workers/engine/manifest';
import { imageRng } from '../workers/engine/rng';
import { drawToken } from '../workers/engine/sampling';

export interface GptShape {
  layers: number;
  heads: number;
  headDim: number;
  vocab: number;
  tokens: number;
}

const SETTINGS = { temperature: 1, topK: 0, topP: 0.9, guidance: 1 };
const N_SPECIAL = 5;
const CLASS_0 = N_SPECIAL + 256;

/** Draw one token per row from logits [rows * vocab]. */
function sampleRows(logits: Float32Array, shape: GptShape, rngs: ReturnType<typeof imageRng>[]): number[] {
  const range = { lo: N_SPECIAL, hi: shape.vocab };
  return rngs.map(
    (rng, b) =>
      drawToken(logits.subarray(b * shape.vocab, (b + 1) * shape.vocab), rng.uniform(), range, SETTINGS).token,
  );
}

/** Sample `batch` images' tokens at positions `from .. from + steps - 1` (all of them by default). */
export type Loop = (batch: number, steps?: number, from?: number) => Promise<void>;

/** Our engine's loop over a step graph with either cache layout (as in pack.json). */
export function engineLoop(session: ort.InferenceSession, shape: GptShape, layout: 'fixed' | 'past'): Loop {
  const spec = {
    kv_cache: {
      layers: shape.layers,
      heads: shape.heads,
      head_dim: shape.headDim,
      capacity: shape.tokens,
      layout: ['layers', 'batch', 'heads', layout === 'past' ? 'past' : 'capacity', 'head_dim'],
    },
  } as GptGraphEntry;
  const runner = gptRunner((feeds) => session.run(feeds), spec);
  return async (batch, steps = shape.tokens, from = 0) => {
    const rngs = Array.from({ length: batch }, (_, i) => imageRng(0, i));
    runner.reset(batch);
    let next = new Array<number>(batch).fill(CLASS_0);
    for (let pos = from; pos < from + steps; pos++) next = sampleRows(await runner.step(next, pos), shape, rngs);
    runner.release();
  };
}

export function growingCacheLoop(session: ort.InferenceSession, shape: GptShape): Loop {
  return async (batch, steps = shape.tokens) => {
    const rngs = Array.from({ length: batch }, (_, i) => imageRng(0, i));
    const empty = [shape.layers, batch, shape.heads, 0, shape.headDim];
    let key: ort.Tensor = new ort.Tensor('float32', new Float32Array(0), empty);
    let value: ort.Tensor = new ort.Tensor('float32', new Float32Array(0), empty);
    let next = new Array<number>(batch).fill(CLASS_0);
    for (let pos = 0; pos < steps; pos++) {
      const out = await session.run({
        tokens: int64(next, [batch, 1]),
        position: int64([pos], [1]),
        past_key: key,
        past_value: value,
      });
      key = out.present_key;
      value = out.present_value;
      next = sampleRows(out.logits.data as Float32Array, shape, rngs);
    }
  };
}

export function noCacheLoop(session: ort.InferenceSession, shape: GptShape): Loop {
  return async (batch, steps = shape.tokens) => {
    const rngs = Array.from({ length: batch }, (_, i) => imageRng(0, i));
    const rows: number[][] = Array.from({ length: batch }, () => [CLASS_0]);
    for (let pos = 0; pos < steps; pos++) {
      const { logits } = await session.run({ tokens: int64(rows.flat(), [batch, pos + 1]) });
      for (const [b, t] of sampleRows(logits.data as Float32Array, shape, rngs).entries()) rows[b].push(t);
    }
  };
}

/** Multiply-adds x2 of one step per row: the linear layers, the output head, and attention over
 *  `context` cached positions. */
export function stepFlops(
  c: { n_layer: number; dim: number; ffn_dim: number; vocab_size: number },
  context: number,
): number {
  const linear = c.n_layer * (4 * c.dim * c.dim + 2 * c.dim * c.ffn_dim) + c.dim * c.vocab_size;
  return 2 * linear + c.n_layer * 4 * context * c.dim;
}
