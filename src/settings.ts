// Generation settings and their place in the URL, so a link reproduces a sample.
import type {
  BackendPreference,
  GenerationPath,
  LoadedPack,
  PackManifest,
  SamplingSettings,
} from '../workers/protocol';

export interface Settings {
  pack: string;
  classId: number | null;
  seed: number;
  batch: number;
  temperature: number;
  topK: number;
  topP: number;
  guidance: number;
  /** How tokens become pixels: a decoder of DiGIT tokens, or 'vq-gpt', the paper's baseline (the
   *  same GPT over VQ tokens, then the VQ decoder). */
  decoder: GenerationPath;
  backend: BackendPreference;
}

const KEYS: Record<keyof Settings, string> = {
  pack: 'pack',
  classId: 'class',
  seed: 'seed',
  batch: 'batch',
  temperature: 'temp',
  topK: 'topk',
  topP: 'topp',
  guidance: 'cfg',
  decoder: 'decoder',
  backend: 'backend',
};

export const MAX_BATCH = 16;

/** The loaded pack's own defaults for whatever the URL does not say. */
export function packDefaults({ manifest: m, stage1Defaults }: LoadedPack, pack: string): Settings {
  return {
    pack,
    classId: m.classes ? 0 : null,
    seed: 1,
    batch: 1,
    ...stage1Defaults,
    decoder: m.sampling.decoder ?? m.decoders[0],
    backend: 'auto',
  };
}

/** What the URL said of each setting it could not use, and what it should have said. */
export interface UrlProblem {
  key: string;
  value: string;
  want: string;
}

/** Settings named in the URL, and the values it gave that are out of range or unreadable (those
 *  are dropped, so the defaults stand; the caller says so). */
export function settingsFromUrl(search: string): { settings: Partial<Settings>; problems: UrlProblem[] } {
  const q = new URLSearchParams(search);
  const settings: Partial<Settings> = {};
  const problems: UrlProblem[] = [];
  const read = <K extends keyof Settings>(k: K, want: string, parse: (v: string) => Settings[K] | undefined) => {
    const v = q.get(KEYS[k]);
    if (v === null) return;
    const x = v.trim() === '' ? undefined : parse(v);
    if (x === undefined) problems.push({ key: KEYS[k], value: v, want });
    else settings[k] = x;
  };
  const num = (min: number, max: number, integer: boolean) => (v: string) => {
    const x = Number(v);
    return Number.isFinite(x) && x >= min && x <= max && (!integer || Number.isInteger(x)) ? x : undefined;
  };
  const oneOf =
    <T extends string>(...options: T[]) =>
    (v: string) =>
      options.find((o) => o === v);
  const pack = q.get(KEYS.pack);
  if (pack !== null) settings.pack = pack;
  read('classId', 'a class number from 0, or none', (v) => (v === 'none' ? null : num(0, 1e6, true)(v)));
  read('seed', 'a whole number from 0 to 4294967295', num(0, 0xffffffff, true));
  read('batch', `a whole number from 1 to ${MAX_BATCH}`, num(1, MAX_BATCH, true));
  read('temperature', 'a number from 0 to 10', num(0, 10, false));
  read('topK', 'a whole number from 0 (off)', num(0, 1e6, true));
  read('topP', 'a number above 0, at most 1', num(1e-6, 1, false));
  read('guidance', 'a number from 0 to 100', num(0, 100, false));
  read('decoder', 'direct, ar-vq or vq-gpt', oneOf<GenerationPath>('ar-vq', 'direct', 'vq-gpt'));
  read('backend', 'auto, webgpu or wasm', oneOf<BackendPreference>('auto', 'webgpu', 'wasm'));
  return { settings, problems };
}

/** One sentence for the user about the link settings that were not used. */
export function describeUrlProblems(problems: UrlProblem[]): string {
  const list = problems.map((p) => `${p.key}=${p.value} (${p.want})`).join('; ');
  return `This link's ${list} could not be used, so the pack's default stands for ${problems.length > 1 ? 'each' : 'it'}.`;
}

export function settingsToUrl(s: Settings): string {
  const q = new URLSearchParams();
  for (const [k, name] of Object.entries(KEYS) as [keyof Settings, string][]) {
    const v = s[k];
    q.set(name, v === null ? 'none' : String(v));
  }
  return `?${q}`;
}

/** The ways a pack can turn sampled tokens into pixels: its decoders of DiGIT tokens, and the
 *  paper's baseline where the pack ships the VQ-token GPT. */
export function generationPaths(m: PackManifest): GenerationPath[] {
  return [...m.decoders, ...(m.graphs.vq_stage1 && m.graphs.vq_decoder ? (['vq-gpt'] as const) : [])];
}

/** Settings in, settings for the engine out: a pack's class count and decoders bound them. */
export function fitToPack(s: Settings, m: PackManifest): Settings {
  const classes = m.classes?.length ?? 0;
  // trained without class dropout: no unconditional start token, so always a class, never guidance
  const classOnly = classes > 0 && m.class_dropout === false;
  const classId = s.classId ?? (classOnly ? 0 : null);
  return {
    ...s,
    classId: classes === 0 || classId === null ? null : Math.min(classId, classes - 1),
    guidance: classOnly ? 1 : s.guidance,
    topK: Math.min(s.topK, m.codebook.size), // top-k past the codebook keeps them all, as top-k = K does
    decoder: generationPaths(m).includes(s.decoder) ? s.decoder : m.decoders[0],
  };
}

/** The engine's stage-1 sampling settings (stage 2 runs on the pack's own). */
export function stage1Settings(s: Settings): SamplingSettings {
  return { temperature: s.temperature, topK: s.topK, topP: s.topP, guidance: s.guidance };
}
