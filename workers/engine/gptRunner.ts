// One GPT step graph driven token by token with its fixed-capacity KV cache. The cache tensors
// returned by one step are fed to the next; on WebGPU they stay GPU buffers throughout.
import * as ort from 'onnxruntime-web';
import type { GptGraphEntry } from './manifest';

export const int64 = (values: number[], dims: number[]) =>
  new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);

export type RunGraph = (feeds: Record<string, ort.Tensor>) => Promise<ort.InferenceSession.ReturnType>;

export class GptRunner {
  private key: ort.Tensor | null = null;
  private value: ort.Tensor | null = null;
  private batch = 0;

  constructor(private run: RunGraph, readonly spec: GptGraphEntry) {}

  /** Whether a KV cache is allocated (between reset and release). */
  get holdsCache() {
    return this.key !== null;
  }

  get capacity() {
    return this.spec.kv_cache.capacity;
  }

  reset(batch: number) {
    this.release();
    const { layers, heads, capacity, head_dim } = this.spec.kv_cache;
    const dims = [layers, batch, heads, capacity, head_dim];
    const zeros = () => new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b)), dims);
    this.key = zeros();
    this.value = zeros();
    this.batch = batch;
  }

  /** Feed one token per row at sequence index `position`; returns logits [batch * vocab]. */
  async step(tokens: number[], position: number): Promise<Float32Array> {
    if (!this.key || !this.value || tokens.length !== this.batch) throw new Error('GptRunner.step before reset');
    if (position >= this.capacity) throw new Error(`position ${position} is past the cache capacity ${this.capacity}`);
    const out = await this.run({
      tokens: int64(tokens, [this.batch, 1]),
      position: int64([position], [1]),
      past_key: this.key,
      past_value: this.value,
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
