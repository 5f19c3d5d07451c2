// Packs the converter made from toy checkpoints in the official fairseq layout
// (training/make_converted_fixture.py): the engine running them gives the generations of an
// independent PyTorch forward written from fairseq's semantics.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { fileSource } from '../node/fileSource';
import { Engine } from './engine';
import { gptRunner } from './gptRunner';
import { expectReferenceGenerations, type GenerationCase } from './test/golden';

const dir = (name: string) => fileURLToPath(new URL(`./test/${name}`, import.meta.url));
const referenceOf = (name: string) =>
  (JSON.parse(readFileSync(`${dir(name)}/reference.json`, 'utf8')) as { generation: GenerationCase[] }).generation;
const cases = referenceOf('converted-tiny');

const sessionOf = (engine: Engine, name: string) =>
  (engine as unknown as { sessions: Map<string, ort.InferenceSession> }).sessions.get(name)!;

/** Stage-1 logits at every position of a token sequence, through the KV-cache steps. */
async function stage1Logits(engine: Engine, tokens: number[]) {
  const session = sessionOf(engine, 'stage1_wasm');
  const runner = gptRunner((feeds) => session.run(feeds), engine.manifest.graphs.stage1_wasm!);
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
      await expectReferenceGenerations(engine, referenceOf(name));
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
    const [exact, quantized] = await Promise.all([fp16, int8].map((e) => stage1Logits(e, sequence)));
    const range = Math.max(...exact.map(Math.abs));
    const worst = Math.max(...exact.map((v, i) => Math.abs(v - quantized[i])));
    expect(worst).toBeGreaterThan(0); // it really is quantised
    expect(worst / range).toBeLessThan(0.02);
    await Promise.all([fp16.dispose(), int8.dispose()]);
  });
});
