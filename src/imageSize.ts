// An image file's pixel size read from its header, before anything decodes it: a 20000×20000
// image must be refused with a message, not take the tab down while decoding.
export interface Size {
  width: number;
  height: number;
}

const ascii = (b: Uint8Array, at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n));

function jpegSize(b: Uint8Array, v: DataView): Size | null {
  for (let at = 2; at + 9 < b.length; ) {
    if (b[at] !== 0xff) return null;
    const marker = b[at + 1];
    const length = v.getUint16(at + 2);
    // start-of-frame markers carry the size (not DHT c4, JPG c8, DAC cc)
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: v.getUint16(at + 5), width: v.getUint16(at + 7) };
    }
    at += 2 + length;
  }
  return null;
}

/** The size the header claims, or null when the format is not recognised or the header is cut. */
export function imageSize(b: Uint8Array): Size | null {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length >= 24 && b[0] === 0x89 && ascii(b, 1, 3) === 'PNG')
    return { width: v.getUint32(16), height: v.getUint32(20) };
  if (b.length >= 10 && ascii(b, 0, 3) === 'GIF') return { width: v.getUint16(6, true), height: v.getUint16(8, true) };
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) return jpegSize(b, v);
  if (b.length >= 30 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') {
    const chunk = ascii(b, 12, 4);
    if (chunk === 'VP8X')
      return { width: 1 + (b[24] | (b[25] << 8) | (b[26] << 16)), height: 1 + (b[27] | (b[28] << 8) | (b[29] << 16)) };
    if (chunk === 'VP8L') {
      const bits = v.getUint32(21, true);
      return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
    }
    if (chunk === 'VP8 ') return { width: v.getUint16(26, true) & 0x3fff, height: v.getUint16(28, true) & 0x3fff };
  }
  return null;
}
