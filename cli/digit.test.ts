// The CLI on the fixture pack: each command against the golden vectors PyTorch wrote.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPngText } from '../src/pngText';
import { FIXTURE_DIR, golden, settledCase } from '../workers/engine/test/golden';
import { readPng } from './images';

const out = mkdtempSync(join(tmpdir(), 'digit-cli-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function digit(...args: string[]) {
  const run = spawnSync(process.execPath, ['bin/digit.mjs', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('digit, the command line', () => {
  const c = settledCase(golden.generation[0]); // class 1, seed 7, two images through ar-vq

  it("generate: PyTorch's tokens for the same settings, PNGs that carry them, or one contact sheet", () => {
    const settings = ['--temperature', `${c.stage1.temperature}`, '--top-k', `${c.stage1.top_k}`];
    const flags = [...settings, '--top-p', `${c.stage1.top_p}`, '--decoder', c.decoder, '--seed', `${c.seed}`];
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

  it("tokenize: the fixture's example image to PyTorch's token grid", () => {
    const run = digit('--json', 'tokenize', `${FIXTURE_DIR}/example.png`, '--pack', FIXTURE_DIR);
    expect(JSON.parse(run.stdout)[0].tokens).toEqual(golden.quantizer.tokens[0]);
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
