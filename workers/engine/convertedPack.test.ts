// Packs the converter made from checkpoints generated from the official layout at toy sizes
// (training/make_converted_fixture.py): the engine running them gives the logits, pixels, tokens
// and generations of an independent float64 forward written from the official code's semantics
// (training/convert/official_reference.py).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { fileSource } from '../node/fileSource';
import { Engine } from './engine';
import { gptRunner } from './gptRunner';
import { sessionOf } from './test/engineSessions';
import { expectReferenceGenerations, type GenerationCase, maxAbsDiff, requestFor } from './test/golden';

const dir = (name: string) => fileURLToPath(new URL(`./test/${name}`, import.meta.url));
interface Reference {
  generation: GenerationCase[];
  tokenize: { image: number[]; tokens: number[]; distance_gaps: number[] }[];
  stage1: { tokens: number[][]; logits: number[] };
  stage2: { tokens: number[][]; logits: number[] };
  vq_decoder: { tokens: number[][]; image: number[] };
}
const referenceOf = (name: string) => JSON.parse(readFileSync(`${dir(name)}/reference.json`, 'utf8')) as Reference;
const cases = referenceOf('converted-tiny').generation;
// float32 graphs against a float64 forward
const LOGIT_AND_PIXEL_TOLERANCE = 2e-4;

/** A GPT's logits at every position of a token sequence, through the KV-cache steps. */
async function gptLogits(engine: Engine, tokens: number[], graph: 'stage1_wasm' | 'stage2_wasm' = 'stage1_wasm') {
  const session = await sessionOf(engine, graph);
  const runner = gptRunner((feeds) => session.run(feeds), engine.manifest.graphs[graph]!);
  runner.reset(1);
  const out: number[] = [];
  for (let t = 0; t < tokens.length; t++) out.push(...(await runner.step([tokens[t]], t)));
  runner.release();
  return out;
}

describe('a converted official-layout pack', () => {
  for (const [name, classes] of [
    ['converted-tiny', 3],
    ['converted-tiny-uncond', null],
  ] as const) {
    it(`${name}: stores its weights in fp16 and generates what the fairseq reference generates`, async () => {
      const engine = await Engine.load(fileSource(dir(name)), { backend: 'wasm' });
      expect(engine.manifest.graphs.stage1.weights).toBe('fp16');
      expect(engine.manifest.classes?.length ?? null).toBe(classes);
      await expectReferenceGenerations(engine, referenceOf(name).generation);
      if (classes) {
        // the official models had no class dropout: no unconditional start, no guidance
        expect(engine.manifest.class_dropout).toBe(false);
        const request = requestFor(referenceOf(name).generation[0]);
        for (const bad of [
          { ...request, classId: null },
          { ...request, stage1: { ...request.stage1, guidance: 2 } },
        ]) {
          await expect(engine.generate(bad)).rejects.toThrow(/trained without class dropout/);
        }
      }
      await engine.dispose();
    });

    it(`${name}: logits, VQ-decoded pixels and tokens match the float64 reference`, async () => {
      const engine = await Engine.load(fileSource(dir(name)), { backend: 'wasm' });
      const ref = referenceOf(name);
      for (const graph of ['stage1', 'stage2'] as const) {
        const { tokens, logits } = ref[graph];
        // the cache holds all but the last token
        const got = await gptLogits(engine, tokens[0].slice(0, -1), `${graph}_wasm`);
        expect(maxAbsDiff(got, logits.slice(0, got.length))).toBeLessThan(LOGIT_AND_PIXEL_TOLERANCE);
      }
      const { tokens, image } = ref.vq_decoder;
      const out = await (await sessionOf(engine, 'vq_decoder')).run({
        tokens: new ort.Tensor('int64', BigInt64Array.from(tokens.flat(), BigInt), [tokens.length, tokens[0].length]),
      });
      expect(maxAbsDiff(out.image.data as Float32Array, image)).toBeLessThan(LOGIT_AND_PIXEL_TOLERANCE);
      // tokens: exact wherever the runner-up centroid is farther than feature noise can reach
      const [picture] = ref.tokenize;
      const size = engine.manifest.image.size;
      const plane = size * size;
      const rgba = new Uint8ClampedArray(4 * plane).fill(255);
      for (let p = 0; p < plane; p++)
        for (let c = 0; c < 3; c++) rgba[4 * p + c] = Math.round(picture.image[c * plane + p] * 255);
      const map = await engine.tokenize({ width: size, height: size, data: rgba });
      const settled = picture.distance_gaps.map((gap) => gap > 1e-3);
      expect(settled.filter(Boolean).length).toBeGreaterThan(settled.length / 2);
      expect(map.tokens.filter((_, i) => settled[i])).toEqual(picture.tokens.filter((_, i) => settled[i]));
      await engine.dispose();
    });
  }

  it('with int8 GPT matrices gives stage-1 logits within 2% of the fp16 pack', async () => {
    const [fp16, int8] = await Promise.all(
      ['converted-tiny', 'converted-tiny-int8'].map((name) => Engine.load(fileSource(dir(name)), { backend: 'wasm' })),
    );
    expect(int8.manifest.graphs.stage1.weights).toBe('int8');
    const m = fp16.manifest;
    const sequence = [
      m.tokens.class_offset + 1,
      ...cases[0].tokens[0].slice(0, -1).map((k) => k + m.tokens.stage1_code_offset),
    ];
    const [exact, quantized] = await Promise.all([fp16, int8].map((e) => gptLogits(e, sequence)));
    const range = Math.max(...exact.map(Math.abs));
    const worst = Math.max(...exact.map((v, i) => Math.abs(v - quantized[i])));
    expect(worst).toBeGreaterThan(0); // it really is quantised
    expect(worst / range).toBeLessThan(0.02);
    await Promise.all([fp16.dispose(), int8.dispose()]);
  });
});
