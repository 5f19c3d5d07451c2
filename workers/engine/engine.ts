// The DiGIT engine: tokenize an image, sample stage 1, decode to pixels with either decoder.
// Runs unchanged in the browser worker and in Node (tests, benchmarks).
import type { Tensor } from 'onnxruntime-web';
import { type Backend, stepGraph } from './backend';
import { type BatchPlan, cheapest, DECODER_SIZES, GPT_SIZES, inRuns, timeDecoder, timeGptRows } from './batchPlan';
import { type GptRunner, gptRunner, int64 } from './gptRunner';
import { type DecoderKind, type GptGraphEntry, type GraphName, gridTokens, type PackManifest } from './manifest';
import { ort } from './onnxRuntime';
import type { PackSource } from './packSource';
import { addNoise, boxBlur, type Perturbation, shift } from './perturb';
import { type RgbaImage, rgbaToTensorData, tensorDataToRgba } from './pixels';
import { type ProgressListener, ProgressMeter } from './progress';
import { type LoadProgress, type PackFiles, readPack } from './readPack';
import { imageRng, type Rng } from './rng';
import { drawToken, type IdRange, type SamplingSettings, settingsFromPack } from './sampling';
import { type Priority, Scheduler } from './scheduler';
import { type GridScore, logSoftmaxRange, topCandidates } from './scoring';
import { Sessions } from './sessions';

/** How a generation makes pixels: a stage-1 GPT over DiGIT codes, then one of the pack's
 *  decoders; or 'vq-gpt', the paper's baseline: the same GPT over VQ codes (`vq_stage1`), then
 *  the VQ decoder. */
export type GenerationPath = DecoderKind | 'vq-gpt';

export interface GenerateRequest {
  classId: number | null; // null: unconditional
  seed: number;
  batch: number;
  stage1: SamplingSettings;
  /** The pack's stage-2 settings when absent. */
  stage2?: SamplingSettings;
  decoder: GenerationPath;
  /** Keep these first stage-1 codes of the grid (row-major) and sample only the rest. */
  prefix?: number[];
}

export interface GenerateOptions {
  onProgress?: ProgressListener;
  /** Aborting stops the generation before its next step; it rejects with a CancelledError. */
  signal?: AbortSignal;
  /** When a stage-1 row is finished and this many ms have passed since the start or the last
   *  preview, decode the first image's partial grid (the rows still to come filled with the last
   *  finished row) with the direct decoder and hand it to `onPreview`. A decode costs as much per
   *  image as a dozen GPT steps, so a generation that is over in a blink gets no previews. */
  previewIntervalMs?: number;
  onPreview?: (image: RgbaImage, rows: number) => void;
}

export class CancelledError extends Error {
  constructor() {
    super('generation cancelled');
    this.name = 'CancelledError';
  }
}

export interface GenerateResult {
  /** The stage-1 codes: DiGIT's, or VQ codes for 'vq-gpt'. */
  tokens: number[][];
  vqTokens: number[][] | null;
  images: RgbaImage[];
  /** Each sampled token's margin (see sampling.ts), row by row: stage 1 (prefix excluded), stage 2. */
  margins: number[][];
  vqMargins: number[][] | null;
}

/** Sampled ids and their margins, row by row. */
interface Sampled {
  ids: number[][];
  margins: number[][];
}

export type { GenerateProgress } from './progress';

/** Tokens sampled so far per image, on average (a batch that runs in parts fills them in turn). */
const meanLength = (rows: number[][]) => Math.floor(rows.reduce((sum, r) => sum + r.length, 0) / rows.length);

/** Start tokens scored in one batch by scoreGrid (a 1000-class pack runs in chunks). */
const SCORE_BATCH = 32;

export interface TokenMap {
  tokens: number[];
  distance: number[];
  /** The second-nearest centroid of each cell and its distance (packs whose quantizer gives it). */
  runnerUp?: number[];
  runnerUpDistance?: number[];
}

export interface LoadOptions {
  backend: Backend;
  onProgress?: LoadProgress;
}

export class Engine {
  private stage1: GptRunner;
  private stage2: GptRunner | null;
  private vqStage1: GptRunner | null;
  /** Generations run one after another: they share the GPT runners and their caches. */
  private generations: Promise<unknown> = Promise.resolve();
  private plan: BatchPlan | null = null;

  private constructor(
    readonly manifest: PackManifest,
    readonly backend: Backend,
    private sessions: Sessions,
    private readonly scheduler: Scheduler,
  ) {
    this.stage1 = this.runnerFor('stage1')!;
    this.stage2 = this.runnerFor('stage2');
    this.vqStage1 = this.runnerFor('vq_stage1');
  }

  /** A runner over the GPT's step graph among the sessions (see stepGraph), or null if there is none. */
  private runnerFor(gpt: 'stage1' | 'stage2' | 'vq_stage1'): GptRunner | null {
    const graph = stepGraph(gpt, this.sessions.names);
    if (!graph) return null;
    return gptRunner((feeds) => this.run(graph, feeds, 'background'), this.manifest.graphs[graph] as GptGraphEntry);
  }

  /** The pack's stage-2 sampling settings (stage 2 takes no guidance). */
  private get stage2Defaults(): SamplingSettings {
    return { ...settingsFromPack(this.manifest.sampling.stage2), guidance: 1 };
  }

  static async load(source: PackSource, options: LoadOptions): Promise<Engine> {
    return Engine.fromFiles(await readPack(source, { onProgress: options.onProgress }), options.backend);
  }

  /** Sessions over already-read files, so a backend fallback never reads them again. Engines
   *  that share a scheduler never run two graphs at once (session creation included). Every
   *  session is created here, so a graph that does not load is refused at once; `lazy` leaves
   *  each to its graph's first run instead (the first image then waits only for its own graphs). */
  static async fromFiles(
    files: PackFiles,
    backend: Backend,
    scheduler = new Scheduler(),
    { lazy = false } = {},
  ): Promise<Engine> {
    const sessions = new Sessions(files, backend);
    if (!lazy) await scheduler.run('interactive', () => sessions.createAll());
    return new Engine(files.manifest, backend, sessions, scheduler);
  }

  /** Run graphs once on dummy inputs, so that the first image does not pay for shader
   *  compilation and memory planning: every graph, or only those generating along `path` runs
   *  (where a first run costs little, as on WASM, warming the others only delays the first image). */
  async warmUp(path?: GenerationPath) {
    const { size } = this.manifest.image;
    if (!path) await this.tokenize({ width: size, height: size, data: new Uint8ClampedArray(4 * size * size) });
    const runners = path
      ? [this.stage1For(path).runner, ...(path === 'ar-vq' && this.stage2 ? [this.stage2] : [])]
      : this.runners;
    const decoders: ('vq_decoder' | 'direct_decoder')[] = path
      ? [path === 'direct' ? 'direct_decoder' : 'vq_decoder']
      : ['vq_decoder', 'direct_decoder'];
    for (const runner of runners) {
      runner.reset(1);
      try {
        await runner.step([this.manifest.tokens.bos], 0);
      } finally {
        runner.release();
      }
    }
    const zeros = [new Array<number>(gridTokens(this.manifest)).fill(0)];
    for (const graph of decoders) {
      if (this.sessions.has(graph)) await this.decode(graph, zeros);
    }
  }

  private run(graph: GraphName, feeds: Record<string, Tensor>, priority: Priority) {
    return this.scheduler.run(priority, async () => (await this.sessions.get(graph)).run(feeds));
  }

  private get runners(): GptRunner[] {
    return [this.stage1, this.stage2, this.vqStage1].filter((r): r is GptRunner => r !== null);
  }

  /** Whether any GPT holds a KV cache now (none should between generations). */
  get holdsCache() {
    return this.runners.some((r) => r.holdsCache);
  }

  private get size() {
    return this.manifest.image.size;
  }

  /** An RGBA image at the pack's size as a graph's `image` input; `disturb` may change its
   *  float values first. */
  private imageTensor(image: RgbaImage, disturb = (x: Float32Array) => x): Tensor {
    const { size, channels } = this.manifest.image;
    if (image.width !== size || image.height !== size) {
      throw new Error(`tokenize needs a ${size}×${size} image, got ${image.width}×${image.height}`);
    }
    return new ort.Tensor('float32', disturb(rgbaToTensorData(image, channels)), [1, channels, size, size]);
  }

  /** Both tokenizers' grids of a disturbed image (the stability lab): DiGIT's, and where the
   *  pack ships the VQ encoder, the baseline's VQ codes. Noise draws from `seed`. */
  async perturbedTokens(
    image: RgbaImage,
    p: Perturbation,
    seed = 0,
  ): Promise<{ digit: number[]; vq: number[] | null }> {
    if (p.kind === 'jpeg') throw new Error('JPEG needs a browser: the worker encodes it (jpegRoundTrip)');
    let pixels = image;
    if (p.kind === 'blur') pixels = boxBlur(image, p.radius);
    if (p.kind === 'shift') pixels = shift(image, p.pixels);
    const tensor = this.imageTensor(pixels, (x) => (p.kind === 'noise' ? addNoise(x, p.snrDb, seed) : x));
    const { features } = await this.run('encoder', { image: tensor }, 'interactive');
    const { tokens } = await this.run('quantizer', { features }, 'interactive');
    const vq = this.sessions.has('vq_encoder')
      ? (await this.run('vq_encoder', { image: tensor }, 'interactive')).tokens
      : null;
    return {
      digit: Array.from(tokens.data as BigInt64Array, Number),
      vq: vq && Array.from(vq.data as BigInt64Array, Number),
    };
  }

  /** An RGBA image at the pack's size -> its DiGIT token grid (row-major) and distances. */
  async tokenize(image: RgbaImage): Promise<TokenMap> {
    const { features } = await this.run('encoder', { image: this.imageTensor(image) }, 'interactive');
    const out = await this.run('quantizer', { features }, 'interactive');
    return {
      tokens: Array.from(out.tokens.data as BigInt64Array, Number),
      distance: Array.from(out.distance.data as Float32Array),
      ...(out.runner_up && {
        runnerUp: Array.from(out.runner_up.data as BigInt64Array, Number),
        runnerUpDistance: Array.from(out.runner_up_distance.data as Float32Array),
      }),
    };
  }

  /** An RGBA image at the pack's size -> its VQ codes (row-major), through the pack's
   *  `vq_encoder` (the tokenizer of the paper's baseline). */
  async tokenizeVq(image: RgbaImage): Promise<number[]> {
    const { tokens } = await this.run('vq_encoder', { image: this.imageTensor(image) }, 'interactive');
    return Array.from(tokens.data as BigInt64Array, Number);
  }

  /** The stage-1 GPT of a generation path, where its ids start, and how many codes it samples. */
  private stage1For(path: GenerationPath) {
    const m = this.manifest;
    const t = m.tokens;
    if (path !== 'vq-gpt') {
      return {
        runner: this.stage1,
        codeOffset: t.stage1_code_offset,
        classOffset: t.class_offset,
        codes: m.codebook.size,
      };
    }
    if (!this.vqStage1 || t.vq_stage1_code_offset === undefined || t.vq_stage1_class_offset === undefined) {
      throw new Error("this pack has no VQ-token GPT (the paper's baseline, 'vq-gpt')");
    }
    if (!this.sessions.has('vq_decoder')) throw new Error("this pack has no VQ decoder for 'vq-gpt'");
    return {
      runner: this.vqStage1,
      codeOffset: t.vq_stage1_code_offset,
      classOffset: t.vq_stage1_class_offset,
      codes: m.vq_codebook_size ?? 0,
    };
  }

  /** Extend every image's row by `count` sampled ids in `range`, its prompt fed first, in runs of
   *  at most the batch plan's GPT rows. Prompts past the images' own (`rngs.length`) are the
   *  unconditional rows of guidance, one per image. `onStep(sampled, images)` follows each step
   *  of a run of `images` images. */
  private async sample(
    runner: GptRunner,
    prompts: number[][],
    count: number,
    range: IdRange,
    rngs: Rng[],
    settings: SamplingSettings,
    guided: boolean,
    signal: AbortSignal | undefined,
    onStep: (sampled: number[][], images: number) => void | Promise<void>,
  ): Promise<Sampled> {
    const batch = rngs.length;
    const perRun = Math.max(1, Math.floor((this.plan?.gptRows ?? Infinity) / (guided ? 2 : 1)));
    const sampled: number[][] = rngs.map(() => []);
    const margins: number[][] = rngs.map(() => []);
    for (let from = 0; from < batch; from += perRun) {
      const to = Math.min(batch, from + perRun);
      const run = {
        prompts: [...prompts.slice(from, to), ...(guided ? prompts.slice(batch + from, batch + to) : [])],
        rngs: rngs.slice(from, to),
        sampled: sampled.slice(from, to), // the same arrays: the run fills them in
        margins: margins.slice(from, to),
      };
      await this.sampleRun(runner, run, count, range, settings, guided, signal, () => onStep(sampled, to - from));
    }
    return { ids: sampled, margins };
  }

  /** One GPT run of `sample`: its images' rows (then their unconditional rows), filled in. */
  private async sampleRun(
    runner: GptRunner,
    {
      prompts,
      rngs,
      sampled,
      margins,
    }: { prompts: number[][]; rngs: Rng[]; sampled: number[][]; margins: number[][] },
    count: number,
    range: IdRange,
    settings: SamplingSettings,
    guided: boolean,
    signal: AbortSignal | undefined,
    onStep: () => void | Promise<void>,
  ) {
    const batch = rngs.length;
    const rows = prompts.map((p) => [...p]);
    runner.reset(rows.length);
    const vocab = runner.spec.vocab_size;
    const promptLen = prompts[0].length;
    try {
      if (signal?.aborted) throw new CancelledError();
      let logits = await runner.feed(prompts, 0); // the whole prompt in one run
      for (let pos = promptLen; ; pos++) {
        for (let b = 0; b < batch; b++) {
          const cond = logits.subarray(b * vocab, (b + 1) * vocab);
          const uncond = guided ? logits.subarray((b + batch) * vocab, (b + batch + 1) * vocab) : null;
          const { token, margin } = drawToken(cond, rngs[b].uniform(), range, settings, uncond);
          sampled[b].push(token);
          margins[b].push(margin);
          rows[b].push(token);
          if (guided) rows[b + batch].push(token);
        }
        await onStep();
        if (sampled[0].length === count) break;
        if (signal?.aborted) throw new CancelledError();
        logits = await runner.step(
          rows.map((r) => r[pos]),
          pos,
        );
      }
    } finally {
      runner.release(); // the KV cache, even when a step fails
    }
  }

  private checkRequest(req: GenerateRequest) {
    const m = this.manifest;
    const n = gridTokens(m);
    if (!Number.isInteger(req.batch) || req.batch < 1)
      throw new Error(`batch must be a positive integer, got ${req.batch}`);
    if (req.classId !== null && (!m.classes || req.classId < 0 || req.classId >= m.classes.length)) {
      throw new Error(`class ${req.classId} is not in this pack (${m.classes ? m.classes.length : 0} classes)`);
    }
    if (req.decoder !== 'vq-gpt' && !m.decoders.includes(req.decoder)) {
      throw new Error(`this pack has no '${req.decoder}' decoder`);
    }
    const { codes } = this.stage1For(req.decoder);
    if (m.class_dropout === false && m.classes && (req.classId === null || req.stage1.guidance !== 1)) {
      throw new Error(
        'this model was trained without class dropout: pick a class and leave guidance at 1 ' +
          '(unconditional sampling and guidance need an unconditional start token it never learned)',
      );
    }
    const prefix = req.prefix ?? [];
    if (prefix.length >= n)
      throw new Error(`a prefix keeps at most ${n - 1} of the ${n} tokens, got ${prefix.length}`);
    if (!prefix.every((k) => Number.isInteger(k) && k >= 0 && k < codes)) {
      throw new Error(`prefix tokens must be codes 0…${codes - 1}`);
    }
  }

  /** Run `work` after every generation queued before it: they share the GPTs' caches. */
  private afterGenerations<T>(work: () => Promise<T>): Promise<T> {
    const job = this.generations.then(work);
    this.generations = job.catch(() => undefined);
    return job;
  }

  /** Sample images; generations queue behind each other. */
  generate(req: GenerateRequest, options: GenerateOptions = {}): Promise<GenerateResult> {
    return this.afterGenerations(() => this.generateNow(req, options));
  }

  /** A partial grid decoded for a preview: rows not sampled yet repeat the last finished one. */
  private async preview(codes: number[], rows: number): Promise<RgbaImage> {
    const { w, h } = this.manifest.grid;
    const last = codes.slice((rows - 1) * w, rows * w);
    const filled = [...codes.slice(0, rows * w), ...Array.from({ length: (h - rows) * w }, (_, i) => last[i % w])];
    return (await this.decode('direct_decoder', [filled], 'background'))[0];
  }

  private async generateNow(req: GenerateRequest, options: GenerateOptions): Promise<GenerateResult> {
    const { onProgress, signal, previewIntervalMs, onPreview } = options;
    this.checkRequest(req);
    const m = this.manifest;
    const n = gridTokens(m);
    const t = m.tokens;
    const prefix = req.prefix ?? [];
    const perImage = n - prefix.length + (req.decoder === 'ar-vq' ? n : 0);
    const meter = new ProgressMeter(perImage * req.batch, onProgress);
    const rngs = Array.from({ length: req.batch }, (_, i) => imageRng(req.seed, i));
    const guided = req.classId !== null && req.stage1.guidance !== 1;
    if (req.batch > 1) await this.measureBatchPlan(req.batch * (guided ? 2 : 1), req.batch);
    const { runner, codeOffset, classOffset, codes } = this.stage1For(req.decoder);
    const bos = req.classId === null ? t.bos : classOffset + req.classId;
    const fixed = prefix.map((k) => codeOffset + k);
    const prompts = [...rngs.map(() => [bos, ...fixed]), ...(guided ? rngs.map(() => [t.bos, ...fixed]) : [])];
    const codeRange = { lo: codeOffset, hi: codeOffset + codes };
    const toCodes = (rows: number[][]) => rows.map((r) => [...prefix, ...r.map((id) => id - codeRange.lo)]);
    const { w, h } = m.grid;
    const previews =
      previewIntervalMs !== undefined && onPreview && req.decoder !== 'vq-gpt' && this.sessions.has('direct_decoder');
    let lastPreview = performance.now();
    const { ids, margins } = await this.sample(
      runner,
      prompts,
      n - prefix.length,
      codeRange,
      rngs,
      req.stage1,
      guided,
      signal,
      async (rows, images) => {
        meter.step('stage1', images, prefix.length + meanLength(rows), n, () => toCodes(rows));
        const finishedRows = (prefix.length + rows[0].length) / w;
        if (
          previews &&
          Number.isInteger(finishedRows) &&
          finishedRows < h &&
          performance.now() - lastPreview >= previewIntervalMs
        ) {
          onPreview!(await this.preview(toCodes(rows.slice(0, 1))[0], finishedRows), finishedRows);
          lastPreview = performance.now();
        }
      },
    );
    const tokens = toCodes(ids);
    if (req.decoder !== 'ar-vq') {
      const graph = req.decoder === 'direct' ? 'direct_decoder' : 'vq_decoder';
      const images = await this.decode(graph, tokens, 'background');
      return { tokens, vqTokens: null, images, margins, vqMargins: null };
    }
    const vq = await this.sampleVq(tokens, rngs, req.stage2 ?? this.stage2Defaults, signal, (done, images) =>
      meter.step('stage2', images, done, n, () => tokens),
    );
    const images = await this.decode('vq_decoder', vq.ids, 'background');
    return { tokens, vqTokens: vq.ids, images, margins, vqMargins: vq.margins };
  }

  /** A token grid back to pixels through one decoder (for ar-vq, stage 2 samples with `seed`,
   *  and the pack's settings unless others are given). */
  async reconstruct(
    tokens: number[],
    decoder: DecoderKind,
    seed: number,
    stage2 = this.stage2Defaults,
  ): Promise<RgbaImage> {
    if (decoder === 'direct') return (await this.decode('direct_decoder', [tokens]))[0];
    return this.afterGenerations(async () => {
      const vq = await this.sampleVq([tokens], [imageRng(seed, 0)], stage2, undefined, () => undefined);
      return (await this.decode('vq_decoder', vq.ids))[0];
    });
  }

  /** Stage 2: DiGIT codes -> VQ codes, continuing each image's RNG stream. */
  private async sampleVq(
    tokens: number[][],
    rngs: Rng[],
    settings: SamplingSettings,
    signal: AbortSignal | undefined,
    onStep: (done: number, images: number) => void,
  ): Promise<Sampled> {
    if (!this.stage2) throw new Error("this pack has no stage-2 GPT (decoder 'ar-vq')");
    const t = this.manifest.tokens;
    const prompts = tokens.map((row) => [...row.map((k) => t.stage2_prefix_offset + k), t.separator]);
    const range = { lo: t.stage2_vq_offset, hi: t.stage2_vq_offset + (this.manifest.vq_codebook_size ?? 0) };
    const { ids, margins } = await this.sample(
      this.stage2,
      prompts,
      gridTokens(this.manifest),
      range,
      rngs,
      settings,
      false,
      signal,
      (rows, images) => onStep(meanLength(rows), images),
    );
    return { ids: ids.map((r) => r.map((id) => id - range.lo)), margins };
  }

  /** Token grids -> RGBA images through a decoder graph, in runs of the batch plan's size. */
  async decode(
    graph: 'vq_decoder' | 'direct_decoder',
    tokens: number[][],
    priority: Priority = 'interactive',
  ): Promise<RgbaImage[]> {
    const n = gridTokens(this.manifest);
    return inRuns(tokens, this.plan?.decoderImages ?? Infinity, async (part) => {
      const { image } = await this.run(graph, { tokens: int64(part.flat(), [part.length, n]) }, priority);
      const data = image.data as Float32Array;
      return part.map((_, i) => tensorDataToRgba(data, i, this.manifest.image.channels, this.size));
    });
  }

  /** How this engine runs batches (batchPlan.ts): null until a batch first asked. */
  get batchPlan(): BatchPlan | null {
    return this.plan;
  }

  /** Measure the GPT sizes up to `rows` rows and the decoder sizes up to `images` images that
   *  are not measured yet, and choose the cheapest of all measured. */
  private async measureBatchPlan(rows: number, images: number) {
    const known = this.plan ?? { gptMsPerRow: {}, decoderMsPerImage: {} };
    const missing = (sizes: number[], limit: number, done: Record<number, number>) =>
      sizes.filter((s) => s <= limit && !(s in done));
    const gptSizes = missing(GPT_SIZES, rows, known.gptMsPerRow);
    const decoderSizes = missing(DECODER_SIZES, images, known.decoderMsPerImage);
    if (this.plan && !gptSizes.length && !decoderSizes.length) return;
    const graph = this.sessions.has('direct_decoder') ? 'direct_decoder' : 'vq_decoder';
    const zeros = (count: number) => new Array<number>(count * gridTokens(this.manifest)).fill(0);
    const gptMsPerRow = {
      ...known.gptMsPerRow,
      ...(await timeGptRows(this.stage1, this.manifest.tokens.bos, gptSizes)),
    };
    const decoderMsPerImage = {
      ...known.decoderMsPerImage,
      ...(await timeDecoder(
        (count) => this.run(graph, { tokens: int64(zeros(count), [count, gridTokens(this.manifest)]) }, 'background'),
        decoderSizes,
      )),
    };
    this.plan = {
      gptRows: cheapest(gptMsPerRow),
      decoderImages: cheapest(decoderMsPerImage),
      gptMsPerRow,
      decoderMsPerImage,
    };
  }

  /** Teacher-force a grid of stage-1 codes (DiGIT's, or VQ codes for 'vq-gpt') through the
   *  stage-1 GPT after each start token (a class, or null: the unconditional start), several
   *  starts to a batch: how likely each code was, and the `top` codes the GPT expected there. */
  async scoreGrid(codes: number[], starts: (number | null)[], top = 0, path: GenerationPath = 'direct') {
    const { runner, codeOffset, classOffset, codes: k } = this.stage1For(path);
    const m = this.manifest;
    const n = gridTokens(m);
    if (codes.length !== n) throw new Error(`a grid has ${n} codes, got ${codes.length}`);
    if (!codes.every((c) => Number.isInteger(c) && c >= 0 && c < k)) throw new Error(`codes must be 0…${k - 1}`);
    for (const c of starts) {
      if (c !== null && (!m.classes || c < 0 || c >= m.classes.length))
        throw new Error(`class ${c} is not in this pack`);
    }
    return this.afterGenerations(async () => {
      return inRuns(starts, SCORE_BATCH, async (chunk) => {
        const rows = chunk.map((c) => ({
          classId: c,
          logProbs: [] as number[],
          total: 0,
          top: [] as GridScore['top'],
        }));
        runner.reset(chunk.length);
        try {
          const vocab = runner.spec.vocab_size;
          let logits = await runner.feed(
            chunk.map((c) => [c === null ? m.tokens.bos : classOffset + c]),
            0,
          );
          for (let pos = 0; pos < n; pos++) {
            rows.forEach((row, b) => {
              const lp = logSoftmaxRange(logits.subarray(b * vocab, (b + 1) * vocab), codeOffset, codeOffset + k);
              row.logProbs.push(lp[codes[pos]]);
              row.total += lp[codes[pos]];
              row.top.push(topCandidates(lp, top));
            });
            if (pos + 1 < n)
              logits = await runner.step(
                chunk.map(() => codeOffset + codes[pos]),
                pos + 1,
              );
          }
        } finally {
          runner.release();
        }
        return rows;
      });
    });
  }

  /** Release every session once the queued generations and runs are through. */
  async dispose() {
    await this.generations;
    await this.scheduler.run('background', async () => {
      for (const runner of this.runners) runner.release();
      await this.sessions.release();
    });
  }
}
