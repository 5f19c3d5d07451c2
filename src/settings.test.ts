import { describe, expect, it } from 'vitest';
import type { PackManifest } from '../workers/protocol';
import {
  describeUrlProblems,
  fitToPack,
  generationPaths,
  type Settings,
  settingsFromUrl,
  settingsToUrl,
} from './settings';

const s: Settings = {
  pack: 'fixture-tiny',
  classId: 1,
  seed: 7,
  batch: 2,
  temperature: 1,
  topK: 8,
  topP: 0.9,
  guidance: 1.5,
  decoder: 'ar-vq',
  backend: 'wasm',
};

describe('settings in the URL', () => {
  it('round-trips', () => {
    expect(settingsFromUrl(settingsToUrl(s))).toEqual({ settings: s, problems: [] });
    expect(settingsFromUrl(settingsToUrl({ ...s, classId: null })).settings.classId).toBeNull();
  });

  it('drops values out of range and names each one with what it should be', () => {
    const { settings, problems } = settingsFromUrl('?seed=-1&batch=100000&topp=0&temp=NaN&decoder=gan&topk=2.5');
    expect(settings).toEqual({});
    expect(problems.map((p) => `${p.key}=${p.value}`)).toEqual([
      'seed=-1',
      'batch=100000',
      'temp=NaN',
      'topk=2.5',
      'topp=0',
      'decoder=gan',
    ]);
    expect(describeUrlProblems(problems.slice(0, 2))).toBe(
      "This link's seed=-1 (a whole number from 0 to 4294967295); batch=100000 (a whole number from 1 to 16) " +
        "could not be used, so the pack's default stands for each.",
    );
  });
});

describe('fitting settings to a pack', () => {
  const pack = {
    classes: ['a', 'b', 'c'],
    decoders: ['ar-vq'],
    codebook: { size: 16 },
    graphs: {},
  } as unknown as PackManifest;

  it('caps top-k at the codebook size, which keeps every code just the same', () => {
    expect(fitToPack({ ...s, topK: 300 }, pack).topK).toBe(16);
    expect(fitToPack({ ...s, topK: 8 }, pack).topK).toBe(8);
  });

  it('keeps unconditional sampling and guidance where the pack was trained with class dropout', () => {
    expect(fitToPack({ ...s, classId: null }, pack)).toMatchObject({ classId: null, guidance: 1.5 });
  });

  it('always picks a class and drops guidance for a pack trained without class dropout', () => {
    const official = { ...pack, class_dropout: false } as PackManifest;
    expect(fitToPack({ ...s, classId: null }, official)).toMatchObject({ classId: 0, guidance: 1 });
    expect(fitToPack({ ...s, classId: 7 }, official)).toMatchObject({ classId: 2, guidance: 1 });
  });

  it("offers the paper's baseline path only where the pack ships the VQ-token GPT and the VQ decoder", () => {
    expect(fitToPack({ ...s, decoder: 'vq-gpt' }, pack).decoder).toBe('ar-vq');
    const withBaseline = { ...pack, graphs: { vq_stage1: {}, vq_decoder: {} } } as unknown as PackManifest;
    expect(generationPaths(withBaseline)).toEqual(['ar-vq', 'vq-gpt']);
    expect(fitToPack({ ...s, decoder: 'vq-gpt' }, withBaseline).decoder).toBe('vq-gpt');
    expect(settingsFromUrl('?decoder=vq-gpt').settings.decoder).toBe('vq-gpt');
  });
});
