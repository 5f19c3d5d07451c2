// digit: the engine the app runs, from the command line (Node; onnxruntime-node's native CPU
// provider where installed, else onnxruntime-web's WASM, as in the app: --backend picks).
//   digit info <pack>                    what pack.json says, every file's size and sha256 checked
//   digit generate --pack P --out DIR|sheet.png|samples.npz [--class N|name] [--n 16] [--seed 0] …
//   digit tokenize <png…|folder> --pack P [--out tokens.json|tokens.npz]
//   digit reconstruct <png…|folder> --pack P --out DIR|sheet.png [--decoder direct|ar-vq]
// A pack is a listed id (public/models/<id>), a folder with pack.json, or its URL. Errors are one
// line on stderr and exit code 1; --json prints one JSON document on stdout for scripts.
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { Engine, type GenerationPath } from '../workers/engine/engine';
import type { PackManifest } from '../workers/engine/manifest';
import type { RgbaImage } from '../workers/engine/pixels';
import { type PackFiles, readPack } from '../workers/engine/readPack';
import { type SamplingSettings, settingsFromPack } from '../workers/engine/sampling';
import { contactSheet, encodePng, fitSquare, readPng } from './images';
import { writeNpz } from './npz';
import { packSource } from './packSources';
import { chooseBackend } from './runtime';

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
  .addOption(
    new Option('--backend <backend>', "native: onnxruntime-node (where installed); wasm: the app's runtime")
      .choices(['auto', 'native', 'wasm'])
      .default('auto'),
  )
  .option('--threads <n>', 'WASM threads (native uses every core)', (v) => integer(v) || 1, 1)
  .showHelpAfterError();

const json = () => Boolean(program.opts().json);
const say = (text: string, data: unknown) => console.log(json() ? JSON.stringify(data) : text);

async function loadPack(pack: string): Promise<PackFiles> {
  return readPack(packSource(pack));
}

/** An engine on a pack, on the backend the options ask for: only that backend's graphs are read
 *  (size and sha256 checked), and each session is created when a command first runs its graph. */
async function startEngine(pack: string): Promise<Engine> {
  const { backend: want, threads } = program.opts();
  const backend = await chooseBackend(want, threads);
  return Engine.fromFiles(await readPack(packSource(pack), { backend }), backend, undefined, { lazy: true });
}

/** PNG paths, a folder standing for the PNGs in it (sorted by name). */
function pngPaths(paths: string[]): string[] {
  return paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.toLowerCase().endsWith('.png'))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
}

/** Images as one uint8 array [N, H, W, C] with the pack's channels (C = 1: the red channel of
 *  the gray RGBA the engine writes). */
function imageArray(images: RgbaImage[], channels: number) {
  const { width, height } = images[0];
  const data = new Uint8Array(images.length * width * height * channels);
  images.forEach((img, n) => {
    for (let p = 0; p < width * height; p++)
      for (let c = 0; c < channels; c++) data[(n * width * height + p) * channels + c] = img.data[4 * p + c];
  });
  return { data, shape: [images.length, height, width, channels] };
}

const tokenArray = (rows: number[][]) => ({
  data: BigInt64Array.from(rows.flat(), (t) => BigInt(t)),
  shape: [rows.length, rows[0]?.length ?? 0],
});

/** Write images to a folder of PNGs (each with its settings, if given), a contact sheet (.png). */
function writeImages(out: string, images: RgbaImage[], names: string[], texts?: string[]) {
  if (out.toLowerCase().endsWith('.png')) {
    writeFileSync(out, encodePng(contactSheet(images, Math.ceil(Math.sqrt(images.length)))));
    return [];
  }
  mkdirSync(out, { recursive: true });
  return images.map((img, i) => {
    const file = join(out, names[i]);
    writeFileSync(file, encodePng(img, texts && { keyword: 'digit-settings', value: texts[i] }));
    return file;
  });
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
  .requiredOption(
    '--out <path>',
    'a folder for one PNG per image, a .png file for a contact sheet, or a .npz file (images uint8 [N, H, W, C], ' +
      'labels, seeds, tokens)',
  )
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
    const engine = await startEngine(o.pack);
    const m = engine.manifest;
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
    const started = performance.now();
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
    const seconds = (performance.now() - started) / 1000;
    const settings = (seed: number) => ({ pack: o.pack, classId, seed, batch: 1, ...stage1, decoder });
    if (o.out.toLowerCase().endsWith('.npz')) {
      writeNpz(o.out, {
        images: imageArray(images, m.image.channels),
        labels: { data: new BigInt64Array(images.length).fill(BigInt(classId ?? -1)), shape: [images.length] },
        seeds: { data: BigInt64Array.from(samples, (s) => BigInt(s.seed)), shape: [images.length] },
        tokens: tokenArray(samples.map((s) => s.tokens)),
      });
    } else {
      const files = writeImages(
        o.out,
        images,
        samples.map((s) => `${m.id}-seed${s.seed}.png`),
        samples.map((s) => JSON.stringify(settings(s.seed))),
      );
      files.forEach((file, i) => {
        samples[i].file = file;
      });
    }
    const rate = images.length / seconds;
    say(`wrote ${images.length} images to ${o.out} (${rate.toFixed(2)} images/s on ${engine.backend})`, {
      out: o.out,
      classId,
      decoder,
      stage1,
      backend: engine.backend,
      seconds: Number(seconds.toFixed(3)),
      images_per_s: Number(rate.toFixed(3)),
      samples,
    });
  });

/** Each PNG's DiGIT tokens, through a freshly loaded engine; `then` runs before it is released. */
async function withTokens<T>(
  paths: string[],
  pack: string,
  then: (engine: Engine, tokens: number[][], m: PackManifest) => Promise<T>,
): Promise<T> {
  const engine = await startEngine(pack);
  const size = engine.manifest.image.size;
  try {
    const tokens: number[][] = [];
    for (const file of paths) tokens.push((await engine.tokenize(fitSquare(readPng(file), size))).tokens);
    return await then(engine, tokens, engine.manifest);
  } finally {
    await engine.dispose();
  }
}

program
  .command('tokenize')
  .description("PNG images -> their DiGIT token grids (centre square, resized to the pack's size)")
  .argument('<images...>', 'PNG files, or folders of them')
  .requiredOption('--pack <pack>', 'a listed id, a folder with pack.json, or a URL')
  .option('--out <file>', 'write the tokens to this file: .json, or .npz (tokens int64 [N, P], files)')
  .action(async (inputs: string[], o) => {
    const paths = pngPaths(inputs);
    const tokens = await withTokens(paths, o.pack, async (_, t) => t);
    const out = paths.map((file, i) => ({ file, tokens: tokens[i] }));
    if (o.out?.toLowerCase().endsWith('.npz')) {
      writeNpz(o.out, { tokens: tokenArray(tokens), files: { data: paths, shape: [paths.length] } });
    } else if (o.out) writeFileSync(o.out, `${JSON.stringify(out)}\n`);
    say(out.map((t) => `${t.file}: ${t.tokens.join(' ')}`).join('\n'), out);
  });

program
  .command('reconstruct')
  .description('PNG images -> their DiGIT tokens -> pixels again through a decoder (what the tokens keep)')
  .argument('<images...>', 'PNG files, or folders of them')
  .requiredOption('--pack <pack>', 'a listed id, a folder with pack.json, or a URL')
  .requiredOption('--out <path>', 'a folder for one PNG per image, or a .png file for a contact sheet')
  .addOption(new Option('--decoder <decoder>', "the pixel decoder (default: the pack's)").choices(['direct', 'ar-vq']))
  .option('--seed <seed>', 'the seed of stage 2 (ar-vq samples the VQ tokens)', integer, 0)
  .action(async (inputs: string[], o) => {
    const paths = pngPaths(inputs);
    const { images, decoder } = await withTokens(paths, o.pack, async (engine, tokens, m) => {
      const chosen = (o.decoder ?? m.sampling.decoder ?? m.decoders[0]) as 'direct' | 'ar-vq';
      if (!m.decoders.includes(chosen))
        throw new Error(`this pack has no '${chosen}' decoder (${m.decoders.join(', ')})`);
      const images: RgbaImage[] = [];
      for (const t of tokens) images.push(await engine.reconstruct(t, chosen, o.seed));
      return { images, decoder: chosen };
    });
    const names = paths.map((p) => `${basename(p).replace(/\.png$/i, '')}-${decoder}.png`);
    const files = writeImages(o.out, images, names);
    say(`rebuilt ${images.length} images through the ${decoder} decoder into ${o.out}`, {
      out: o.out,
      decoder,
      files,
    });
  });

program.parseAsync().catch((e: Error) => {
  console.error(`digit: ${e.message}`);
  process.exit(1);
});
