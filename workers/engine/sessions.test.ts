import { describe, expect, it, vi } from 'vitest';
import { fileSource } from '../node/fileSource';
import { Engine } from './engine';
import type { GraphName } from './manifest';
import { ort } from './onnxRuntime';
import { readPack } from './readPack';
import { Sessions } from './sessions';
import { FIXTURE_DIR, golden, requestFor } from './test/golden';

describe('sessions', () => {
  it('refuses on WASM a pack whose float32 weights cannot fit WebAssembly memory, saying why', async () => {
    const files = await readPack(fileSource(FIXTURE_DIR));
    // two GPTs as large as the official large model's (732M parameters), stored in fp16
    const graphs = { ...files.manifest.graphs };
    for (const name of ['stage1_wasm', 'stage2_wasm'] as const) {
      graphs[name] = { ...graphs[name]!, bytes: 1.45 * 2 ** 30, weights: 'fp16' };
    }
    const large = { ...files, manifest: { ...files.manifest, graphs } };
    expect(() => new Sessions(large, 'wasm')).toThrow(
      /weights take 5\.8 GB as float32, more than WebAssembly's 4 GB memory holds .*: it runs only on WebGPU/,
    );
  });

  it('a lazy engine creates each session on its graph’s first run, once', async () => {
    const files = await readPack(fileSource(FIXTURE_DIR));
    const create = vi.spyOn(ort.InferenceSession, 'create');
    const created = () =>
      create.mock.calls.map(([bytes]) => [...files.graphs].find(([, b]) => b === bytes)?.[0] as GraphName);
    try {
      const engine = await Engine.fromFiles(files, 'wasm', undefined, { lazy: true });
      expect(created()).toEqual([]);
      const c = golden.generation.find((g) => g.decoder === 'direct')!;
      expect((await engine.generate(requestFor(c))).tokens).toEqual(c.tokens);
      expect(created()).toEqual(['stage1_wasm', 'direct_decoder']);
      await engine.generate(requestFor(c));
      expect(created()).toEqual(['stage1_wasm', 'direct_decoder']);
      await engine.dispose();
    } finally {
      create.mockRestore();
    }
  });

  it('a lazy engine refuses a graph that does not match pack.json at its first use, and each use after', async () => {
    const files = await readPack(fileSource(FIXTURE_DIR));
    const encoder = {
      ...files.manifest.graphs.encoder,
      inputs: [{ ...files.manifest.graphs.encoder.inputs[0], name: 'pixels' }],
    };
    const broken = { ...files, manifest: { ...files.manifest, graphs: { ...files.manifest.graphs, encoder } } };
    await expect(Engine.fromFiles(broken, 'wasm')).rejects.toThrow(/encoder\.onnx: graph inputs/);
    const engine = await Engine.fromFiles(broken, 'wasm', undefined, { lazy: true });
    const c = golden.generation.find((g) => g.decoder === 'direct')!;
    expect((await engine.generate(requestFor(c))).tokens).toEqual(c.tokens); // its graphs are sound
    const { size } = files.manifest.image;
    const image = { width: size, height: size, data: new Uint8ClampedArray(4 * size * size) };
    for (let i = 0; i < 2; i++) {
      await expect(engine.tokenize(image)).rejects.toThrow(
        'encoder.onnx: graph inputs [image] do not match pack.json [pixels]',
      );
    }
    await engine.dispose();
  });
});
