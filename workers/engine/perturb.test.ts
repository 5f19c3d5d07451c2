// The stability lab's disturbances: noise at the SNR asked for (as training/evaluation's
// add_noise defines it), seeded; blur and shift on the pixels.
import { describe, expect, it } from 'vitest';
import { addNoise, boxBlur, shift } from './perturb';

describe('disturbances', () => {
  const image = Float32Array.from({ length: 3 * 32 * 32 }, (_, i) => ((i * 37) % 255) / 255);

  it('noise has the power the SNR asks for, and a seed gives the same noise', () => {
    const signal = image.reduce((s, x) => s + x * x, 0) / image.length;
    for (const snr of [30, 10, 0.01]) {
      const noisy = addNoise(image, snr, 7);
      const noise = noisy.reduce((s, x, i) => s + (x - image[i]) ** 2, 0) / image.length;
      expect(10 * Math.log10(signal / noise)).toBeCloseTo(snr, 0); // within half a dB over 3072 draws
    }
    expect(addNoise(image, 10, 7)).toEqual(addNoise(image, 10, 7));
    expect(addNoise(image, 10, 8)).not.toEqual(addNoise(image, 10, 7));
  });

  const rgba = (w: number, h: number, f: (x: number, y: number) => number) => ({
    width: w,
    height: h,
    data: Uint8ClampedArray.from({ length: 4 * w * h }, (_, i) =>
      i % 4 === 3 ? 255 : f((i >> 2) % w, Math.floor((i >> 2) / w)),
    ),
  });

  it('a shift moves every pixel right and down, repeating the edge', () => {
    const img = rgba(4, 4, (x, y) => 10 * y + x);
    const moved = shift(img, 1);
    expect(moved.data[4 * (2 * 4 + 2)]).toBe(11); // (2, 2) holds what (1, 1) held
    expect(moved.data[0]).toBe(0); // the corner repeats
    expect(shift(img, 0).data).toEqual(img.data);
  });

  it('a blur averages each neighbourhood; radius 0 changes nothing', () => {
    const img = rgba(3, 3, (x, y) => (x === 1 && y === 1 ? 90 : 0));
    expect(boxBlur(img, 1).data[4 * 4]).toBe(10); // 90 spread over 9 pixels
    expect(boxBlur(img, 0)).toBe(img);
  });
});
