// A GPT step graph driven with its KV cache: a prompt in one run, then token by token. Packs
// carry two kinds of step (docs/model-pack.md), and each has its runner:
// - FixedCacheRunner: the whole fixed-capacity cache goes in and comes out of every run; on
//   WebGPU those tensors stay GPU buffers throughout, so only logits reach the CPU.
// - PastCacheRunner: the cache lives here; each run passes only the filled positions and gets
//   back the new tokens' keys/values. On WASM, where the runtime copies every input and output
//   across the WebAssembly heap boundary, this moves a fraction of the bytes.
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import type { GptGraphEntry } from './manifest';
import { ort } from './onnxRuntime';

export const int64 = (values: number[], dims: number[]) =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from(values, (v) => BigInt(v)),
    dims,
  );

export type RunGraph = (feeds: Record<string, Tensor>) => Promise<InferenceSession.ReturnType>;

export interface GptRunner {
  readonly spec: GptGraphEntry;
  /** Whether a KV cache is allocated (between reset and release). */
  readonly holdsCache: boolean;
  readonly capacity: number;
  /** Allocate an empty cache for `batch` rows. */
  reset(batch: number): void;
  /** Feed one token per row at sequence index `position`; returns logits [batch * vocab]. */
  step(tokens: number[], position: number): Promise<Float32Array>;
  /** Feed each row's `tokens` (all of one length) from `position` on; returns the logits after
   *  the last of them. */
  feed(tokens: number[][], position: number): Promise<Float32Array>;
  release(): void;
}

/** The runner for a step graph, by the cache layout its pack.json entry declares. */
export function gptRunner(run: RunGraph, spec: GptGraphEntry): GptRunner {
  return spec.kv_cache.layout[3] === 'past' ? new PastCacheRunner(run, spec) : new FixedCacheRunner(run, spec);
}

/** What both runners share: the graph, its spec, and a key and a value cache of type `C`. */
abstract class CacheHolder<C> {
  protected key: C | null = null;
  protected value: C | null = null;
  protected batch = 0;

  constructor(
    protected run: RunGraph,
    readonly spec: GptGraphEntry,
  ) {}

  get holdsCache() {
    return this.key !== null;
  }

  get capacity() {
    return this.spec.kv_cache.capacity;
  }

  /** Refuse a feed of `rows` rows that would end at position `end` - 1. */
  protected checkFeed(rows: number, end: number) {
    if (!this.holdsCache || rows !== this.batch) throw new Error('GptRunner.step before reset');
    if (end > this.capacity) throw new Error(`position ${end - 1} is past the cache capacity ${this.capacity}`);
  }
}

export class FixedCacheRunner extends CacheHolder<Tensor> implements GptRunner {
  reset(batch: number) {
    this.release();
    const { layers, heads, capacity, head_dim } = this.spec.kv_cache;
    const dims = [layers, batch, heads, capacity, head_dim];
    const zeros = () => new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b)), dims);
    this.key = zeros();
    this.value = zeros();
    this.batch = batch;
  }

  step(tokens: number[], position: number): Promise<Float32Array> {
    return this.feed(
      tokens.map((t) => [t]),
      position,
    );
  }

  async feed(tokens: number[][], position: number): Promise<Float32Array> {
    const count = tokens[0].length;
    this.checkFeed(tokens.length, position + count);
    const out = await this.run({
      tokens: int64(tokens.flat(), [this.batch, count]),
      position: int64([position], [1]),
      past_key: this.key!,
      past_value: this.value!,
    });
    this.release();
    this.key = out.present_key;
    this.value = out.present_value;
    return out.logits.data as Float32Array;
  }

  release() {
    this.key?.dispose();
    this.value?.dispose();
    this.key = this.value = null;
  }
}

export class PastCacheRunner extends CacheHolder<Float32Array> implements GptRunner {
  // Each of key and value holds the cache [layers, batch, heads, capacity, head_dim], then room
  // for its first positions packed together: the graph's past input, gathered without allocating.

  private get cacheSize() {
    const { layers, heads, head_dim } = this.spec.kv_cache;
    return layers * this.batch * heads * this.capacity * head_dim;
  }

  reset(batch: number) {
    this.batch = batch;
    // zeros, like the fixed-capacity cache: a position never fed has zero keys and values
    this.key = new Float32Array(2 * this.cacheSize);
    this.value = new Float32Array(2 * this.cacheSize);
  }

  step(tokens: number[], position: number): Promise<Float32Array> {
    return this.feed(
      tokens.map((t) => [t]),
      position,
    );
  }

  async feed(tokens: number[][], position: number): Promise<Float32Array> {
    const count = tokens[0].length;
    this.checkFeed(tokens.length, position + count);
    const { layers, heads, head_dim } = this.spec.kv_cache;
    const dims = [layers, this.batch, heads, position, head_dim];
    const out = await this.run({
      tokens: int64(tokens.flat(), [this.batch, count]),
      position: int64([position], [1]),
      past_key: new ort.Tensor('float32', this.past(this.key!, position), dims),
      past_value: new ort.Tensor('float32', this.past(this.value!, position), dims),
    });
    this.write(this.key!, out.key.data as Float32Array, position, count);
    this.write(this.value!, out.value.data as Float32Array, position, count);
    return out.logits.data as Float32Array;
  }

  /** Positions 0..position-1 of the cache in `store`, packed [layers, batch, heads, position,
   *  head_dim] after it. */
  private past(store: Float32Array, position: number): Float32Array {
    const run = position * this.spec.kv_cache.head_dim;
    const stride = this.capacity * this.spec.kv_cache.head_dim;
    const size = this.cacheSize;
    const lanes = size / stride; // layers * batch * heads
    for (let i = 0; i < lanes; i++) store.copyWithin(size + i * run, i * stride, i * stride + run);
    return store.subarray(size, size + lanes * run);
  }

  /** Write new keys/values [layers, batch, count, heads * head_dim] into the cache in `store`
   *  at positions position..position+count-1. */
  private write(store: Float32Array, rows: Float32Array, position: number, count: number) {
    const { heads, head_dim } = this.spec.kv_cache;
    const lanes = rows.length / (count * heads * head_dim); // layers * batch
    for (let lane = 0; lane < lanes; lane++) {
      for (let t = 0; t < count; t++) {
        for (let h = 0; h < heads; h++) {
          const from = ((lane * count + t) * heads + h) * head_dim;
          const to = ((lane * heads + h) * this.capacity + position + t) * head_dim;
          for (let d = 0; d < head_dim; d++) store[to + d] = rows[from + d];
        }
      }
    }
  }

  release() {
    this.key = this.value = null;
  }
}
