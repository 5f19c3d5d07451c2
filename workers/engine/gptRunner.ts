// A GPT step graph driven token by token with its KV cache. Packs carry two kinds of step
// (docs/model-pack.md), and each has its runner:
// - FixedCacheRunner: the whole fixed-capacity cache goes in and comes out of every step; on
//   WebGPU those tensors stay GPU buffers throughout, so only logits reach the CPU.
// - RowCacheRunner: the cache lives here, in one position-major array; each run passes only
//   the rows used so far and gets back the new rows. On WASM, where the runtime copies every input
//   and output across the WebAssembly heap boundary, this moves a fraction of the bytes; and a
//   whole prompt goes through in one run.
import * as ort from 'onnxruntime-web';
import type { GptGraphEntry } from './manifest';

export const int64 = (values: number[], dims: number[]) =>
  new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);

export type RunGraph = (feeds: Record<string, ort.Tensor>) => Promise<ort.InferenceSession.ReturnType>;

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
  return spec.kv_cache.layout[0] === 'rows' ? new RowCacheRunner(run, spec) : new FixedCacheRunner(run, spec);
}

/** What both runners share: the graph, its spec, and a key and a value cache of type `C`. */
abstract class CacheHolder<C> {
  protected key: C | null = null;
  protected value: C | null = null;
  protected batch = 0;

  constructor(protected run: RunGraph, readonly spec: GptGraphEntry) {}

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

export class FixedCacheRunner extends CacheHolder<ort.Tensor> implements GptRunner {

  reset(batch: number) {
    this.release();
    const { layers, heads, capacity, head_dim } = this.spec.kv_cache;
    const dims = [layers, batch, heads, capacity, head_dim];
    const zeros = () => new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b)), dims);
    this.key = zeros();
    this.value = zeros();
    this.batch = batch;
  }

  async feed(tokens: number[][], position: number): Promise<Float32Array> {
    let logits: Float32Array | null = null;
    for (let t = 0; t < tokens[0].length; t++) logits = await this.step(tokens.map((row) => row[t]), position + t);
    return logits!;
  }

  async step(tokens: number[], position: number): Promise<Float32Array> {
    this.checkFeed(tokens.length, position + 1);
    const out = await this.run({
      tokens: int64(tokens, [this.batch, 1]),
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

export class RowCacheRunner extends CacheHolder<Float32Array> implements GptRunner {

  /** Floats in one cache row: one position's keys (or values) for every layer, row and head. */
  private get rowSize() {
    const { layers, heads, head_dim } = this.spec.kv_cache;
    return layers * this.batch * heads * head_dim;
  }

  reset(batch: number) {
    this.batch = batch;
    // zeros: the rows of the tokens being fed are multiplied by a zero weight, so must be finite
    this.key = new Float32Array(this.capacity * this.rowSize);
    this.value = new Float32Array(this.capacity * this.rowSize);
  }

  step(tokens: number[], position: number): Promise<Float32Array> {
    return this.feed(tokens.map((t) => [t]), position);
  }

  async feed(tokens: number[][], position: number): Promise<Float32Array> {
    const count = tokens[0].length;
    this.checkFeed(tokens.length, position + count);
    const { layers, heads, head_dim } = this.spec.kv_cache;
    const dims = [position + count, layers, this.batch, heads, head_dim];
    const used = this.rowSize * (position + count);
    const out = await this.run({
      tokens: int64(tokens.flat(), [this.batch, count]),
      position: int64([position], [1]),
      past_key: new ort.Tensor('float32', this.key!.subarray(0, used), dims),
      past_value: new ort.Tensor('float32', this.value!.subarray(0, used), dims),
    });
    this.key!.set(out.key.data as Float32Array, position * this.rowSize);
    this.value!.set(out.value.data as Float32Array, position * this.rowSize);
    return out.logits.data as Float32Array;
  }

  release() {
    this.key = this.value = null;
  }
}
