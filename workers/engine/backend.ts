// Which execution provider to use: WebGPU when the browser gives an adapter, else WASM.
import type { Backend } from './sessions';

export type BackendPreference = 'auto' | Backend;

export interface BackendChoice {
  backend: Backend;
  reason: string;
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string };
}
interface NavigatorGpu {
  gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> };
}

export async function chooseBackend(prefer: BackendPreference): Promise<BackendChoice> {
  if (prefer === 'wasm') return { backend: 'wasm', reason: 'WASM was requested' };
  const gpu = (globalThis.navigator as NavigatorGpu | undefined)?.gpu;
  if (!gpu) return { backend: 'wasm', reason: 'this browser does not expose WebGPU' };
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) return { backend: 'wasm', reason: 'WebGPU gave no adapter' };
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ');
  return { backend: 'webgpu', reason: `WebGPU adapter ${name || '(unnamed)'}` };
}
