// Disturbances for the stability lab (paper Table 1 and beyond): the image a tokenizer sees,
// disturbed by Gaussian noise at a signal-to-noise ratio, a blur, or a shift by whole pixels.
// Noise is added to the float image the encoder takes, unclipped, as training/evaluation's
// add_noise does; blur and shift act on the RGBA pixels.
import type { RgbaImage } from './pixels';
import { Rng } from './rng';

export type Perturbation =
  | { kind: 'noise'; snrDb: number }
  /** JPEG at a quality from 1 to 100: the browser's encoder, so only the worker applies it. */
  | { kind: 'jpeg'; quality: number }
  | { kind: 'blur'; radius: number }
  | { kind: 'shift'; pixels: number }
  | { kind: 'none' };

/** Gaussian noise on a float image [C, H, W] at `snrDb` (noise power = mean signal power /
 *  10^(snr/10)), drawn from a seeded stream (Box-Muller on the sampler's RNG). */
export function addNoise(image: Float32Array, snrDb: number, seed: number): Float32Array {
  let power = 0;
  for (const x of image) power += x * x;
  const sigma = Math.sqrt(power / image.length / 10 ** (snrDb / 10));
  const rng = new Rng(seed);
  const out = new Float32Array(image.length);
  for (let i = 0; i < image.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng.uniform()));
    const t = 2 * Math.PI * rng.uniform();
    out[i] = image[i] + sigma * r * Math.cos(t);
    if (i + 1 < image.length) out[i + 1] = image[i + 1] + sigma * r * Math.sin(t);
  }
  return out;
}

/** A box blur of `radius` pixels (edges clamped); radius 0 leaves the image as it is. */
export function boxBlur(image: RgbaImage, radius: number): RgbaImage {
  const { width, height, data } = image;
  const r = Math.round(radius);
  if (r <= 0) return image;
  const out = new Uint8ClampedArray(data.length);
  const at = (x: number, y: number) =>
    4 * (Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x)));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 4; c++) {
        let sum = 0;
        for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) sum += data[at(x + dx, y + dy) + c];
        out[4 * (y * width + x) + c] = Math.round(sum / (2 * r + 1) ** 2);
      }
  return { width, height, data: out };
}

/** The image moved right (and down) by `pixels`, the edge row and column repeated. */
export function shift(image: RgbaImage, pixels: number): RgbaImage {
  const { width, height, data } = image;
  const p = Math.round(pixels);
  const out = new Uint8ClampedArray(data.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const from = 4 * (Math.max(0, y - p) * width + Math.max(0, x - p));
      out.set(data.subarray(from, from + 4), 4 * (y * width + x));
    }
  return { width, height, data: out };
}
