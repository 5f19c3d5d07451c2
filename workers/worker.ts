// The inference worker: it owns the engine and every ORT session, and talks to the UI through
// the typed API below (comlink). Graph runs go one at a time through a shared scheduler, token
// maps ahead of generation steps; a generation can be cancelled between two steps.
import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web';
import { type BackendPreference, chooseBackend } from './engine/backend';
import { Engine, type GenerateRequest, type GenerateResult, type TokenMap } from './engine/engine';
import type { PackManifest } from './engine/manifest';
import { urlSource } from './engine/packSource';
import type { RgbaImage } from './engine/pixels';
import type { ProgressListener } from './engine/progress';
import { browserFileStore } from './engine/fileStore';
import { type LoadProgress, readPack } from './engine/readPack';
import { Scheduler } from './engine/scheduler';

export interface LoadedPack {
  manifest: PackManifest;
  backend: 'webgpu' | 'wasm';
  backendReason: string;
  threads: number;
  /** Files read from the browser's cache rather than downloaded. */
  cached: string[];
  /** Why the files were not kept for next time, if they were not. */
  storeSkipped: string | null;
}

// Threads need cross-origin isolation (SharedArrayBuffer); ORT's own default, made explicit so
// the UI can say how many run.
ort.env.wasm.numThreads = self.crossOriginIsolated
  ? Math.min(4, Math.ceil((navigator.hardwareConcurrency || 1) / 2)) : 1;

const scheduler = new Scheduler();
let engine: Engine | null = null;
let loads: Promise<unknown> = Promise.resolve();
let loading: AbortController | null = null;
const jobs = new Map<number, AbortController>();

function requireEngine(): Engine {
  if (!engine) throw new Error('no model pack is loaded yet');
  return engine;
}

async function createEngine(url: string, prefer: BackendPreference, onProgress?: LoadProgress): Promise<LoadedPack> {
  loading = new AbortController();
  const files = await readPack(urlSource(url, { signal: loading.signal }),
    { onProgress, store: await browserFileStore() });
  let { backend, reason } = await chooseBackend(prefer);
  let next: Engine;
  try {
    next = await Engine.fromFiles(files, backend, scheduler);
    await next.warmUp();
  } catch (e) {
    if (backend !== 'webgpu') throw e;
    reason = `WebGPU failed (${(e as Error).message}); using WASM`;
    backend = 'wasm';
    next = await Engine.fromFiles(files, backend, scheduler);
    await next.warmUp();
  }
  for (const job of jobs.values()) job.abort(); // the old pack's generations end here
  const previous = engine;
  engine = next;
  await previous?.dispose();
  return { manifest: files.manifest, backend, backendReason: reason, threads: ort.env.wasm.numThreads ?? 1,
    cached: files.cached, storeSkipped: files.storeSkipped };
}

const api = {
  /** Load a pack; the previous one stays loaded (and in use) if this one fails. */
  load(url: string, prefer: BackendPreference, onProgress?: LoadProgress): Promise<LoadedPack> {
    const next = loads.then(() => createEngine(url, prefer, onProgress)).finally(() => { loading = null; });
    loads = next.catch(() => undefined);
    return next;
  },

  /** Stop downloading the pack being loaded; the loaded one stays. */
  cancelLoad() {
    loading?.abort();
  },

  /** Forget every stored pack file; the next load downloads again. */
  async clearCache() {
    await (await browserFileStore())?.clear();
  },

  /** `jobId` names the generation for `cancel`. */
  async generate(jobId: number, req: GenerateRequest, onProgress?: ProgressListener): Promise<GenerateResult> {
    const controller = new AbortController();
    jobs.set(jobId, controller);
    try {
      const result = await requireEngine().generate(req, { onProgress, signal: controller.signal });
      return Comlink.transfer(result, result.images.map((img) => img.data.buffer as ArrayBuffer));
    } finally {
      jobs.delete(jobId);
    }
  },

  /** Stop a generation before its next step; it rejects with a CancelledError. */
  cancel(jobId: number) {
    jobs.get(jobId)?.abort();
  },

  tokenize(image: RgbaImage): Promise<TokenMap> {
    return requireEngine().tokenize(image);
  },
};

export type WorkerApi = typeof api;

Comlink.expose(api);
