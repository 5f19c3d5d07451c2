// The Compare board: pinned samples and sweeps (one setting across columns, seeds down rows).
// It is kept in IndexedDB, so it survives a reload, and travels as JSON.
import type { RgbaImage } from '../workers/protocol';
import { loadValue, saveValue } from './persist';
import type { Settings } from './settings';

export interface Pin {
  id: string;
  image: RgbaImage;
  tokens: number[];
  settings: Settings;
  /** The class's name in the pack that made it (null: unconditional); absent on boards kept
   *  before names were recorded. */
  className?: string | null;
}

/** What a sample shows as its class: the name its own pack gave it, never the loaded pack's. */
export function classCaption(p: Pick<Pin, 'settings' | 'className'>): string {
  if (p.className !== undefined && p.className !== null) return p.className;
  return p.settings.classId === null ? 'unconditional' : `class ${p.settings.classId}`;
}

export const SWEEP_SETTINGS = ['temperature', 'topK', 'topP', 'guidance', 'decoder', 'classId', 'pack'] as const;
export type SweepSetting = (typeof SWEEP_SETTINGS)[number];

export interface Sweep {
  id: string;
  setting: SweepSetting;
  values: Settings[SweepSetting][];
  /** One row per seed; cells[row][column] stays null until it is generated. */
  seeds: number[];
  cells: (Pin | null)[][];
}

export interface Board {
  pins: Pin[];
  sweeps: Sweep[];
}

export const emptyBoard = (): Board => ({ pins: [], sweeps: [] });

export async function loadBoard(): Promise<Board> {
  return (await loadValue<Board>('board')) ?? emptyBoard();
}

export const saveBoard = (board: Board) => saveValue('board', board);

// JSON: images as base64 RGBA, so an exported board imports back exactly.
const toBase64 = (bytes: Uint8ClampedArray) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
const fromBase64 = (text: string) => Uint8ClampedArray.from(atob(text), (c) => c.charCodeAt(0));

type JsonImage = { width: number; height: number; rgba: string };
const imageToJson = (img: RgbaImage): JsonImage => ({
  width: img.width,
  height: img.height,
  rgba: toBase64(img.data),
});

function imageFromJson(j: JsonImage, where: string): RgbaImage {
  const ok = j && Number.isInteger(j.width) && Number.isInteger(j.height) && typeof j.rgba === 'string';
  if (!ok) throw new Error(`${where}: the image needs width, height and rgba`);
  const data = fromBase64(j.rgba);
  if (data.length !== 4 * j.width * j.height)
    throw new Error(`${where}: the image data does not match ${j.width}×${j.height}`);
  return { width: j.width, height: j.height, data };
}

const pinToJson = (p: Pin) => ({ ...p, image: imageToJson(p.image) });

function pinFromJson(p: ReturnType<typeof pinToJson>, where: string): Pin {
  if (!p || typeof p.id !== 'string' || !Array.isArray(p.tokens) || typeof p.settings !== 'object') {
    throw new Error(`${where} needs id, tokens, settings and image`);
  }
  return { ...p, image: imageFromJson(p.image, where) };
}

export function boardToJson(board: Board): string {
  return JSON.stringify({
    format: 'digit-board-1',
    pins: board.pins.map(pinToJson),
    sweeps: board.sweeps.map((s) => ({ ...s, cells: s.cells.map((row) => row.map((c) => c && pinToJson(c))) })),
  });
}

/** Parse an exported board; throws an error naming what is wrong. */
export function boardFromJson(text: string): Board {
  let j: { format?: string; pins?: unknown[]; sweeps?: Sweep[] };
  try {
    j = JSON.parse(text);
  } catch {
    throw new Error('the file is not JSON; export a board first and import that file');
  }
  if (j?.format !== 'digit-board-1') throw new Error('the file is not an exported DiGIT board (format digit-board-1)');
  if (!Array.isArray(j.pins) || !Array.isArray(j.sweeps)) throw new Error('the board needs pins and sweeps lists');
  return {
    pins: j.pins.map((p, i) => pinFromJson(p as ReturnType<typeof pinToJson>, `pin ${i + 1}`)),
    sweeps: j.sweeps.map((s, i) => {
      if (!SWEEP_SETTINGS.includes(s.setting) || !Array.isArray(s.values) || !Array.isArray(s.cells)) {
        throw new Error(`sweep ${i + 1} needs a setting, values and cells`);
      }
      return {
        ...s,
        cells: s.cells.map((row, r) =>
          row.map(
            (c, col) =>
              c &&
              pinFromJson(c as unknown as ReturnType<typeof pinToJson>, `sweep ${i + 1}, cell ${r + 1}.${col + 1}`),
          ),
        ),
      };
    }),
  };
}
