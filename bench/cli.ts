// npm run bench:cli -- [--pack fashion-mini] [--n 1000] [--batch 8] [--backend wasm|native] [--rounds 3]
// The command line against the engine it wraps: `digit generate` of n samples (a whole process:
// start, pack loading, the .npz written), its own in-loop rate, and the engine's images/s on the
// same backend, batch and settings in this process, taking turns: each CLI run is compared with
// the mean of the engine runs just before and just after it, so that a machine whose speed
// drifts (a shared one does, by 20% within minutes) hits both alike. Prints the ratios and
// writes bench/results/<date>-cli.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chooseBackend } from '../cli/runtime';
import { Engine } from '../workers/engine/engine';
import { readPack } from '../workers/engine/readPack';
import { fileSource } from '../workers/node/fileSource';
import { machine } from './machine';

const { values: opts } = parseArgs({
  options: {
    pack: { type: 'string', default: 'fashion-mini' },
    n: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '8' },
    backend: { type: 'string', default: 'wasm' },
    rounds: { type: 'string', default: '3' },
  },
});
const n = Number(opts.n);
const batch = Number(opts.batch);
// the bench's request (bench/run.ts): class 0, guidance off, the pack's decoder
const stage1 = { temperature: 1, topK: 0, topP: 0.9, guidance: 1 };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function engineRate(engine: Engine, decoder: 'direct' | 'ar-vq'): Promise<number> {
  const start = performance.now();
  for (let done = 0; done < n; done += batch) {
    await engine.generate({ classId: 0, seed: done, batch: Math.min(batch, n - done), stage1, decoder });
  }
  return n / ((performance.now() - start) / 1000);
}

function cliRun(out: string, decoder: string) {
  const args = ['bin/digit.mjs', '--json', '--backend', opts.backend, '--threads', '1', 'generate'];
  args.push('--pack', opts.pack, '--class', '0', '--n', `${n}`, '--batch', `${batch}`, '--decoder', decoder);
  args.push('--temperature', '1', '--top-k', '0', '--top-p', '0.9', '--guidance', '1', '--out', out);
  const start = performance.now();
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = (performance.now() - start) / 1000;
  if (run.status !== 0) throw new Error(`digit generate failed: ${run.stderr}`);
  return { whole: n / wall, loop: JSON.parse(run.stdout).images_per_s as number };
}

async function main() {
  const backend = await chooseBackend(opts.backend as 'wasm' | 'native', 1);
  const files = await readPack(fileSource(`public/models/${opts.pack}`));
  const decoder = files.manifest.sampling.decoder ?? files.manifest.decoders[0];
  const engine = await Engine.fromFiles(files, backend);
  await engine.generate({ classId: 0, seed: 0, batch, stage1, decoder }); // warm
  const dir = mkdtempSync(join(tmpdir(), 'digit-bench-cli-'));
  const rates = { engine: [] as number[], cli_whole: [] as number[], cli_loop: [] as number[] };
  try {
    rates.engine.push(await engineRate(engine, decoder));
    for (let round = 0; round < Number(opts.rounds); round++) {
      const cli = cliRun(join(dir, 'samples.npz'), decoder);
      rates.engine.push(await engineRate(engine, decoder));
      rates.cli_whole.push(cli.whole);
      rates.cli_loop.push(cli.loop);
      console.error(
        `[bench:cli] round ${round + 1}: CLI ${cli.whole.toFixed(2)} images/s (whole command), ${cli.loop.toFixed(2)} (its loop), between engine runs of ${rates.engine.at(-2)!.toFixed(2)} and ${rates.engine.at(-1)!.toFixed(2)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await engine.dispose();
  }
  const around = (i: number) => (rates.engine[i] + rates.engine[i + 1]) / 2;
  const where = machine();
  const summary = {
    date: new Date().toISOString().slice(0, 10),
    ...where,
    pack: opts.pack,
    backend,
    n,
    batch,
    decoder,
    engine_images_per_s: Number(median(rates.engine).toFixed(3)),
    cli_images_per_s_whole_command: Number(median(rates.cli_whole).toFixed(3)),
    cli_images_per_s_loop: Number(median(rates.cli_loop).toFixed(3)),
    // each CLI run over the mean of the engine runs around it
    cli_whole_over_engine: Number(median(rates.cli_whole.map((r, i) => r / around(i))).toFixed(3)),
    cli_loop_over_engine: Number(median(rates.cli_loop.map((r, i) => r / around(i))).toFixed(3)),
    rounds: rates,
  };
  console.log(
    `\nbench:cli: ${n} ${opts.pack} samples at batch ${batch} on ${backend}, ${where.cpu} (${where.cores} cores)\n` +
      `engine in this process  ${summary.engine_images_per_s} images/s\n` +
      `digit generate, whole   ${summary.cli_images_per_s_whole_command} images/s ` +
      `(median ratio ${summary.cli_whole_over_engine}x)\n` +
      `digit generate, loop    ${summary.cli_images_per_s_loop} images/s (median ratio ${summary.cli_loop_over_engine}x)`,
  );
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/${summary.date}-cli-${backend}.json`, `${JSON.stringify(summary, null, 1)}\n`);
  console.log(JSON.stringify(summary));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
