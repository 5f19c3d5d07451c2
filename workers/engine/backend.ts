// Which execution provider to use: WebGPU when the browser gives an adapter, else WASM; and what
// the browser offers, for the UI to show.
import type { Backend } from './sessions';

export type BackendPreference = 'auto' | Backend;

export interface GpuCapabilities {
  adapter: string;
  shaderF16: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

export interface BackendChoice {
  backend: Backend;
  reason: string;
  /** null when there is no usable WebGPU adapter. */
  gpu: GpuCapabilities | null;
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string };
  features?: { has(name: string): boolean };
  limits?: { maxBufferSize?: number; maxStorageBufferBindingSize?: number };
}
interface NavigatorGpu {
  gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> };
}

function describeAdapter(adapter: GpuAdapterLike): GpuCapabilities {
  const info = adapter.info ?? {};
  return {
    adapter: [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || '(unnamed)',
    shaderF16: adapter.features?.has('shader-f16') ?? false,
    maxBufferSize: adapter.limits?.maxBufferSize ?? 0,
    maxStorageBufferBindingSize: adapter.limits?.maxStorageBufferBindingSize ?? 0,
  };
}

export async function chooseBackend(prefer: BackendPreference): Promise<BackendChoice> {
  const gpu = (globalThis.navigator as NavigatorGpu | undefined)?.gpu;
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  const caps = adapter ? describeAdapter(adapter) : null;
  if (prefer === 'wasm') return { backend: 'wasm', reason: 'WASM was requested', gpu: caps };
  if (!gpu) return { backend: 'wasm', reason: 'this browser does not expose WebGPU', gpu: null };
  if (!caps) return { backend: 'wasm', reason: 'WebGPU gave no adapter', gpu: null };
  return { backend: 'webgpu', reason: `WebGPU adapter ${caps.adapter}`, gpu: caps };
}
