// What the UI and the inference worker say to each other (over comlink): the worker's API and
// every type that crosses the boundary. Types only: importing this file loads no engine code,
// and it is the one file under workers/ that src/ imports.
import type { Backend, BackendPreference, BatchLimit, GpuCapabilities, OrtBuild } from './engine/backend';
import type { BatchPlan } from './engine/batchPlan';
import type { GenerateRequest, GenerateResult, GenerationPath, TokenMap } from './engine/engine';
import type { GpuMemory } from './engine/gpuBuffers';
import type { DecoderKind, PackManifest } from './engine/manifest';
import type { PackFolder } from './engine/packSource';
import type { Perturbation } from './engine/perturb';
import type { RgbaImage } from './engine/pixels';
import type { ProgressListener } from './engine/progress';
import type { LoadProgress, PackStatus } from './engine/readPack';
import type { SamplingSettings } from './engine/sampling';
import type { GridScore } from './engine/scoring';

export type { Backend, BackendPreference, BatchLimit, GpuCapabilities, OrtBuild } from './engine/backend';
export type { BatchPlan } from './engine/batchPlan';
export type { GenerateRequest, GenerateResult, GenerationPath, TokenMap } from './engine/engine';
export type { GpuMemory } from './engine/gpuBuffers';
export type { DecoderKind, ExemplarsEntry, PackManifest } from './engine/manifest';
export type { PackFolder } from './engine/packSource';
export type { Perturbation } from './engine/perturb';
export type { RgbaImage } from './engine/pixels';
export type { GenerateProgress, ProgressListener } from './engine/progress';
export type { FileOrigin, LoadProgress, PackProgress, PackStatus } from './engine/readPack';
export type { SamplingSettings } from './engine/sampling';
export type { Candidate, GridScore } from './engine/scoring';

/** A pack the worker has loaded, and how it runs it. */
export interface LoadedPack {
  manifest: PackManifest;
  backend: Backend;
  backendReason: string;
  threads: number;
  crossOriginIsolated: boolean;
  /** What the WebGPU adapter offers, if there is one (used or not). */
  gpu: GpuCapabilities | null;
  /** How many images one generation may hold on this backend (a GPU buffer bounds it). */
  batchLimit: BatchLimit;
  /** The pack's stage-1 sampling defaults, as the engine takes them. */
  stage1Defaults: SamplingSettings;
  /** Which onnxruntime-web WebAssembly build runs. */
  ortBuild: OrtBuild;
  /** Files read from the browser's cache rather than downloaded. */
  cached: string[];
  /** Why the files were not kept for next time, if they were not. */
  storeSkipped: string | null;
  /** The exemplar atlas PNG (what each token stands for), if the pack has one. */
  exemplars: Uint8Array | null;
  /** Example images (PNG) the token map offers. */
  examples: { file: string; bytes: Uint8Array; classId?: number }[];
  /** One image of every class in a row (PNG, `tile` px each) for the class picker, if the pack has it. */
  classImages: { bytes: Uint8Array; tile: number } | null;
}

/** The worker's API. Callbacks must be top-level arguments: comlink proxies only those. */
export interface WorkerApi {
  /** Load a pack from a URL or a folder from the user's disk; the previous one stays loaded (and
   *  in use) if this one fails. */
  load(from: string | PackFolder, prefer: BackendPreference, onProgress?: LoadProgress): Promise<LoadedPack>;
  /** Stop downloading the pack being loaded; the loaded one stays. */
  cancelLoad(): void;
  /** A pack's manifest and whether its files are in the browser cache, without loading it. */
  packStatus(url: string): Promise<PackStatus>;
  /** Forget every stored pack file; the next load downloads again. */
  clearCache(): Promise<void>;
  /** Sample images; `jobId` names the generation for `cancel`. Stage-2 settings default to the pack's. */
  generate(
    jobId: number,
    req: GenerateRequest,
    onProgress?: ProgressListener,
    previewIntervalMs?: number,
    onPreview?: (image: RgbaImage, rows: number) => void,
  ): Promise<GenerateResult>;
  /** Stop a generation before its next step; it rejects with a CancelledError. */
  cancel(jobId: number): void;
  /** An image at the pack's size -> its DiGIT token grid. */
  tokenize(image: RgbaImage): Promise<TokenMap>;
  /** A token grid back to pixels through one decoder (stage 2 samples with `seed` and the pack's settings). */
  reconstruct(tokens: number[], decoder: DecoderKind, seed: number): Promise<RgbaImage>;
  /** How the stage-1 GPT reads a token grid after each start (a class, or null): each code's
   *  log-probability and the `top` codes it expected at each position. */
  scoreGrid(codes: number[], starts: (number | null)[], top?: number, path?: GenerationPath): Promise<GridScore[]>;
  /** An image's DiGIT tokens and VQ codes (null without a VQ encoder) under a disturbance. */
  perturbedTokens(image: RgbaImage, p: Perturbation, seed: number): Promise<{ digit: number[]; vq: number[] | null }>;
  /** Live WebGPU buffers (count and bytes); null where there is no WebGPU. */
  gpuMemory(): GpuMemory | null;
  /** How the loaded pack's engine runs batches here, once a batch has asked (see batchPlan.ts). */
  batchPlan(): BatchPlan | null;
  /** Be told when the worker leaves WebGPU for WASM on its own (device lost, failing runs). */
  onBackendChange(listener: (backend: 'wasm', reason: string) => void): void;
}
