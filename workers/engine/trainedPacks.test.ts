// Every pack the app lists loads, validates, tokenizes and generates in Node; a trained pack's
// seeded generations match the ones PyTorch wrote when it was exported (reference.json).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fileSource } from '../node/fileSource';
import { Engine } from './engine';
import { expectReferenceGenerations, type GenerationCase, requestFor, settledLength } from './test/golden';

const MODELS = fileURLToPath(new URL('../../public/models', import.meta.url));
const index = JSON.parse(readFileSync(`${MODELS}/index.json`, 'utf8')) as {
  default: string;
  packs: { id: string; path: string }[];
};

describe('listed packs', () => {
  it('name an existing default', () => {
    expect(index.packs.map((p) => p.id)).toContain(index.default);
  });

  for (const { id } of index.packs) {
    it(`${id} loads and generates with each of its decoders`, async () => {
      const engine = await Engine.load(fileSource(`${MODELS}/${id}`), { backend: 'wasm' });
      const m = engine.manifest;
      const settings = { temperature: 1, topK: 0, topP: 0.9, guidance: 1 };
      for (const decoder of m.decoders) {
        const { tokens, images } = await engine.generate({
          classId: m.classes ? 0 : null,
          seed: 5,
          batch: 2,
          decoder,
          stage1: settings,
          stage2: { ...settings, topP: 0.8 },
        });
        expect(tokens.flat().every((t) => t >= 0 && t < m.codebook.size)).toBe(true);
        expect(images[0].width).toBe(m.image.size);
        const values = new Set(images[0].data.filter((_, i) => i % 4 === 0));
        expect(values.size).toBeGreaterThan(4); // a picture, not a flat fill
      }
      const size = m.image.size;
      const gray = { width: size, height: size, data: new Uint8ClampedArray(4 * size * size).fill(128) };
      const map = await engine.tokenize(gray);
      expect(map.tokens).toHaveLength(m.grid.h * m.grid.w);
      await engine.dispose();
    });

    const referencePath = `${MODELS}/${id}/reference.json`;
    if (!existsSync(referencePath)) continue;
    const cases = (JSON.parse(readFileSync(referencePath, 'utf8')) as { generation: GenerationCase[] }).generation;
    it(`${id}: seeded generations give PyTorch's tokens exactly and its pixels within one level`, async () => {
      const engine = await Engine.load(fileSource(`${MODELS}/${id}`), { backend: 'wasm' });
      await expectReferenceGenerations(engine, cases);
      if (id === index.default) {
        // the browser tests compare the first case's tokens exactly: every draw must be settled
        const { margins } = await engine.generate(requestFor(cases[0]));
        expect(margins.map((row) => settledLength(row))).toEqual(margins.map((row) => row.length));
      }
      await engine.dispose();
    });
  }
});
