// A corrupt or mismatched pack is refused with an error that names the problem.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { fileSource } from '../node/fileSource';
import { Engine } from './engine';
import { PackError, validateManifest } from './manifest';
import type { PackSource } from './packSource';
import { inParallel, readPack } from './readPack';
import { FIXTURE_DIR, golden, requestFor } from './test/golden';

const manifestText = readFileSync(`${FIXTURE_DIR}/pack.json`, 'utf8');
const disk = fileSource(FIXTURE_DIR);

/** The fixture pack with pack.json and/or some files replaced. */
// pack.json as plain JSON, so that tests can break it in ways its type forbids
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = Record<string, any>;
function patched(edit: (m: Json) => void, files: Record<string, Uint8Array> = {}): PackSource {
  const m = JSON.parse(manifestText);
  edit(m);
  return {
    where: 'patched/',
    text: async () => JSON.stringify(m),
    bytes: async (file) => files[file] ?? disk.bytes(file),
  };
}

describe('pack validation', () => {
  it('accepts the fixture pack', async () => {
    const pack = await readPack(disk);
    expect(pack.manifest.id).toBe('fixture-tiny');
    expect([...pack.graphs.keys()]).toContain('stage2');
  });

  it('reads only the graphs a backend runs; a pack read for WebGPU still generates on WASM', async () => {
    const read: string[] = [];
    const counting: PackSource = {
      ...disk,
      bytes: (file, progress) => {
        read.push(file);
        return disk.bytes(file, progress);
      },
    };
    const forGpu = await readPack(counting, { backend: 'webgpu' });
    expect(read.filter((f) => f.startsWith('stage'))).toEqual(['stage1.onnx', 'stage2.onnx']);
    read.length = 0;
    const forWasm = await readPack(counting, { backend: 'wasm' });
    expect(read.filter((f) => f.startsWith('stage'))).toEqual(['stage1_wasm.onnx', 'stage2_wasm.onnx']);
    expect([...forWasm.graphs.keys()]).toContain('direct_decoder');

    const c = golden.generation[0];
    const request = requestFor(c);
    for (const files of [forGpu, forWasm]) {
      // the fallback case, then the usual one
      const engine = await Engine.fromFiles(files, 'wasm');
      expect((await engine.generate(request)).tokens).toEqual(c.tokens);
      await engine.dispose();
    }
  });

  it('refuses an unknown format version, saying which it supports', () => {
    const m = JSON.parse(manifestText);
    m.format_version = 2;
    expect(() => validateManifest(m)).toThrow(/format_version 2 is not supported.*version 1/);
  });

  it('names the field that breaks the schema', () => {
    const m = JSON.parse(manifestText);
    m.graphs.stage1.kv_cache.heads = 'two';
    expect(() => validateManifest(m)).toThrow(/graphs\/stage1\/kv_cache\/heads/);
    delete m.graphs.stage1.kv_cache.heads;
    m.grid = { h: 4 };
    expect(() => validateManifest(m)).toThrow(/grid: must have required property 'w'/);
  });

  it('refuses a decoder whose graphs are missing', () => {
    const m = JSON.parse(manifestText);
    delete m.graphs.vq_decoder;
    expect(() => validateManifest(m)).toThrow(/vq_decoder when property vq_stage1 is present/); // the baseline needs it too
    for (const baseline of ['vq_stage1', 'vq_stage1_wasm']) delete m.graphs[baseline];
    expect(() => validateManifest(m)).toThrow(/graphs\/vq_decoder: decoder 'ar-vq' needs it/);
  });

  it('refuses the baseline GPT without its token ids', () => {
    const m = JSON.parse(manifestText);
    delete m.tokens.vq_stage1_class_offset;
    expect(() => validateManifest(m)).toThrow(/tokens: must have required property 'vq_stage1_class_offset'/);
  });

  it('refuses a file whose sha256 does not match', async () => {
    const bytes = new Uint8Array(await disk.bytes('stage1.onnx'));
    bytes[bytes.length - 10] ^= 0xff;
    await expect(readPack(patched(() => {}, { 'stage1.onnx': bytes }))).rejects.toThrow(
      /stage1\.onnx: sha256 mismatch/,
    );
  });

  it('refuses a truncated file by its size', async () => {
    const bytes = (await disk.bytes('encoder.onnx')).slice(0, 1000);
    await expect(readPack(patched(() => {}, { 'encoder.onnx': bytes }))).rejects.toThrow(
      /encoder\.onnx: pack\.json says \d+ bytes, got 1000/,
    );
  });

  it("reads the class picker's images, and refuses a sheet without a tile for every class", async () => {
    const classes = (JSON.parse(manifestText).classes as string[]).length;
    const withSheet = (width: number) => {
      const png = new PNG({ width, height: 6 });
      const bytes = new Uint8Array(PNG.sync.write(png));
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const entry = { file: 'classes.png', bytes: bytes.length, sha256, tile: 6 };
      return patched((m) => Object.assign(m, { class_images: entry }), { 'classes.png': bytes });
    };
    const pack = await readPack(withSheet(6 * classes));
    expect(pack.classImages?.tile).toBe(6);
    await expect(readPack(withSheet(6 * classes - 1))).rejects.toThrow(
      `pack.json is invalid at class_images: classes.png is ${6 * classes - 1}×6 px, but ${classes} classes of 6 px need ${6 * classes}×6`,
    );
  });

  it('refuses a missing file, naming it', async () => {
    await expect(
      readPack(
        patched((m) => {
          m.graphs.quantizer.file = 'nowhere.onnx';
        }),
      ),
    ).rejects.toThrow(/nowhere\.onnx.*ENOENT/);
  });

  it('refuses HTML served as pack.json', async () => {
    const html: PackSource = { where: 'site/', text: async () => '<!doctype html><p>hi', bytes: disk.bytes };
    await expect(readPack(html)).rejects.toThrow(/not JSON \(the server sent HTML/);
  });

  it('refuses a graph whose shapes differ from pack.json', async () => {
    const source = patched((m) => {
      m.graphs.stage1_wasm!.kv_cache.layers = 99;
      m.graphs.stage1_wasm!.inputs[2].shape[0] = 99;
    });
    const err = await Engine.load(source, { backend: 'wasm' }).catch((e) => e);
    expect(err).toBeInstanceOf(PackError);
    expect(err.message).toContain('stage1_wasm.onnx: past_key is float32 [2×batch×2×past×8]');
    expect(err.message).toContain('but pack.json says float32 [99×batch×2×past×8]');
  });

  it('refuses a graph whose input names differ from pack.json', async () => {
    const source = patched((m) => {
      m.graphs.encoder.inputs[0].name = 'pixels';
    });
    await expect(Engine.load(source, { backend: 'wasm' })).rejects.toThrow(
      /encoder\.onnx: graph inputs \[image\] do not match pack\.json \[pixels\]/,
    );
  });
});

describe('reading files several at a time', () => {
  const tick = () => new Promise((r) => setTimeout(r, 5));

  it('keeps the order, and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const out = await inParallel([5, 1, 4, 2, 3, 6, 7], 3, async (x) => {
      most = Math.max(most, ++running);
      await tick();
      running--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 60, 70]);
    expect(most).toBe(3);
  });

  it('after a failure starts nothing new, and throws once the running ones have settled', async () => {
    const started: number[] = [];
    let settled = 0;
    const work = async (x: number) => {
      started.push(x);
      await tick();
      settled++;
      if (x === 2) throw new Error('file 2 failed');
      return x;
    };
    await expect(inParallel([1, 2, 3, 4, 5, 6], 2, work)).rejects.toThrow('file 2 failed');
    expect(settled).toBe(started.length); // nothing left running
    expect(started.length).toBeLessThan(6);
  });
});
