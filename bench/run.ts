// npm run bench -- [--pack ID|FOLDER] [--batches 1,4,8,16] [--repeats 3] [--threads N] [--shapes a,b]
//                  [--no-reference] [--pack-only] [--split]
// Times the engine stage by stage on a pack, its two KV caches against a growing cache,
// a no-cache loop, onnxruntime-node and the PyTorch eager reference on the same GPTs, batch scaling, and the GPT
// step's GFLOP/s against the runtime's own MatMul peak. All in one run, same thread count (by default
// every core, up to four: in Node no page shares them; docs/benchmarks.md, "Batching on every CPU,
// continued"); prints
// a table and, last, one JSON line (also written to bench/results/<date>.json).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as ortNode from 'onnxruntime-node';
import * as ort from 'onnxruntime-web';
import { stepGraph } from '../workers/engine/backend';
import { Engine } from '../workers/engine/engine';
import { gptRunner, int64 } from '../workers/engine/gptRunner';
import { type GptGraphEntry, gridTokens } from '../workers/engine/manifest';
import { readPack } from '../workers/engine/readPack';
import { Sessions } from '../workers/engine/sessions';
import { fileSource } from '../workers/node/fileSource';
import { engineLoop, type GptShape, growingCacheLoop, type Loop, noCacheLoop, stepFlops } from './gptLoops';
import { machine } from './machine';

const { values: opts } = parseArgs({
  options: {
    pack: { type: 'string' },
    batches: { type: 'string', default: '1,4,8,16' },
    repeats: { type: 'string', default: '3' },
    threads: { type: 'string' }, // default: every core, up to four
    shapes: { type: 'string', default: 'mini-8x8,mini-16x16,base-16x16' },
    'no-reference': { type: 'boolean', default: false },
    'pack-only': { type: 'boolean', default: false }, // just the pack's stages (e.g. a converted official pack)
    split: { type: 'boolean', default: false }, // where a batch's time goes: GPT runs, decoder runs, the rest
  },
});
const repeats = Number(opts.repeats);
const threads = opts.threads ? Number(opts.threads) : Math.min(4, os.availableParallelism());
const batches = opts.batches.split(',').filter(Boolean).map(Number);
const shapes = opts.shapes.split(',');
const GRAPHS = 'bench/graphs';
ort.env.wasm.numThreads = threads;

const rows: [string, string, string][] = [];
const summary: Record<string, number | string> = {};
function report(key: string, label: string, value: number, unit: string) {
  summary[key] = Number(value.toPrecision(4));
  rows.push([label, value.toPrecision(4), unit]);
  console.error(`  ${label}: ${value.toPrecision(4)} ${unit}`);
}

/** Median wall times in ms of each of `fns` over `n` rounds, the functions taking turns within a
 *  round so that a slow spell of this shared machine hits all of them alike (their ratios are
 *  what the report is about). Each first warms up for a second (at least one run): V8 compiles
 *  WebAssembly quickly first and optimises hot functions later. */
async function timeEachMs(fns: (() => Promise<unknown>)[], n = repeats): Promise<number[]> {
  for (const fn of fns) {
    const warm = performance.now();
    do await fn();
    while (performance.now() - warm < 1000);
  }
  const times: number[][] = fns.map(() => []);
  for (let i = 0; i < n; i++) {
    for (const [j, fn] of fns.entries()) {
      const start = performance.now();
      await fn();
      times[j].push(performance.now() - start);
    }
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
}

const timeMs = async (fn: () => Promise<unknown>, n = repeats) => (await timeEachMs([fn], n))[0];

const session = (file: string) => ort.InferenceSession.create(readFileSync(file), { executionProviders: ['wasm'] });
/** The same graph in onnxruntime-node (native CPU), the peer a Node user would otherwise run. */
const nativeSession = (file: string) =>
  ortNode.InferenceSession.create(file, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });

async function packStages(pack: string) {
  const dir = existsSync(`public/models/${pack}`) ? `public/models/${pack}` : pack;
  const files = await readPack(fileSource(dir));
  const m = files.manifest;
  const n = gridTokens(m);
  const megabytes = Object.values(m.graphs).reduce((sum, g) => sum + g!.bytes, 0) / 2 ** 20;
  console.error(`[bench] pack ${m.id}: ${n} tokens per image, ${megabytes.toFixed(1)} MB of graphs`);
  const created = performance.now();
  const sessions = new Sessions(files, 'wasm');
  await sessions.createAll();
  report('sessions_ms', 'creating every session', performance.now() - created, 'ms');
  const { size, channels } = m.image;
  const image = new ort.Tensor('float32', new Float32Array(channels * size * size).fill(0.5), [
    1,
    channels,
    size,
    size,
  ]);
  const encoder = await sessions.get('encoder');
  report('encoder_ms', 'encoder, one image', await timeMs(() => encoder.run({ image })), 'ms');
  const { features } = await encoder.run({ image });
  const quantizer = await sessions.get('quantizer');
  report('quantizer_ms', 'quantizer, one image', await timeMs(() => quantizer.run({ features })), 'ms');

  const runner = (gpt: 'stage1' | 'stage2') => {
    // the step the engine runs on WASM
    const name = stepGraph(gpt, sessions.names)!;
    return gptRunner(async (feeds) => (await sessions.get(name)).run(feeds), m.graphs[name] as GptGraphEntry);
  };
  const s1 = runner('stage1');
  const stage1Run = (batch: number) => async () => {
    s1.reset(batch);
    for (let pos = 0; pos < n; pos++) await s1.step(new Array<number>(batch).fill(m.tokens.bos), pos);
    s1.release();
  };
  const stage1 = await timeEachMs([1, ...batches.filter((b) => b > 1)].map(stage1Run));
  report('stage1_ms_per_token', 'stage 1, per token (batch 1)', stage1[0] / n, 'ms');
  batches
    .filter((b) => b > 1)
    .forEach((batch, i) => {
      // the GPT alone, without the decoders
      report(
        `stage1_batch${batch}_over_batch1`,
        `stage 1 alone: images/s at batch ${batch} over batch 1`,
        (stage1[0] * batch) / stage1[i + 1],
        'x',
      );
    });
  const codes = new Array<number>(n).fill(0);
  if (m.graphs.stage2) {
    const s2 = runner('stage2');
    const prompt = [...codes.map((k) => m.tokens.stage2_prefix_offset + k), m.tokens.separator];
    let prefill = 0;
    const stage2 = await timeMs(async () => {
      s2.reset(1);
      const start = performance.now();
      await s2.feed([prompt], 0);
      prefill = performance.now() - start;
      for (let pos = prompt.length; pos < prompt.length + n - 1; pos++)
        await s2.step([m.tokens.stage2_vq_offset], pos);
      s2.release();
    });
    report('stage2_prefill_ms', `stage 2, prefill of ${prompt.length} tokens (one run)`, prefill, 'ms');
    report('stage2_ms_per_token', 'stage 2, per sampled token', (stage2 - prefill) / (n - 1), 'ms');
  }
  for (const name of ['vq_decoder', 'direct_decoder'] as const) {
    const s = sessions.has(name) ? await sessions.get(name) : null;
    if (s)
      report(
        `${name}_ms`,
        `${name.replace('_', ' ')}, one image`,
        await timeMs(() => s.run({ tokens: int64(codes, [1, n]) })),
        'ms',
      );
  }
  await sessions.release();

  const main = m.sampling?.decoder ?? m.decoders[0];
  const request = (batch: number, decoder: 'direct' | 'ar-vq', guidance = 1) => ({
    classId: m.classes ? 0 : null,
    seed: 1,
    batch,
    decoder,
    stage1: { temperature: 1, topK: 0, topP: 0.9, guidance },
    stage2: { temperature: 1, topK: 0, topP: 0.8, guidance: 1 },
  });
  const coldStart = performance.now();
  const engine = await Engine.fromFiles(files, 'wasm');
  await engine.generate(request(1, main));
  report(
    'first_image_ms',
    'first image from a cached pack (sessions created cold)',
    performance.now() - coldStart,
    'ms',
  );
  for (const decoder of m.decoders) {
    report(
      `image_${decoder}_ms`,
      `one image, ${decoder} decoder, end to end`,
      await timeMs(() => engine.generate(request(1, decoder))),
      'ms',
    );
  }
  // guidance off, and the pack's default guidance (two GPT rows an image) where it has one
  const guidances = [
    1,
    ...(m.classes && (m.sampling?.stage1?.guidance ?? 1) !== 1 ? [m.sampling.stage1!.guidance!] : []),
  ];
  for (const guidance of guidances) {
    const key = guidance === 1 ? '' : '_guided';
    const label = guidance === 1 ? '' : `, guidance ${guidance}`;
    const batchMs = await timeEachMs(batches.map((batch) => () => engine.generate(request(batch, main, guidance))));
    batches.forEach((batch, i) => {
      report(
        `images_per_s${key}_batch${batch}`,
        `images/s at batch ${batch} (${main}${label})`,
        (1000 * batch) / batchMs[i],
        'img/s',
      );
    });
    for (const batch of batches.filter((b) => b > 1 && summary[`images_per_s${key}_batch1`])) {
      const over =
        (summary[`images_per_s${key}_batch${batch}`] as number) / (summary[`images_per_s${key}_batch1`] as number);
      report(`batch${batch}_over_batch1${key}`, `end to end: batch ${batch} over batch 1${label}`, over, 'x');
    }
  }
  if (opts.split) await splitBatches(engine, batches, guidances, (batch, guidance) => request(batch, main, guidance));
  const plan = engine.batchPlan;
  if (plan) {
    summary.batch_plan = `${plan.gptRows} GPT rows, ${plan.decoderImages} decoder images per run`;
    console.error(`  the engine's batch plan: ${summary.batch_plan}`, plan);
  }
  await engine.dispose();
}

/** Per image at each batch and guidance: the time inside the GPT steps' runs, inside the decoders'
 *  runs, and outside any run (drawing tokens, the cache's bookkeeping, the runtime's JS side and
 *  scheduling), found by timing every InferenceSession.run of the engine. */
async function splitBatches(
  engine: Engine,
  batchSizes: number[],
  guidances: number[],
  request: (batch: number, guidance: number) => Parameters<Engine['generate']>[0],
) {
  const inRuns = { gpt: 0, decoder: 0 };
  // the type declares a factory; at run time it is the class every session is made from
  const proto = (ort.InferenceSession as unknown as { prototype: ort.InferenceSession }).prototype;
  const run = proto.run;
  proto.run = async function (this: ort.InferenceSession, ...args: Parameters<typeof run>) {
    const start = performance.now();
    try {
      return await run.apply(this, args);
    } finally {
      inRuns[this.inputNames.includes('past_key') ? 'gpt' : 'decoder'] += performance.now() - start;
    }
  } as typeof run;
  try {
    for (const guidance of guidances)
      for (const batch of batchSizes) {
        inRuns.gpt = inRuns.decoder = 0;
        const images = batch * repeats;
        const start = performance.now();
        for (let i = 0; i < repeats; i++) await engine.generate(request(batch, guidance));
        const total = (performance.now() - start) / images;
        const [gpt, decoder] = [inRuns.gpt / images, inRuns.decoder / images];
        const key = `split${guidance === 1 ? '' : '_guided'}_batch${batch}`;
        const parts = {
          gpt: ['GPT runs', gpt],
          decoder: ['decoder runs', decoder],
          rest: ['outside runs', total - gpt - decoder],
        };
        for (const [part, [label, ms]] of Object.entries(parts))
          report(
            `${key}_${part}_ms`,
            `per image at batch ${batch}, guidance ${guidance}: ${label}`,
            ms as number,
            'ms',
          );
      }
  } finally {
    proto.run = run;
  }
}

async function matmulPeak(): Promise<number> {
  const s = await session(`${GRAPHS}/matmul.onnx`);
  const [m, k, n] = [64, 1024, 4096];
  const x = new ort.Tensor('float32', new Float32Array(m * k).fill(0.01), [m, k]);
  const ms = await timeMs(() => s.run({ x }), Math.max(repeats, 5));
  await s.release();
  return (2 * m * k * n) / ms / 1e6;
}

interface ShapeEntry {
  config: { n_layer: number; n_head: number; dim: number; ffn_dim: number; vocab_size: number };
  tokens: number;
  peers: boolean;
  reference_s_per_image?: Record<string, number>;
}

async function gptShapes(peak: number) {
  const reference = JSON.parse(readFileSync(`${GRAPHS}/reference.json`, 'utf8')) as {
    shapes: Record<string, ShapeEntry>;
  };
  for (const name of shapes) {
    const entry = reference.shapes[name];
    if (!entry) throw new Error(`no graphs for ${name}: run training/bench.py --shapes ${name}`);
    const c = entry.config;
    const shape: GptShape = {
      layers: c.n_layer,
      heads: c.n_head,
      headDim: c.dim / c.n_head,
      vocab: c.vocab_size,
      tokens: entry.tokens,
    };
    console.error(`[bench] GPT ${name}: ${c.n_layer} layers x ${c.dim}, ${entry.tokens} tokens per image`);
    // the official shape is timed over its first and last 16 steps and projected (a step's cost
    // grows at most linearly with its position)
    const sampled = c.dim >= 512 ? 16 : shape.tokens;
    const imageRun = (loop: Loop, batch: number) => async () => {
      await loop(batch, sampled);
      if (sampled < shape.tokens) await loop(batch, sampled, shape.tokens - sampled);
    };
    const perImage = (ms: number, batch: number) =>
      (ms * shape.tokens) / (Math.min(2 * sampled, shape.tokens) * batch);
    // one graph at a time where the base shape would not fit the WebAssembly heap twice
    const fixed = await session(`${GRAPHS}/${name}/fixed.onnx`);
    let fixedMs = 0;
    if (!entry.peers) {
      fixedMs = perImage(await timeMs(imageRun(engineLoop(fixed, shape, 'fixed'), 1)), 1);
      await fixed.release();
    }
    const past = await session(`${GRAPHS}/${name}/past.onnx`);
    const native = await nativeSession(`${GRAPHS}/${name}/past.onnx`);
    const runs = [
      imageRun(engineLoop(past, shape, 'past'), 1),
      imageRun(engineLoop(past, shape, 'past'), 16),
      imageRun(engineLoop(native, shape, 'past'), 1),
    ];
    const growing = entry.peers ? await session(`${GRAPHS}/${name}/growing.onnx`) : null;
    if (growing)
      runs.push(imageRun(engineLoop(fixed, shape, 'fixed'), 1), imageRun(growingCacheLoop(growing, shape), 1));
    const [ours, b16, nativeMs, fixedOnce, grow] = (await timeEachMs(runs)).map((ms, i) =>
      perImage(ms, i === 1 ? 16 : 1),
    );
    await native.release();
    if (growing) fixedMs = fixedOnce;
    report(`${name}_past_ms_per_image`, `${name}: step over the past keys/values (WASM's), ms per image`, ours, 'ms');
    report(
      `${name}_fixed_ms_per_image`,
      `${name}: fixed-capacity KV cache (WebGPU's step), ms per image`,
      fixedMs,
      'ms',
    );
    report(
      `${name}_past_over_fixed`,
      `${name}: past-keys step speed-up over the fixed-capacity cache`,
      fixedMs / ours,
      'x',
    );
    const ref = entry.reference_s_per_image?.['1'];
    if (ref)
      report(
        `${name}_speedup_vs_pytorch`,
        `${name}: speed-up over the PyTorch eager reference`,
        (1000 * ref) / ours,
        'x',
      );
    report(
      `${name}_speedup_vs_ort_node`,
      `${name}: speed-up over onnxruntime-node (native CPU), same graph`,
      nativeMs / ours,
      'x',
    );
    if (growing) {
      report(`${name}_speedup_vs_growing`, `${name}: speed-up over a growing cache`, grow / ours, 'x');
      const full = await session(`${GRAPHS}/${name}/full.onnx`);
      const naive = perImage(await timeMs(imageRun(noCacheLoop(full, shape), 1), 1), 1);
      report(`${name}_speedup_vs_no_cache`, `${name}: speed-up over re-running the prefix`, naive / ours, 'x');
      await Promise.all([growing.release(), full.release(), fixed.release()]);
    }
    report(`${name}_batch16_over_batch1`, `${name}: images/s at batch 16 over batch 1`, ours / b16, 'x');
    const gflops = (stepFlops(c, shape.tokens / 2) * 16 * shape.tokens) / (b16 * 16) / 1e6;
    report(`${name}_step_gflops_batch16`, `${name}: GPT step at batch 16`, gflops, 'GFLOP/s');
    report(`${name}_fraction_of_matmul_peak`, `${name}: fraction of the MatMul peak`, gflops / peak, '');
    await past.release();
  }
}

async function main() {
  if (!opts['no-reference'] && !opts['pack-only']) {
    const py = spawnSync(
      '/usr/bin/python3',
      ['training/bench.py', '--threads', String(threads), '--shapes', ...shapes],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    if (py.status !== 0) throw new Error('training/bench.py failed');
  }
  const index = JSON.parse(readFileSync('public/models/index.json', 'utf8'));
  const pack = opts.pack ?? index.default;
  Object.assign(summary, machine());
  summary.pack = pack;
  summary.threads = threads;
  summary.backend = 'onnxruntime-web wasm (Node)';
  summary.onnxruntime_node = ortNode.env.versions.node ?? 'unknown';
  await packStages(pack);
  if (!opts['pack-only']) {
    const peak = await matmulPeak();
    report('matmul_peak_gflops', 'runtime MatMul peak (64x1024 @ 1024x4096)', peak, 'GFLOP/s');
    await gptShapes(peak);
  }

  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(
    `\nbench: pack ${pack}, ${threads} thread(s), ` +
      `onnxruntime-web ${ort.env.versions.web} WASM in Node ${process.version}, ` +
      `on ${summary.cpu} (${summary.cores} cores)\n`,
  );
  for (const [label, value, unit] of rows) console.log(`${label.padEnd(width)}  ${value.padStart(10)} ${unit}`);
  const date = new Date().toISOString().slice(0, 10);
  mkdirSync('bench/results', { recursive: true });
  const file = opts['pack-only'] ? `${date}-${String(summary.pack).split('/').pop()}` : date;
  writeFileSync(`bench/results/${file}.json`, `${JSON.stringify({ date, ...summary }, null, 1)}\n`);
  console.log(JSON.stringify({ date, ...summary }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
