import { describe, expect, it } from 'vitest';
import { type Board, boardFromJson, boardToJson } from './board';
import type { Settings } from './settings';

const settings: Settings = {
  pack: 'fixture-tiny',
  classId: 1,
  seed: 7,
  batch: 1,
  temperature: 1,
  topK: 0,
  topP: 0.9,
  guidance: 1,
  decoder: 'direct',
  backend: 'auto',
};
const image = { width: 2, height: 1, data: new Uint8ClampedArray([0, 10, 20, 255, 250, 128, 1, 255]) };

describe('board JSON', () => {
  it('round-trips pins and sweeps, images exactly', () => {
    const pin = { id: 'a', image, tokens: [1, 2], settings };
    const board: Board = {
      pins: [pin],
      sweeps: [{ id: 's', setting: 'temperature', values: [0.5, 1], seeds: [7], cells: [[pin, null]] }],
    };
    const back = boardFromJson(boardToJson(board));
    expect(back.pins[0].image.data).toEqual(image.data);
    expect(back.sweeps[0].cells[0][1]).toBeNull();
    expect(back.sweeps[0].cells[0][0]!.settings).toEqual(settings);
  });

  it('says what is wrong with a bad file', () => {
    expect(() => boardFromJson('nope')).toThrow(/not JSON/);
    expect(() => boardFromJson('{"format":"other"}')).toThrow(/not an exported DiGIT board/);
    const truncated = JSON.parse(boardToJson({ pins: [{ id: 'a', image, tokens: [], settings }], sweeps: [] }));
    truncated.pins[0].image.rgba = truncated.pins[0].image.rgba.slice(0, 4);
    expect(() => boardFromJson(JSON.stringify(truncated))).toThrow(/pin 1: the image data does not match 2×1/);
  });
});
