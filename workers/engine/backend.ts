// The backend vocabulary: which execution provider runs a pack (WebGPU when the browser gives
// an adapter, else WASM), which of its graphs each one runs, and what the browser offers.
import type { GptGraphEntry, GraphName, PackManifest } from './manifest';

/** native: onnxruntime-node's CPU provider, for the command line where it is installed. */
export type Backend = 'webgpu' | 'wasm' | 'native';
export type BackendPreference = 'auto' | Backend;
/** onnxruntime-web's WebAssembly builds: the plain one, or the one that can drive WebGPU too. */
export type OrtBuild = 'plain' | 'webgpu-capable';

/** The graphs a backend runs: on the CPU (WASM, native) the past-keys GPT steps where the pack
 *  has them, on WebGPU the fixed-capacity ones (their cache stays on the GPU). */
export function graphsFor(graphs: Iterable<GraphName>, backend: Backend): GraphName[] {
  const all = [...graphs];
  const onCpu = backend !== 'webgpu';
  return all.filter((name) =>
    name.endsWith('_wasm') ? onCpu : !(onCpu && all.includes(`${name}_wasm` as GraphName)),
  );
}

/** Of the graphs a backend runs (graphsFor), the one that steps this GPT, if any. */
export function stepGraph(
  gpt: 'stage1' | 'stage2' | 'vq_stage1',
  running: Iterable<GraphName>,
): GraphName | undefined {
  const names = [...running];
  return names.find((name) => name === `${gpt}_wasm`) ?? names.find((name) => name === gpt);
}

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

/** The most images one generation may hold on this backend, and why; null: no bound here. */
export interface BatchLimit {
  max: number | null;
  why: string | null;
}

/** On WebGPU each fixed-capacity GPT step keeps all its keys (and all its values) in one GPU
 *  buffer, [layers, batch, heads, capacity, head_dim] float32, which must fit the adapter's
 *  largest buffer and storage binding: that bounds the batch. */
export function batchLimit(m: PackManifest, backend: Backend, gpu: GpuCapabilities | null): BatchLimit {
  if (backend !== 'webgpu' || !gpu) return { max: null, why: null };
  const limit = Math.min(gpu.maxBufferSize, gpu.maxStorageBufferBindingSize);
  const perImage = Math.max(
    ...(['stage1', 'stage2'] as const)
      .map((name) => m.graphs[name] as GptGraphEntry | undefined)
      .filter((g) => g !== undefined)
      .map(({ kv_cache: c }) => 4 * c.layers * c.heads * c.capacity * c.head_dim),
  );
  const max = Math.floor(limit / perImage);
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
  return {
    max,
    why:
      `this GPU's largest buffer is ${mb(limit)} and one image's KV cache takes ${mb(perImage)}, ` +
      `so it holds at most ${max} image${max === 1 ? '' : 's'} at once`,
  };
}
