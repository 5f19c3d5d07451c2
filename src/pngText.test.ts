import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { addPngText, crc32, readPngText } from './pngText';

const png = new Uint8Array(readFileSync('public/models/fixture-tiny/example.png'));

function chunks(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const out: { type: string; data: Uint8Array; crc: number }[] = [];
  for (let at = 8; at < bytes.length; ) {
    const length = view.getUint32(at);
    out.push({
      type: String.fromCharCode(...bytes.subarray(at + 4, at + 8)),
      data: bytes.subarray(at + 8, at + 8 + length),
      crc: view.getUint32(at + 8 + length),
    });
    at += 12 + length;
  }
  return out;
}

describe('PNG text chunks', () => {
  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('adds a tEXt chunk after IHDR with a valid CRC, leaving the image data intact', () => {
    const settings = JSON.stringify({ pack: 'fashion-mini', seed: 7, classId: 3 });
    const out = addPngText(png, 'digit-settings', settings);
    const list = chunks(out);
    expect(list.map((c) => c.type).slice(0, 2)).toEqual(['IHDR', 'tEXt']);
    const text = list[1];
    const typed = new Uint8Array([...new TextEncoder().encode('tEXt'), ...text.data]);
    expect(crc32(typed)).toBe(text.crc);
    const idat = (bytes: Uint8Array) =>
      inflateSync(
        Buffer.concat(
          chunks(bytes)
            .filter((c) => c.type === 'IDAT')
            .map((c) => c.data),
        ),
      );
    expect(idat(out).equals(idat(png))).toBe(true);
    expect(readPngText(out)).toEqual({ 'digit-settings': settings });
  });

  it('refuses what is not a PNG', () => {
    expect(() => addPngText(new Uint8Array([1, 2, 3]), 'k', 'v')).toThrow(/not a PNG/);
    expect(readPngText(new Uint8Array([1, 2, 3]))).toEqual({});
  });
});
