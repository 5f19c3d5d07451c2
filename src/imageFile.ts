// A user's image file -> RGBA at the pack's input size (centre square crop, then resize).
import type { RgbaImage } from '../workers/protocol';
import { imageSize } from './imageSize';

export class ImageInputError extends Error {
  override name = 'ImageInputError';
}

const ACCEPTED = 'PNG, JPEG, WebP or GIF';
// Formats most browsers cannot decode (some can: they are tried first).
const RARELY_DECODED: Record<string, string> = {
  'image/tiff': 'TIFF',
  'image/heic': 'HEIC',
  'image/heif': 'HEIF',
  'image/jxl': 'JPEG XL',
};
// Beyond this, decoding alone needs hundreds of MB (a 20000×20000 image is 1.6 GB of RGBA).
const MAX_SIDE = 8192;
const MAX_PIXELS = 40e6;

/** The user's picture and the centred square that was cut from it. */
export interface Crop {
  width: number;
  height: number;
  x: number;
  y: number;
  side: number;
}

export async function fileToRgba(file: File, size: number): Promise<{ image: RgbaImage; crop: Crop }> {
  const name = file.name || 'the pasted data';
  if (file.size === 0) throw new ImageInputError(`${name} is empty. Choose a ${ACCEPTED} image.`);
  if (file.type === 'image/svg+xml') {
    throw new ImageInputError(`${name} is an SVG drawing; export it as PNG first.`);
  }
  if (!file.type.startsWith('image/')) {
    throw new ImageInputError(
      `${name} is not an image (type ${file.type || 'unknown'}). ` + `Choose a ${ACCEPTED} image.`,
    );
  }
  const claimed = imageSize(new Uint8Array(await file.slice(0, 256 * 1024).arrayBuffer()));
  if (
    claimed &&
    (claimed.width > MAX_SIDE || claimed.height > MAX_SIDE || claimed.width * claimed.height > MAX_PIXELS)
  ) {
    throw new ImageInputError(
      `${name} is ${claimed.width}×${claimed.height} pixels; the largest this page ` +
        `decodes is ${MAX_SIDE}×${MAX_SIDE} (${MAX_PIXELS / 1e6} megapixels). Shrink it first.`,
    );
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    const format = RARELY_DECODED[file.type];
    if (format) {
      throw new ImageInputError(
        `${name} is a ${format} image, which this browser cannot decode. Convert it to PNG or JPEG first.`,
      );
    }
    throw new ImageInputError(
      `${name} could not be decoded: it is corrupt, truncated or not ` +
        `really ${file.type}. Choose a ${ACCEPTED} image.`,
    );
  }
  const side = Math.min(bitmap.width, bitmap.height);
  const crop = {
    width: bitmap.width,
    height: bitmap.height,
    x: (bitmap.width - side) / 2,
    y: (bitmap.height - side) / 2,
    side,
  };
  const canvas = new OffscreenCanvas(size, size);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, crop.x, crop.y, side, side, 0, 0, size, size);
  bitmap.close();
  const { data } = ctx.getImageData(0, 0, size, size);
  return { image: { width: size, height: size, data }, crop };
}
