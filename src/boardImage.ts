// The whole Compare board as one picture: the pins in a row, then each sweep as a grid.
import type { RgbaImage } from '../workers/protocol';
import type { Board } from './board';

const CELL = 96;
const GAP = 8;
const LABEL = 16;

function draw(ctx: CanvasRenderingContext2D, image: RgbaImage, x: number, y: number) {
  const tile = document.createElement('canvas');
  tile.width = image.width;
  tile.height = image.height;
  tile
    .getContext('2d')!
    .putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tile, x, y, CELL, CELL);
}

export function renderBoard(board: Board): HTMLCanvasElement {
  const columns = Math.max(1, board.pins.length, ...board.sweeps.map((s) => s.values.length));
  const rows = (board.pins.length ? 1 : 0) + board.sweeps.reduce((n, s) => n + s.seeds.length, 0);
  const canvas = document.createElement('canvas');
  canvas.width = columns * (CELL + GAP) + GAP;
  canvas.height = Math.max(1, rows) * (CELL + GAP + LABEL) + GAP + board.sweeps.length * LABEL;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#000';
  ctx.font = '11px sans-serif';
  let y = GAP;
  board.pins.forEach((pin, i) => {
    const x = GAP + i * (CELL + GAP);
    draw(ctx, pin.image, x, y);
    ctx.fillText(`seed ${pin.settings.seed}`, x, y + CELL + 12);
  });
  if (board.pins.length) y += CELL + GAP + LABEL;
  for (const sweep of board.sweeps) {
    for (const [c, v] of sweep.values.entries()) ctx.fillText(`${sweep.setting} ${v}`, GAP + c * (CELL + GAP), y + 11);
    y += LABEL;
    for (const row of sweep.cells) {
      for (const [c, cell] of row.entries()) if (cell) draw(ctx, cell.image, GAP + c * (CELL + GAP), y);
      y += CELL + GAP + LABEL;
    }
  }
  return canvas;
}
