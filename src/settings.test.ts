import { describe, expect, it } from 'vitest';
import type { PackManifest } from '../workers/protocol';
import { fitToPack, type Settings, settingsFromUrl, settingsToUrl } from './settings';

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
    expect(settingsFromUrl(settingsToUrl(s))).toEqual(s);
    expect(settingsFromUrl(settingsToUrl({ ...s, classId: null })).classId).toBeNull();
  });

  it('drops values out of range instead of using them', () => {
    const got = settingsFromUrl('?seed=-1&batch=99&topp=0&temp=abc&decoder=gan&topk=2.5');
    expect(got).toEqual({});
  });
});

describe('fitting settings to a pack', () => {
  const pack = { classes: ['a', 'b', 'c'], decoders: ['ar-vq'], codebook: { size: 16 } } as unknown as PackManifest;

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
});
