// Whole-graph parity: the engine (onnxruntime-web's WASM backend in Node) against the golden
// vectors PyTorch wrote for the fixture pack.
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSource } from '../node/fileSource';
import { Engine } from './engine';
import { gptRunner } from './gptRunner';
import { readPack } from './readPack';
import { settingsFromPack } from './sampling';
import { sessionOf } from './test/engineSessions';
import { expectReferenceGenerations, FIXTURE_DIR, golden, LOGIT_TOLERANCE, maxAbsDiff } from './test/golden';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.load(fileSource(FIXTURE_DIR), { backend: 'wasm' });
});
afterAll(() => engine.dispose());

// The golden image as RGBA bytes (it is k/255 exactly, so this is lossless).
function goldenRgba() {
  const { image } = golden.encoder;
  const plane = 32 * 32;
  const data = new Uint8ClampedArray(4 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) data[4 * p + c] = Math.round(image[c * plane + p] * 255);
    data[4 * p + 3] = 255;
  }
  return { width: 32, height: 32, data };
}

describe('graphs match PyTorch', () => {
  it('encoder + quantizer: features within 1e-4, tokens exact', async () => {
    const image = new ort.Tensor('float32', Float32Array.from(golden.encoder.image), [1, 3, 32, 32]);
    const { features } = await (await sessionOf(engine, 'encoder')).run({ image });
    expect(maxAbsDiff(features.data as Float32Array, golden.encoder.features)).toBeLessThan(1e-4);
    const map = await engine.tokenize(goldenRgba());
    // exact tokens are well defined: every cell's runner-up is far farther than feature noise
    const { distance, runner_up_distance: second } = golden.quantizer;
    expect(Math.min(...distance.map((d, i) => second[i] - d))).toBeGreaterThan(1e-3);
    expect(map.tokens).toEqual(golden.quantizer.tokens[0]);
    expect(maxAbsDiff(map.distance, golden.quantizer.distance)).toBeLessThan(1e-3);
    expect(map.runnerUp).toEqual(golden.quantizer.runner_up[0]);
    expect(maxAbsDiff(map.runnerUpDistance!, golden.quantizer.runner_up_distance)).toBeLessThan(1e-3);
  });

  it("vq_encoder (the paper's baseline tokenizer): VQ codes exact", async () => {
    // exact codes are well defined: the writer checked each cell's best code beats the next by 1e-4
    expect(await engine.tokenizeVq(goldenRgba())).toEqual(golden.vq_encoder.tokens[0]);
  });

  // both kinds of step: the fixed-capacity cache (WebGPU) and the step over the past keys/values (WASM)
  const gpts = ['stage1', 'stage2', 'vq_stage1'] as const;
  for (const name of [...gpts, ...gpts.map((g) => `${g}_wasm` as const)]) {
    it(`${name}: a prompt at once, then KV-cache steps, give the full-sequence logits within 1e-5`, async () => {
      const c = golden[name.replace('_wasm', '') as (typeof gpts)[number]];
      const files = await readPack(fileSource(FIXTURE_DIR));
      const session = await ort.InferenceSession.create(files.graphs.get(name)!);
      const runner = gptRunner((feeds) => session.run(feeds), files.manifest.graphs[name]!);
      const [batch, length, vocab] = c.shape;
      runner.reset(batch);
      let worst = 0;
      const fed = 5; // the first tokens in one run, then step by step
      for (let t = fed - 1; t < length; t++) {
        const logits =
          t < fed
            ? await runner.feed(
                c.tokens.map((row) => row.slice(0, fed)),
                0,
              )
            : await runner.step(
                c.tokens.map((row) => row[t]),
                t,
              );
        for (let b = 0; b < batch; b++) {
          const start = (b * length + t) * vocab;
          worst = Math.max(
            worst,
            maxAbsDiff(logits.subarray(b * vocab, (b + 1) * vocab), c.logits.slice(start, start + vocab)),
          );
        }
      }
      runner.release();
      await session.release();
      expect(worst).toBeLessThan(LOGIT_TOLERANCE); // the bound the token comparisons rely on
    });
  }

  it("scoreGrid: each code's log-probability equals the log-softmax of PyTorch's logits within 1e-4", async () => {
    const c = golden.stage1;
    const [, length, vocab] = c.shape;
    const { stage1_code_offset: lo } = engine.manifest.tokens;
    const k = engine.manifest.codebook.size;
    const grid = golden.quantizer.tokens[0];
    const flipped = [...grid].reverse();
    // golden.stage1 fed the grid after class 1 (row 0) and the flipped grid unconditionally (row 1)
    const [byClass] = await engine.scoreGrid(grid, [1], 3);
    const [unconditional] = await engine.scoreGrid(flipped, [null]);
    const expected = (row: number, codes: number[]) =>
      codes.map((code, t) => {
        const logits = c.logits.slice((row * length + t) * vocab + lo, (row * length + t) * vocab + lo + k);
        const max = Math.max(...logits);
        return logits[code] - max - Math.log(logits.reduce((sum, x) => sum + Math.exp(x - max), 0));
      });
    expect(maxAbsDiff(byClass.logProbs, expected(0, grid))).toBeLessThan(1e-4);
    expect(maxAbsDiff(unconditional.logProbs, expected(1, flipped))).toBeLessThan(1e-4);
    expect(byClass.total).toBeCloseTo(
      expected(0, grid).reduce((a, b) => a + b, 0),
      3,
    );
    // the first candidate is PyTorch's likeliest code; candidates come likeliest first
    for (const [t, top] of byClass.top.entries()) {
      const logits = c.logits.slice(t * vocab + lo, t * vocab + lo + k);
      expect(top.map((x) => x.code)[0]).toBe(logits.indexOf(Math.max(...logits)));
      expect(top).toHaveLength(3);
      expect(top[0].p).toBeGreaterThanOrEqual(top[1].p);
      expect(top[1].p).toBeGreaterThanOrEqual(top[2].p);
    }
  });

  it("the GPT as a classifier: every class's log-likelihood within 1e-3 of PyTorch's, the same ranking", async () => {
    const { tokens, log_likelihoods: expected } = golden.class_scores;
    const scores = await engine.scoreGrid(
      tokens,
      expected.map((_, c) => c),
    );
    expect(
      maxAbsDiff(
        scores.map((s) => s.total),
        expected,
      ),
    ).toBeLessThan(1e-3);
    const rank = (xs: number[]) => xs.map((_, c) => c).sort((a, b) => xs[b] - xs[a]);
    expect(rank(scores.map((s) => s.total))).toEqual(rank(expected));
  });

  for (const name of ['vq_decoder', 'direct_decoder'] as const) {
    it(`${name}: pixels within 1e-4`, async () => {
      const c = golden[name];
      const session = await sessionOf(engine, name);
      const tokens = new ort.Tensor('int64', BigInt64Array.from(c.tokens.flat(), BigInt), [2, 16]);
      const { image } = await session.run({ tokens });
      expect(maxAbsDiff(image.data as Float32Array, c.image)).toBeLessThan(1e-4);
    });
  }
});

describe('seeded generation matches PyTorch', () => {
  it('every golden case: settled tokens exactly, pixels within one level', async () => {
    await expectReferenceGenerations(engine, golden.generation);
  });

  it("the paper's baseline ('vq-gpt': the GPT over VQ codes, then the VQ decoder) likewise", async () => {
    await expectReferenceGenerations(engine, golden.baseline_generation);
  });

  it('reports progress up to the last token of each stage', async () => {
    const seen: string[] = [];
    await engine.generate(
      {
        classId: 0,
        seed: 1,
        batch: 1,
        decoder: 'ar-vq',
        stage1: settingsFromPack(golden.generation[0].stage1),
        stage2: settingsFromPack(golden.generation[0].stage2),
      },
      { onProgress: (p) => seen.push(`${p.stage}:${p.done}`) },
    );
    expect(seen[0]).toBe('stage1:1');
    expect(seen).toContain('stage1:16');
    expect(seen.at(-1)).toBe('stage2:16');
  });

  it('refuses a class the pack does not have, and still serves the next request', async () => {
    const req = {
      classId: 7,
      seed: 1,
      batch: 1,
      decoder: 'direct' as const,
      stage1: settingsFromPack(golden.generation[0].stage1),
      stage2: settingsFromPack(golden.generation[0].stage2),
    };
    await expect(engine.generate(req)).rejects.toThrow(/class 7 is not in this pack/);
    const ok = await engine.generate({ ...req, classId: 2 });
    expect(ok.images).toHaveLength(1);
  });
});
