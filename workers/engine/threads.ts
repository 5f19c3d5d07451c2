// How many WebAssembly threads onnxruntime-web gets: every core, up to four, where the page may
// use threads at all (cross-origin isolation). ORT's own default is half the cores, which on a
// 2-core machine is one thread, and two measured faster there at every batch, most of all for
// batches and the decoders (docs/benchmarks.md, "Threads").
// The inference worker is the page's only heavy work, and the page's own thread idles while it
// runs, so leaving a core free buys nothing.
export const MAX_WASM_THREADS = 4;

export function wasmThreads(cores: number, threadsAllowed: boolean): number {
  return threadsAllowed ? Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(cores) || 1)) : 1;
}
