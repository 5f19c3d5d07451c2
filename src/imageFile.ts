// A user's image file -> RGBA at the pack's input size (centre square crop, then resize).
import type { RgbaImage } from '../workers/engine/pixels';

export class ImageInputError extends Error {
  override name = 'ImageInputError';
}

const ACCEPTED = 'PNG, JPEG, WebP or GIF';

export async function fileToRgba(file: File, size: number): Promise<RgbaImage> {
  const name = file.name || 'the pasted data';
  if (file.size === 0) throw new ImageInputError(`${name} is empty. Choose a ${ACCEPTED} image.`);
  if (file.type === 'image/svg+xml') {
    throw new ImageInputError(`${name} is an SVG drawing; export it as PNG first.`);
  }
  if (!file.type.startsWith('image/')) {
    throw new ImageInputError(`${name} is not an image (type ${file.type || 'unknown'}). ` +
      `Choose a ${ACCEPTED} image.`);
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new ImageInputError(`${name} could not be decoded: it is corrupt, truncated or not ` +
      `really ${file.type}. Choose a ${ACCEPTED} image.`);
  }
  const side = Math.min(bitmap.width, bitmap.height);
  const canvas = new OffscreenCanvas(size, size);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, size, size);
  bitmap.close();
  const { data } = ctx.getImageData(0, 0, size, size);
  return { width: size, height: size, data };
}
