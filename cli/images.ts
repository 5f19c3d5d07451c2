// Images in and out of the CLI: PNG files (with the settings that made a sample in a text
// chunk, as the app writes them) and a contact sheet of many samples.
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { addPngText } from '../src/pngText';
import type { RgbaImage } from '../workers/engine/pixels';

export function encodePng(image: RgbaImage, text?: { keyword: string; value: string }): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data);
  const bytes = new Uint8Array(PNG.sync.write(png));
  return text ? addPngText(bytes, text.keyword, text.value) : bytes;
}

export function readPng(path: string): RgbaImage {
  let png: PNG;
  try {
    png = PNG.sync.read(readFileSync(path));
  } catch (e) {
    throw new Error(`${path} is not a PNG this tool can read (${(e as Error).message}); convert it to PNG first`);
  }
  return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data) };
}

/** Nearest-neighbour resize of a square crop to `size`×`size`: enough for pictures the pack's
 *  size already, and never blurs the ones that are. */
export function fitSquare(image: RgbaImage, size: number): RgbaImage {
  const side = Math.min(image.width, image.height);
  const x0 = Math.floor((image.width - side) / 2);
  const y0 = Math.floor((image.height - side) / 2);
  const data = new Uint8ClampedArray(4 * size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = x0 + Math.floor(((x + 0.5) * side) / size);
      const sy = y0 + Math.floor(((y + 0.5) * side) / size);
      data.set(image.data.subarray(4 * (sy * image.width + sx), 4 * (sy * image.width + sx) + 4), 4 * (y * size + x));
    }
  }
  return { width: size, height: size, data };
}

/** Images side by side, `cols` a row, on white. */
export function contactSheet(images: RgbaImage[], cols: number): RgbaImage {
  const { width: w, height: h } = images[0];
  const rows = Math.ceil(images.length / cols);
  const sheet = { width: cols * w, height: rows * h, data: new Uint8ClampedArray(4 * cols * w * rows * h).fill(255) };
  images.forEach((img, i) => {
    const ox = (i % cols) * w;
    const oy = Math.floor(i / cols) * h;
    for (let y = 0; y < h; y++) {
      sheet.data.set(img.data.subarray(4 * y * w, 4 * (y + 1) * w), 4 * ((oy + y) * sheet.width + ox));
    }
  });
  return sheet;
}
