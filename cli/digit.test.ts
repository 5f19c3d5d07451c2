// The CLI on the fixture pack: each command against the golden vectors PyTorch wrote.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { type NpyArray, parse } from 'npyjs';
import { afterAll, describe, expect, it } from 'vitest';
import { readPngText } from '../src/pngText';
import { FIXTURE_DIR, golden, maxAbsDiff, settledCase } from '../workers/engine/test/golden';
import { readPng } from './images';

const out = mkdtempSync(join(tmpdir(), 'digit-cli-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function digit(...args: string[]) {
  const run = spawnSync(process.execPath, ['bin/digit.mjs', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function readNpz(path: string): Record<string, NpyArray> {
  const files = unzipSync(readFileSync(path));
  return Object.fromEntries(
    Object.entries(files).map(([name, bytes]) => [name.replace(/\.npy$/, ''), parse(bytes.slice().buffer)]),
  );
}

describe('digit, the command line', () => {
  const c = settledCase(golden.generation[0]); // class 1, seed 7, two images through ar-vq
  const flags = [
    ...['--temperature', `${c.stage1.temperature}`, '--top-k', `${c.stage1.top_k}`, '--top-p', `${c.stage1.top_p}`],
    ...['--decoder', c.decoder, '--seed', `${c.seed}`],
  ];

  it("generate: PyTorch's tokens for the same settings, PNGs that carry them, or one contact sheet", () => {
    const run = digit(
      '--json',
      'generate',
      '--pack',
      FIXTURE_DIR,
      '--class',
      'square',
      '--n',
      '2',
      '--batch',
      '1',
      ...flags,
      '--out',
      join(out, 'pngs'),
    );
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout);
    expect(result.samples.map((s: { tokens: number[] }) => s.tokens)).toEqual(c.tokens); // batch 1 or 2: the same
    const saved = JSON.parse(readPngText(readFileSync(result.samples[1].file))['digit-settings']);
    expect(saved).toMatchObject({ classId: 1, seed: c.seed + 1, topP: c.stage1.top_p, decoder: c.decoder });
    const sheet = digit('generate', '--pack', FIXTURE_DIR, '--n', '5', '--out', join(out, 'sheet.png'));
    expect(sheet.code).toBe(0);
    const png = readPng(join(out, 'sheet.png'));
    expect([png.width, png.height]).toEqual([3 * 32, 2 * 32]); // 5 images, 3 a row
  });

  it('generate --out samples.npz: images uint8 [N, H, W, C], labels, seeds and tokens, as NumPy reads them', () => {
    const npz = join(out, 'samples.npz');
    const run = digit('generate', '--pack', FIXTURE_DIR, '--class', '1', '--n', '2', ...flags, '--out', npz);
    expect(run.stderr).toBe('');
    const numpy = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import sys, numpy; z = numpy.load(sys.argv[1]); print({k: [str(z[k].dtype), list(z[k].shape)] for k in z})',
        npz,
      ],
      { encoding: 'utf8' },
    );
    expect(numpy.stdout.trim()).toBe(
      "{'images': ['uint8', [2, 32, 32, 3]], 'labels': ['int64', [2]], 'seeds': ['int64', [2]], 'tokens': ['int64', [2, 16]]}",
    );
    const arrays = readNpz(npz);
    expect([arrays.images.dtype, arrays.images.shape]).toEqual(['u1', [2, 32, 32, 3]]);
    expect(Array.from(arrays.labels.data as BigInt64Array, Number)).toEqual([1, 1]);
    expect(Array.from(arrays.seeds.data as BigInt64Array, Number)).toEqual([c.seed, c.seed + 1]);
    expect(Array.from(arrays.tokens.data as BigInt64Array, Number)).toEqual(c.tokens.flat());
    // the pixels are the golden ones (within one level, as in the app), RGB interleaved as there
    const first = Array.from(arrays.images.data as Uint8Array).slice(0, 3 * 32 * 32);
    expect(maxAbsDiff(first, c.pixels.slice(0, 3 * 32 * 32))).toBeLessThanOrEqual(1);
  });

  it("tokenize: the fixture's example image to PyTorch's token grid, from a file or a folder, as JSON or .npz", () => {
    const run = digit('--json', 'tokenize', `${FIXTURE_DIR}/example.png`, '--pack', FIXTURE_DIR);
    expect(JSON.parse(run.stdout)[0].tokens).toEqual(golden.quantizer.tokens[0]);
    const folder = join(out, 'examples');
    mkdirSync(folder);
    copyFileSync(`${FIXTURE_DIR}/example.png`, join(folder, 'a.png'));
    copyFileSync(`${FIXTURE_DIR}/example.png`, join(folder, 'b.png'));
    expect(digit('tokenize', folder, '--pack', FIXTURE_DIR, '--out', join(out, 'tokens.npz')).code).toBe(0);
    const { tokens } = readNpz(join(out, 'tokens.npz'));
    expect(tokens.shape).toEqual([2, 16]);
    expect(Array.from(tokens.data as BigInt64Array, Number)).toEqual([
      ...golden.quantizer.tokens[0],
      ...golden.quantizer.tokens[0],
    ]);
  });

  it("reconstruct: the example's tokens painted by the direct decoder are PyTorch's picture", () => {
    const run = digit(
      '--json',
      'reconstruct',
      `${FIXTURE_DIR}/example.png`,
      '--pack',
      FIXTURE_DIR,
      '--decoder',
      'direct',
      '--out',
      join(out, 'rebuilt'),
    );
    expect(run.stderr).toBe('');
    const [file] = JSON.parse(run.stdout).files;
    const png = readPng(file);
    const plane = 32 * 32;
    const expected = golden.direct_decoder.image.slice(0, 3 * plane); // image 0: the example's tokens
    const got = Array.from({ length: 3 * plane }, (_, i) => png.data[4 * (i % plane) + Math.floor(i / plane)]);
    const want = expected.map((v) => Math.trunc(Math.min(255, Math.max(0, Math.fround(v * 255)))));
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1);
  });

  it("either runtime, onnxruntime-node's native CPU or the app's WASM, gives PyTorch's tokens", () => {
    for (const backend of ['native', 'wasm']) {
      const args = ['--json', '--backend', backend];
      const made = digit(
        ...args,
        'generate',
        '--pack',
        FIXTURE_DIR,
        '--class',
        '1',
        '--n',
        '2',
        ...flags,
        '--out',
        out,
      );
      const result = JSON.parse(made.stdout);
      expect(result.backend).toBe(backend);
      expect(result.samples.map((s: { tokens: number[] }) => s.tokens)).toEqual(c.tokens);
      const read = digit(...args, 'tokenize', `${FIXTURE_DIR}/example.png`, '--pack', FIXTURE_DIR);
      expect(JSON.parse(read.stdout)[0].tokens).toEqual(golden.quantizer.tokens[0]);
    }
  });

  it('info checks every file; mistakes are one line and exit code 1', () => {
    expect(JSON.parse(digit('--json', 'info', FIXTURE_DIR).stdout)).toMatchObject({
      id: 'fixture-tiny',
      verified: true,
    });
    const bad = digit('generate', '--pack', FIXTURE_DIR, '--class', 'hexagon', '--out', join(out, 'x'));
    expect([bad.code, bad.stderr.trim()]).toEqual([
      1,
      "digit: 'hexagon' is not a class of this pack (3 classes: 0…2 or a name)",
    ]);
    expect(digit('info', 'nowhere').stderr.trim()).toMatch(/^digit: no pack 'nowhere'/);
  });
});
