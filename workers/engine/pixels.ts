// Conversions between RGBA images and the graphs' float tensors [B, C, H, W].

export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray; // RGBA, row-major
}

/** RGBA (already at the pack's size) -> [1, C, S, S] in [0, 1]; one channel reads luma. */
export function rgbaToTensorData(image: RgbaImage, channels: number): Float32Array {
  const { width, height, data } = image;
  const plane = width * height;
  const out = new Float32Array(channels * plane);
  for (let p = 0; p < plane; p++) {
    const [r, g, b] = [data[4 * p], data[4 * p + 1], data[4 * p + 2]];
    if (channels === 1) out[p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b) / 255;
    else {
      out[p] = r / 255;
      out[plane + p] = g / 255;
      out[2 * plane + p] = b / 255;
    }
  }
  return out;
}

/** Decoder output x -> uint8 as the reference does: clip(x * 255, 0, 255), truncated.
 *  Math.fround makes the product the float32 one PyTorch computes. */
const toByte = (x: number) => Math.trunc(Math.min(255, Math.max(0, Math.fround(x * 255))));

/** Image `index` of a decoder output [B, C, S, S] -> RGBA (one channel is replicated). */
export function tensorDataToRgba(data: Float32Array, index: number, channels: number, size: number): RgbaImage {
  const plane = size * size;
  const base = index * channels * plane;
  const rgba = new Uint8ClampedArray(4 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) rgba[4 * p + c] = toByte(data[base + (channels === 1 ? 0 : c) * plane + p]);
    rgba[4 * p + 3] = 255;
  }
  return { width: size, height: size, data: rgba };
}
