// The DiGIT engine: tokenize an image, sample stage 1, decode to pixels with either decoder.
// Runs unchanged in the browser worker and in Node (tests, benchmarks).
import * as ort from 'onnxruntime-web';
import { GptRunner, int64 } from './gptRunner';
import { type DecoderKind, type GraphName, type PackManifest, gridTokens } from './manifest';
import type { PackSource } from './packSource';
import { type RgbaImage, rgbaToTensorData, tensorDataToRgba } from './pixels';
import { type PackFiles, readPack } from './readPack';
import { imageRng, type Rng } from './rng';
import { type IdRange, type SamplingSettings, sampleToken } from './sampling';
import { type Backend, createSessions, type Sessions } from './sessions';

export interface GenerateRequest {
  classId: number | null; // null: unconditional
  seed: number;
  batch: number;
  stage1: SamplingSettings;
  stage2: SamplingSettings;
  decoder: DecoderKind;
}

export interface GenerateProgress {
  stage: 'stage1' | 'stage2';
  done: number;
  total: number;
  /** Stage-1 DiGIT codes sampled so far, one array per image. */
  tokens: number[][];
}

export interface GenerateResult {
  tokens: number[][];
  vqTokens: number[][] | null;
  images: RgbaImage[];
}

export interface TokenMap {
  tokens: number[];
  distance: number[];
}

export interface LoadOptions {
  backend: Backend;
  onProgress?: (file: string, loaded: number, total: number) => void;
}

export class Engine {
  private stage1: GptRunner;
  private stage2: GptRunner | null;

  private constructor(readonly manifest: PackManifest, readonly backend: Backend,
    private sessions: Sessions) {
    this.stage1 = new GptRunner(sessions.get('stage1')!, manifest.graphs.stage1);
    const s2 = sessions.get('stage2');
    this.stage2 = s2 ? new GptRunner(s2, manifest.graphs.stage2!) : null;
  }

  static async load(source: PackSource, options: LoadOptions): Promise<Engine> {
    return Engine.fromFiles(await readPack(source, options.onProgress), options.backend);
  }

  /** Sessions over already-read files, so a backend fallback never reads them again. */
  static async fromFiles(files: PackFiles, backend: Backend): Promise<Engine> {
    return new Engine(files.manifest, backend, await createSessions(files, backend));
  }

  private async run(graph: GraphName, feeds: Record<string, ort.Tensor>) {
    const session = this.sessions.get(graph);
    if (!session) throw new Error(`this pack has no ${graph} graph`);
    return session.run(feeds);
  }

  private get size() {
    return this.manifest.image.size;
  }

  /** An RGBA image at the pack's size -> its DiGIT token grid (row-major) and distances. */
  async tokenize(image: RgbaImage): Promise<TokenMap> {
    const { size, channels } = this.manifest.image;
    if (image.width !== size || image.height !== size) {
      throw new Error(`tokenize needs a ${size}×${size} image, got ${image.width}×${image.height}`);
    }
    const pixels = new ort.Tensor('float32', rgbaToTensorData(image, channels), [1, channels, size, size]);
    const { features } = await this.run('encoder', { image: pixels });
    const out = await this.run('quantizer', { features });
    return {
      tokens: Array.from(out.tokens.data as BigInt64Array, Number),
      distance: Array.from(out.distance.data as Float32Array),
    };
  }

  /** Extend every row by `count` sampled ids in `range`; the `prompts` are fed first. Rows past
   *  the images' own (`rngs.length`) are the unconditional rows of guidance. */
  private async sample(runner: GptRunner, prompts: number[][], count: number, range: IdRange,
    rngs: Rng[], settings: SamplingSettings, guided: boolean,
    onToken?: (done: number, rows: number[][]) => void): Promise<number[][]> {
    const batch = rngs.length;
    const rows = prompts.map((p) => [...p]);
    runner.reset(rows.length);
    const vocab = runner.spec.vocab_size;
    const promptLen = prompts[0].length;
    const sampled: number[][] = rngs.map(() => []);
    try {
      for (let pos = 0; pos < promptLen + count - 1; pos++) {
        const logits = await runner.step(rows.map((r) => r[pos]), pos);
        if (pos + 1 < promptLen) continue;
        for (let b = 0; b < batch; b++) {
          const cond = logits.subarray(b * vocab, (b + 1) * vocab);
          const uncond = guided ? logits.subarray((b + batch) * vocab, (b + batch + 1) * vocab) : null;
          const token = sampleToken(cond, rngs[b].uniform(), range, settings, uncond);
          sampled[b].push(token);
          rows[b].push(token);
          if (guided) rows[b + batch].push(token);
        }
        onToken?.(sampled[0].length, sampled);
      }
    } finally {
      runner.release(); // the KV cache, even when a step fails
    }
    return sampled;
  }

  async generate(req: GenerateRequest, onProgress?: (p: GenerateProgress) => void): Promise<GenerateResult> {
    const m = this.manifest;
    const n = gridTokens(m);
    if (!Number.isInteger(req.batch) || req.batch < 1) throw new Error(`batch must be a positive integer, got ${req.batch}`);
    if (req.classId !== null && (!m.classes || req.classId < 0 || req.classId >= m.classes.length)) {
      throw new Error(`class ${req.classId} is not in this pack (${m.classes ? m.classes.length : 0} classes)`);
    }
    if (!m.decoders.includes(req.decoder)) throw new Error(`this pack has no '${req.decoder}' decoder`);
    const t = m.tokens;
    const rngs = Array.from({ length: req.batch }, (_, i) => imageRng(req.seed, i));
    const guided = req.classId !== null && req.stage1.guidance !== 1;
    const bos = req.classId === null ? t.bos : t.class_offset + req.classId;
    const prompts = [...rngs.map(() => [bos]), ...(guided ? rngs.map(() => [t.bos]) : [])];
    const codeRange = { lo: t.stage1_code_offset, hi: t.stage1_code_offset + m.codebook.size };
    const ids = await this.sample(this.stage1, prompts, n, codeRange, rngs, req.stage1, guided,
      (done, rows) => onProgress?.({ stage: 'stage1', done, total: n,
        tokens: rows.map((r) => r.map((id) => id - codeRange.lo)) }));
    const tokens = ids.map((r) => r.map((id) => id - codeRange.lo));
    if (req.decoder === 'direct') {
      return { tokens, vqTokens: null, images: await this.decode('direct_decoder', tokens) };
    }
    const vqTokens = await this.sampleVq(tokens, rngs, req.stage2, (done) =>
      onProgress?.({ stage: 'stage2', done, total: n, tokens }));
    return { tokens, vqTokens, images: await this.decode('vq_decoder', vqTokens) };
  }

  /** Stage 2: DiGIT codes -> VQ codes, continuing each image's RNG stream. */
  private async sampleVq(tokens: number[][], rngs: Rng[], settings: SamplingSettings,
    onToken: (done: number) => void): Promise<number[][]> {
    if (!this.stage2) throw new Error("this pack has no stage-2 GPT (decoder 'ar-vq')");
    const t = this.manifest.tokens;
    const prompts = tokens.map((row) => [...row.map((k) => t.stage2_prefix_offset + k), t.separator]);
    const range = { lo: t.stage2_vq_offset, hi: t.stage2_vq_offset + (this.manifest.vq_codebook_size ?? 0) };
    const ids = await this.sample(this.stage2, prompts, gridTokens(this.manifest), range, rngs,
      settings, false, (done) => onToken(done));
    return ids.map((r) => r.map((id) => id - range.lo));
  }

  /** Token grids -> RGBA images through a decoder graph. */
  async decode(graph: 'vq_decoder' | 'direct_decoder', tokens: number[][]): Promise<RgbaImage[]> {
    const n = gridTokens(this.manifest);
    const { image } = await this.run(graph, { tokens: int64(tokens.flat(), [tokens.length, n]) });
    const data = image.data as Float32Array;
    return tokens.map((_, i) => tensorDataToRgba(data, i, this.manifest.image.channels, this.size));
  }

  async dispose() {
    this.stage1.release();
    this.stage2?.release();
    await Promise.all([...this.sessions.values()].map((s) => s.release()));
    this.sessions.clear();
  }
}
