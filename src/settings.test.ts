import { describe, expect, it } from 'vitest';
import { type Settings, settingsFromUrl, settingsToUrl } from './settings';

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
