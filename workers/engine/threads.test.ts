import { describe, expect, it } from 'vitest';
import { MAX_WASM_THREADS, wasmThreads } from './threads';

describe('wasmThreads', () => {
  it('takes every core up to the cap where threads are allowed', () => {
    expect(wasmThreads(1, true)).toBe(1);
    expect(wasmThreads(2, true)).toBe(2);
    expect(wasmThreads(3, true)).toBe(3);
    expect(wasmThreads(64, true)).toBe(MAX_WASM_THREADS);
  });
  it('is one thread without cross-origin isolation, or when the core count is unknown', () => {
    expect(wasmThreads(8, false)).toBe(1);
    expect(wasmThreads(0, true)).toBe(1);
    expect(wasmThreads(Number.NaN, true)).toBe(1);
  });
});
