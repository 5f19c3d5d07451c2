import { describe, expect, it } from 'vitest';
import { batchLimit, graphsFor, stepGraph } from './backend';
import type { PackManifest } from './manifest';

// The official base shape: 16 layers, 16 heads of 64, stage-2 cache of 513 positions.
const cache = (capacity: number) => ({ kv_cache: { layers: 16, heads: 16, head_dim: 64, capacity, layout: [] } });
const base = { graphs: { stage1: cache(256), stage2: cache(513) } } as unknown as PackManifest;
const gpu = (mb: number) => ({
  adapter: 'test',
  shaderF16: false,
  maxBufferSize: 4096 * 2 ** 20,
  maxStorageBufferBindingSize: mb * 2 ** 20,
});

describe('batch limit', () => {
  it('fits the largest KV-cache buffer of one image into the adapter limit', () => {
    // one image's stage-2 keys: 16 * 16 * 513 * 64 * 4 bytes = 32.1 MB
    const limit = batchLimit(base, 'webgpu', gpu(128));
    expect(limit.max).toBe(3);
    expect(limit.why).toBe(
      "this GPU's largest buffer is 128 MB and one image's KV cache takes 32 MB, so it holds at most 3 images at once",
    );
    expect(batchLimit(base, 'webgpu', gpu(2048)).max).toBe(63);
  });

  it('puts no bound on WASM', () => {
    expect(batchLimit(base, 'wasm', gpu(128))).toEqual({ max: null, why: null });
  });
});

describe('graphs a backend runs', () => {
  const names = ['encoder', 'stage1', 'stage1_wasm', 'stage2'] as const;
  it('prefers the past-keys steps on WASM and the fixed-capacity ones on WebGPU', () => {
    expect(graphsFor(names, 'wasm')).toEqual(['encoder', 'stage1_wasm', 'stage2']);
    expect(graphsFor(names, 'webgpu')).toEqual(['encoder', 'stage1', 'stage2']);
    expect(stepGraph('stage1', graphsFor(names, 'wasm'))).toBe('stage1_wasm');
    expect(stepGraph('stage2', graphsFor(names, 'wasm'))).toBe('stage2');
  });
});
