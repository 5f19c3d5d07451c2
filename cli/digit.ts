// digit: the engine the app runs, from the command line (Node, onnxruntime-web's WASM backend).
//   digit info <pack>                    what pack.json says, every file's size and sha256 checked
//   digit generate --pack P --out DIR|sheet.png [--class N|name] [--n 16] [--seed 0] [--batch 8] …
//   digit tokenize <png…> --pack P [--out tokens.json]
// A pack is a listed id (public/models/<id>), a folder with pack.json, or its URL. Errors are one
// line on stderr and exit code 1; --json prints one JSON document on stdout for scripts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { Engine, type GenerationPath } from '../workers/engine/engine';
import type { PackManifest } from '../workers/engine/manifest';
import type { RgbaImage } from '../workers/engine/pixels';
import { type PackFiles, readPack } from '../workers/engine/readPack';
import { type SamplingSettings, settingsFromPack } from '../workers/engine/sampling';
import { contactSheet, encodePng, fitSquare, readPng } from './images';
import { packSource } from './packSources';

const integer = (v: string) => {
  const x = Number(v);
  if (!Number.isInteger(x) || x < 0) throw new InvalidArgumentError('a whole number from 0');
  return x;
};
const number = (v: string) => {
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0) throw new InvalidArgumentError('a number from 0');
  return x;
};

const program = new Command()
  .name('digit')
  .description('DiGIT image generation on the command line, on the engine the app runs')
  .option('--json', 'print one JSON document on stdout (for scripts)')
  .showHelpAfterError();

const json = () => Boolean(program.opts().json);
const say = (text: string, data: unknown) => console.log(json() ? JSON.stringify(data) : text);

async function loadPack(pack: string): Promise<PackFiles> {
  return readPack(packSource(pack));
}

/** A class given as a number or a name, checked against the pack. */
function classOf(value: string | undefined, m: PackManifest): number | null {
  if (value === undefined) return m.classes ? 0 : null;
  const classes = m.classes ?? [];
  const byName = classes.findIndex((c) => c.toLowerCase() === value.toLowerCase());
  const id = byName >= 0 ? byName : Number(value);
  if (!Number.isInteger(id) || id < 0 || id >= classes.length) {
    throw new Error(
      `'${value}' is not a class of this pack (${classes.length} classes: 0…${classes.length - 1} or a name)`,
    );
  }
  return id;
}

program
  .command('info')
  .description("what a pack is, its graphs, and whether every file matches pack.json's size and sha256")
  .argument('<pack>', 'a listed id, a folder with pack.json, or a URL')
  .action(async (pack: string) => {
    const { manifest: m } = await loadPack(pack);
    const graphs = Object.fromEntries(Object.entries(m.graphs).map(([name, g]) => [name, g!.bytes]));
    const total = Object.values(graphs).reduce((a, b) => a + b, 0);
    const lines = [
      `${m.title} (${m.id}): ${m.description ?? ''}`,
      `image ${m.image.size}×${m.image.size}×${m.image.channels}, tokens ${m.grid.h}×${m.grid.w}, K = ${m.codebook.size}`,
      `classes: ${m.classes ? m.classes.join(', ') : 'none (unconditional)'}`,
      `decoders: ${m.decoders.join(', ')}; graphs ${(total / 1e6).toFixed(2)} MB, every size and sha256 checked`,
    ];
    say(lines.join('\n'), {
      id: m.id,
      title: m.title,
      classes: m.classes,
      decoders: m.decoders,
      graphs,
      verified: true,
    });
  });

program
  .command('generate')
  .description('sample images: PNGs with their settings inside (as the app saves them), or one contact sheet')
  .requiredOption('--pack <pack>', 'a listed id, a folder with pack.json, or a URL')
  .requiredOption('--out <path>', 'a folder for one PNG per image, or a .png file for a contact sheet')
  .option('--class <class>', 'class number or name (default: the first)')
  .option('--n <count>', 'how many images', integer, 16)
  .option('--seed <seed>', "the first image's seed; image i gets seed + i, as in the app", integer, 0)
  .option('--batch <size>', 'images per engine run', integer, 8)
  .option('--temperature <t>', "stage-1 temperature (default: the pack's)", number)
  .option('--top-k <k>', "stage-1 top-k, 0 = off (default: the pack's)", integer)
  .option('--top-p <p>', "stage-1 top-p, 1 = off (default: the pack's)", number)
  .option('--guidance <g>', "classifier-free guidance, 1 = off (default: the pack's)", number)
  .addOption(
    new Option('--decoder <decoder>', "the pixel path (default: the pack's)").choices(['direct', 'ar-vq', 'vq-gpt']),
  )
  .action(async (o) => {
    if (o.n < 1 || o.batch < 1) throw new Error('--n and --batch must be at least 1');
    const files = await loadPack(o.pack);
    const m = files.manifest;
    const engine = await Engine.fromFiles(files, 'wasm');
    const defaults = settingsFromPack(m.sampling.stage1);
    const stage1: SamplingSettings = {
      temperature: o.temperature ?? defaults.temperature,
      topK: o.topK ?? defaults.topK,
      topP: o.topP ?? defaults.topP,
      guidance: o.guidance ?? defaults.guidance,
    };
    const decoder = (o.decoder ?? m.sampling.decoder ?? m.decoders[0]) as GenerationPath;
    const classId = classOf(o.class, m);
    const bar = json() ? null : new SingleBar({ format: 'generating [{bar}] {value}/{total} images, {eta}s left' });
    bar?.start(o.n, 0);
    const images: RgbaImage[] = [];
    const samples: { seed: number; tokens: number[]; file?: string }[] = [];
    try {
      for (let start = 0; start < o.n; start += o.batch) {
        const batch = Math.min(o.batch, o.n - start);
        const seed = (o.seed + start) >>> 0;
        const result = await engine.generate({ classId, seed, batch, stage1, decoder });
        images.push(...result.images);
        for (const [i, tokens] of result.tokens.entries()) samples.push({ seed: (seed + i) >>> 0, tokens });
        bar?.update(images.length);
      }
    } finally {
      bar?.stop();
      await engine.dispose();
    }
    const settings = (seed: number) => ({ pack: o.pack, classId, seed, batch: 1, ...stage1, decoder });
    if (o.out.toLowerCase().endsWith('.png')) {
      writeFileSync(o.out, encodePng(contactSheet(images, Math.ceil(Math.sqrt(images.length)))));
    } else {
      mkdirSync(o.out, { recursive: true });
      samples.forEach((s, i) => {
        s.file = join(o.out, `${m.id}-seed${s.seed}.png`);
        const text = { keyword: 'digit-settings', value: JSON.stringify(settings(s.seed)) };
        writeFileSync(s.file, encodePng(images[i], text));
      });
    }
    say(`wrote ${images.length} images to ${o.out}`, { out: o.out, classId, decoder, stage1, samples });
  });

program
  .command('tokenize')
  .description("PNG images -> their DiGIT token grids (centre square, resized to the pack's size)")
  .argument('<images...>', 'PNG files')
  .requiredOption('--pack <pack>', 'a listed id, a folder with pack.json, or a URL')
  .option('--out <file>', 'write the tokens as JSON to this file')
  .action(async (paths: string[], o) => {
    const files = await loadPack(o.pack);
    const engine = await Engine.fromFiles(files, 'wasm');
    const size = files.manifest.image.size;
    const out: { file: string; tokens: number[] }[] = [];
    try {
      for (const file of paths)
        out.push({ file, tokens: (await engine.tokenize(fitSquare(readPng(file), size))).tokens });
    } finally {
      await engine.dispose();
    }
    if (o.out) writeFileSync(o.out, `${JSON.stringify(out)}\n`);
    say(out.map((t) => `${t.file}: ${t.tokens.join(' ')}`).join('\n'), out);
  });

program.parseAsync().catch((e: Error) => {
  console.error(`digit: ${e.message}`);
  process.exit(1);
});
