import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { imageSize } from './imageSize';

describe('imageSize', () => {
  it('reads a PNG header', () => {
    expect(imageSize(new Uint8Array(readFileSync('public/models/fixture-tiny/example.png')))).toEqual({
      width: 32,
      height: 32,
    });
  });

  it('reads GIF, JPEG and WebP (VP8X) headers', () => {
    const gif = new Uint8Array([...'GIF89a'].map((c) => c.charCodeAt(0)).concat([0x20, 0x4e, 0x10, 0x27]));
    expect(imageSize(gif)).toEqual({ width: 20000, height: 10000 });
    const jpeg = new Uint8Array([
      0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 0x4e, 0x20, 0x27, 0x10, 3, 0, 0,
    ]);
    expect(imageSize(jpeg)).toEqual({ width: 10000, height: 20000 });
    const webp = new Uint8Array(30);
    webp.set(
      [...'RIFF'].map((c) => c.charCodeAt(0)),
      0,
    );
    webp.set(
      [...'WEBPVP8X'].map((c) => c.charCodeAt(0)),
      8,
    );
    webp.set([0x1f, 0x4e, 0, 0x0f, 0x27, 0], 24); // 20000 - 1, 10000 - 1
    expect(imageSize(webp)).toEqual({ width: 20000, height: 10000 });
  });

  it('says nothing for what it does not know', () => {
    expect(imageSize(new Uint8Array([1, 2, 3]))).toBeNull();
  });
});
