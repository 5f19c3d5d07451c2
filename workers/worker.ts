// The inference worker: it owns the engine and every ORT session, and talks to the UI through
// the API of protocol.ts (comlink). Graph runs go one at a time through a shared scheduler, token
// maps ahead of generation steps; a generation can be cancelled between two steps.
import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web';
import plainGlueUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import plainWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import {
  type Backend,
  type BackendPreference,
  type BatchLimit,
  batchLimit,
  chooseBackend,
  type OrtBuild,
} from './engine/backend';
import { CancelledError, Engine } from './engine/engine';
import { browserFileStore } from './engine/fileStore';
import { countGpuBuffers, gpuMemory } from './engine/gpuBuffers';
import { folderSource, type PackFolder, urlSource } from './engine/packSource';
import { type LoadProgress, type PackFiles, packStatus, readPack } from './engine/readPack';
import { settingsFromPack } from './engine/sampling';
import { Scheduler } from './engine/scheduler';
import type { LoadedPack, RgbaImage, WorkerApi } from './protocol';

// Threads need cross-origin isolation (SharedArrayBuffer); ORT's own default, made explicit so
// the UI can say how many run.
ort.env.wasm.numThreads = self.crossOriginIsolated
  ? Math.min(4, Math.ceil((navigator.hardwareConcurrency || 1) / 2))
  : 1;

let ortBuild: OrtBuild | null = null;

/** onnxruntime-web's default browser build can drive WebGPU too, but its WebAssembly goes through
 *  Asyncify, which slows the WASM backend; without a WebGPU adapter there is nothing to gain from
 *  it, so the plain WASM build (half the download) is loaded instead. ORT loads one build, on its
 *  first session, so this holds for the worker's life. */
function chooseOrtBuild(hasGpuAdapter: boolean): OrtBuild {
  if (!ortBuild) {
    ortBuild = hasGpuAdapter ? 'webgpu-capable' : 'plain';
    if (ortBuild === 'plain') ort.env.wasm.wasmPaths = { mjs: plainGlueUrl, wasm: plainWasmUrl };
  }
  return ortBuild;
}

countGpuBuffers();
const scheduler = new Scheduler();
let engine: Engine | null = null;
let files: PackFiles | null = null; // kept, so that falling back to WASM never downloads again
let backendListener: ((backend: 'wasm', reason: string) => void) | null = null;
let loads: Promise<unknown> = Promise.resolve();
let loading: AbortController | null = null;
let limit: BatchLimit = { max: null, why: null }; // of the loaded pack on its backend
const jobs = new Map<number, AbortController>();

/** The image through the browser's JPEG encoder and decoder at `quality` (1-100). */
async function jpegRoundTrip(image: RgbaImage, quality: number): Promise<RgbaImage> {
  const canvas = new OffscreenCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d')!;
  ctx.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: quality / 100 });
  const bitmap = await createImageBitmap(blob);
  ctx.clearRect(0, 0, image.width, image.height);
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { width: image.width, height: image.height, data: ctx.getImageData(0, 0, image.width, image.height).data };
}

function requireEngine(): Engine {
  if (!engine) throw new Error('no model pack is loaded yet');
  return engine;
}

async function startEngine(pack: PackFiles, backend: Backend): Promise<Engine> {
  // each session is created on its graph's first run, and the warm-up runs the graphs: on WebGPU
  // every one (it compiles shaders on a first run); on WASM, where a first run costs little, only
  // the pack's own path, so the first image waits for nothing else (a graph of the pack that does
  // not load is then refused when it is first used, naming its file)
  const next = await Engine.fromFiles(pack, backend, scheduler, { lazy: true });
  const m = pack.manifest;
  await next.warmUp(backend === 'webgpu' ? undefined : (m.sampling.decoder ?? m.decoders[0]));
  return next;
}

/** Make `next` the engine; the old pack's generations end here. */
async function swapEngine(next: Engine, pack: PackFiles) {
  for (const job of jobs.values()) job.abort();
  const previous = engine;
  engine = next;
  files = pack;
  await previous?.dispose().catch(() => undefined);
}

/** WebGPU broke under a loaded pack (device lost, a failing run): carry on with WASM. */
async function fallBackToWasm(why: string) {
  if (engine?.backend !== 'webgpu' || !files) return;
  const lost = engine;
  const next = await startEngine(files, 'wasm');
  if (engine !== lost) return next.dispose(); // another pack was loaded meanwhile
  await swapEngine(next, files);
  limit = batchLimit(files.manifest, 'wasm', null);
  backendListener?.('wasm', `WebGPU stopped (${why}); switched to WASM`);
}

async function watchDevice(engineOnGpu: Engine) {
  const device = (await (ort.env.webgpu.device as Promise<unknown>)) as {
    lost: Promise<{ message: string; reason: string }>;
  };
  const info = await device.lost;
  if (engine === engineOnGpu) await fallBackToWasm(`device lost: ${info.message || info.reason}`);
}

async function createEngine(
  from: string | PackFolder,
  prefer: BackendPreference,
  onProgress?: LoadProgress,
): Promise<LoadedPack> {
  loading = new AbortController();
  const choice = await chooseBackend(prefer);
  const build = chooseOrtBuild(choice.gpu !== null);
  let { backend, reason } = choice;
  // only the graphs this backend runs; should WebGPU fail, WASM runs the same files
  const source = typeof from === 'string' ? urlSource(from, { signal: loading.signal }) : folderSource(from);
  const pack = await readPack(source, {
    onProgress,
    store: await browserFileStore(),
    readStore: typeof from === 'string',
    backend,
  });
  let next: Engine;
  try {
    next = await startEngine(pack, backend);
  } catch (e) {
    if (backend !== 'webgpu') throw e;
    reason = `WebGPU failed (${(e as Error).message}); using WASM`;
    backend = 'wasm';
    next = await startEngine(pack, backend);
  }
  await swapEngine(next, pack);
  if (backend === 'webgpu') void watchDevice(next);
  limit = batchLimit(pack.manifest, backend, choice.gpu);
  return {
    manifest: pack.manifest,
    batchLimit: limit,
    stage1Defaults: settingsFromPack(pack.manifest.sampling.stage1),
    backend,
    backendReason: reason,
    threads: ort.env.wasm.numThreads ?? 1,
    crossOriginIsolated: self.crossOriginIsolated,
    gpu: choice.gpu,
    ortBuild: build,
    cached: pack.cached,
    storeSkipped: pack.storeSkipped,
    exemplars: pack.exemplars,
    examples: pack.examples,
    classImages: pack.classImages,
  };
}

const api: WorkerApi = {
  load(from, prefer, onProgress) {
    const next = loads
      .then(() => createEngine(from, prefer, onProgress))
      .finally(() => {
        loading = null;
      });
    loads = next.catch(() => undefined);
    return next;
  },

  cancelLoad() {
    loading?.abort();
  },

  async packStatus(url) {
    return packStatus(urlSource(url), await browserFileStore(), engine?.backend);
  },

  async clearCache() {
    await (await browserFileStore())?.clear();
  },

  async generate(jobId, req, onProgress, previewIntervalMs, onPreview) {
    const controller = new AbortController();
    jobs.set(jobId, controller);
    const running = requireEngine();
    if (limit.max !== null && req.batch > limit.max) throw new Error(`batch ${req.batch} is too large: ${limit.why}`);
    try {
      const result = await running.generate(req, {
        onProgress,
        signal: controller.signal,
        previewIntervalMs,
        onPreview,
      });
      return Comlink.transfer(
        result,
        result.images.map((img) => img.data.buffer as ArrayBuffer),
      );
    } catch (e) {
      if (running.backend === 'webgpu' && !(e instanceof CancelledError) && running === engine) {
        await fallBackToWasm((e as Error).message);
      }
      throw e;
    } finally {
      jobs.delete(jobId);
    }
  },

  cancel(jobId) {
    jobs.get(jobId)?.abort();
  },

  tokenize(image) {
    return requireEngine().tokenize(image);
  },

  async reconstruct(tokens, decoder, seed) {
    const image = await requireEngine().reconstruct(tokens, decoder, seed);
    return Comlink.transfer(image, [image.data.buffer as ArrayBuffer]);
  },

  async perturbedTokens(image, p, seed) {
    if (p.kind !== 'jpeg') return requireEngine().perturbedTokens(image, p, seed);
    return requireEngine().perturbedTokens(await jpegRoundTrip(image, p.quality), { kind: 'none' }, seed);
  },

  scoreGrid(codes, starts, top, path) {
    return requireEngine().scoreGrid(codes, starts, top, path);
  },

  gpuMemory() {
    return gpuMemory();
  },

  batchPlan() {
    return engine?.batchPlan ?? null;
  },

  onBackendChange(listener) {
    backendListener = listener;
  },
};

Comlink.expose(api);
