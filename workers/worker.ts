// The inference worker: it owns the engine and every ORT session, and talks to the UI through
// the typed API below (comlink). One request runs at a time.
import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web';
import { type BackendPreference, chooseBackend } from './engine/backend';
import { Engine, type GenerateProgress, type GenerateRequest, type GenerateResult, type TokenMap } from './engine/engine';
import type { PackManifest } from './engine/manifest';
import { urlSource } from './engine/packSource';
import type { RgbaImage } from './engine/pixels';
import { readPack } from './engine/readPack';

export interface LoadedPack {
  manifest: PackManifest;
  backend: 'webgpu' | 'wasm';
  backendReason: string;
  threads: number;
}

// Threads need cross-origin isolation (SharedArrayBuffer); ORT's own default, made explicit so
// the UI can say how many run.
ort.env.wasm.numThreads = self.crossOriginIsolated
  ? Math.min(4, Math.ceil((navigator.hardwareConcurrency || 1) / 2)) : 1;

let engine: Engine | null = null;
let queue: Promise<unknown> = Promise.resolve();

/** Serialise requests: ORT sessions must never run concurrently. */
function exclusive<T>(job: () => Promise<T>): Promise<T> {
  const next = queue.then(job, job);
  queue = next.catch(() => undefined);
  return next;
}

function requireEngine(): Engine {
  if (!engine) throw new Error('no model pack is loaded yet');
  return engine;
}

const api = {
  /** Load a pack; the previous one stays loaded (and in use) if this one fails. */
  load(url: string, prefer: BackendPreference,
    onProgress?: (file: string, loaded: number, total: number) => void): Promise<LoadedPack> {
    return exclusive(async () => {
      const files = await readPack(urlSource(url), onProgress);
      let { backend, reason } = await chooseBackend(prefer);
      let next: Engine;
      try {
        next = await Engine.fromFiles(files, backend);
      } catch (e) {
        if (backend !== 'webgpu') throw e;
        reason = `WebGPU failed (${(e as Error).message}); using WASM`;
        backend = 'wasm';
        next = await Engine.fromFiles(files, backend);
      }
      await engine?.dispose();
      engine = next;
      return { manifest: files.manifest, backend, backendReason: reason, threads: ort.env.wasm.numThreads ?? 1 };
    });
  },

  generate(req: GenerateRequest, onProgress?: (p: GenerateProgress) => void): Promise<GenerateResult> {
    return exclusive(async () => {
      const result = await requireEngine().generate(req, onProgress);
      return Comlink.transfer(result, result.images.map((img) => img.data.buffer as ArrayBuffer));
    });
  },

  tokenize(image: RgbaImage): Promise<TokenMap> {
    return exclusive(() => requireEngine().tokenize(image));
  },
};

export type WorkerApi = typeof api;

Comlink.expose(api);
