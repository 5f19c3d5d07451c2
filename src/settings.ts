// Generation settings and their place in the URL, so a link reproduces a sample.
import type { BackendPreference, DecoderKind, LoadedPack, PackManifest, SamplingSettings } from '../workers/protocol';

export interface Settings {
  pack: string;
  classId: number | null;
  seed: number;
  batch: number;
  temperature: number;
  topK: number;
  topP: number;
  guidance: number;
  decoder: DecoderKind;
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

const num = (v: string | null, min: number, max: number, integer: boolean) => {
  if (v === null || v.trim() === '') return undefined;
  const x = Number(v);
  if (!Number.isFinite(x) || x < min || x > max || (integer && !Number.isInteger(x))) return undefined;
  return x;
};

/** Settings named in the URL; values out of range are dropped (the defaults stand). */
export function settingsFromUrl(search: string): Partial<Settings> {
  const q = new URLSearchParams(search);
  const out: Partial<Settings> = {};
  const set = <K extends keyof Settings>(k: K, v: Settings[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('pack', q.get(KEYS.pack) ?? undefined);
  const cls = q.get(KEYS.classId);
  set('classId', cls === 'none' ? null : num(cls, 0, 1e6, true));
  set('seed', num(q.get(KEYS.seed), 0, 0xffffffff, true));
  set('batch', num(q.get(KEYS.batch), 1, MAX_BATCH, true));
  set('temperature', num(q.get(KEYS.temperature), 0, 10, false));
  set('topK', num(q.get(KEYS.topK), 0, 1e6, true));
  set('topP', num(q.get(KEYS.topP), 1e-6, 1, false));
  set('guidance', num(q.get(KEYS.guidance), 0, 100, false));
  const dec = q.get(KEYS.decoder);
  if (dec === 'ar-vq' || dec === 'direct') out.decoder = dec;
  const be = q.get(KEYS.backend);
  if (be === 'auto' || be === 'webgpu' || be === 'wasm') out.backend = be;
  return out;
}

export function settingsToUrl(s: Settings): string {
  const q = new URLSearchParams();
  for (const [k, name] of Object.entries(KEYS) as [keyof Settings, string][]) {
    const v = s[k];
    q.set(name, v === null ? 'none' : String(v));
  }
  return `?${q}`;
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
    decoder: m.decoders.includes(s.decoder) ? s.decoder : m.decoders[0],
  };
}

/** The engine's stage-1 sampling settings (stage 2 runs on the pack's own). */
export function stage1Settings(s: Settings): SamplingSettings {
  return { temperature: s.temperature, topK: s.topK, topP: s.topP, guidance: s.guidance };
}
