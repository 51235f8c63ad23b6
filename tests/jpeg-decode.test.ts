import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../src/cli/image-file';
import { exifOrientation, orient } from '../src/workers/engine/jpeg-decode';

/** Fixtures made by tests/fixtures/images/make-images.py (Pillow); their source pixels are known. */
const fixture = (name: string) => readFileSync(`tests/fixtures/images/${name}`);

const cmykOf = (x: number, y: number) => {
  const [bx, by] = [Math.floor(x / 8), Math.floor(y / 8)];
  return [(bx * 70) % 256, (by * 70) % 256, ((bx + by) * 35) % 256, ((bx * 4 + by) * 17) % 256];
};
const rgbOf = (x: number, y: number) => [
  Math.trunc(127 + 127 * Math.sin(x / 3)),
  Math.trunc(127 + 127 * Math.cos(y / 2.5)),
  (x * 7 + y * 11) % 256,
];

describe('JPEG decoding (one decoder for Node and the browser)', () => {
  it('reads an Adobe CMYK JPEG as (1 − C)(1 − K), the way Chromium shows it', () => {
    const img = decodeImage(fixture('cmyk.jpg'), 'cmyk.jpg');
    expect([img.width, img.height]).toEqual([32, 32]);
    let worst = 0;
    // Block centres (2 px in from each edge of an 8×8 block), away from JPEG ringing at block borders.
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++) {
        if (x % 8 < 2 || x % 8 > 5 || y % 8 < 2 || y % 8 > 5) continue;
        const [c, m, yy, k] = cmykOf(x, y);
        const want = [c, m, yy].map((v) => ((255 - v) * (255 - k)) / 255);
        for (let ch = 0; ch < 3; ch++)
          worst = Math.max(worst, Math.abs(img.data[(y * 32 + x) * 4 + ch] - want[ch]));
      }
    // Quality 95 leaves a few levels of error; reading CMYK as not inverted would be off by up to 255.
    expect(worst).toBeLessThanOrEqual(4);
  });

  it('turns an EXIF-rotated JPEG upright, as the browser shows it', () => {
    const bytes = fixture('oriented6.jpg');
    expect(exifOrientation(bytes)).toBe(6);
    const img = decodeImage(bytes, 'oriented6.jpg');
    expect([img.width, img.height]).toEqual([48, 32]);
    const meanError = (flip: boolean) => {
      let sum = 0;
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 48; x++) {
          const want = flip ? rgbOf(47 - x, 31 - y) : rgbOf(x, y);
          for (let ch = 0; ch < 3; ch++) sum += Math.abs(img.data[(y * 48 + x) * 4 + ch] - want[ch]);
        }
      return sum / (48 * 32 * 3);
    };
    expect(meanError(false)).toBeLessThan(3);
    // Rotated the wrong way round (counter-clockwise) it would be the 180° turn of this.
    expect(meanError(true)).toBeGreaterThan(20);
  });

  it('maps all eight EXIF orientations', () => {
    // 3×2 image, pixel value = its index; the upright image of each orientation, by the EXIF definitions.
    const src = { width: 3, height: 2, data: Uint8Array.from({ length: 24 }, (_, i) => Math.floor(i / 4)) };
    const px = (o: number) => {
      const r = orient(src, o);
      return [r.width, r.height, ...Array.from({ length: r.width * r.height }, (_, i) => r.data[i * 4])];
    };
    // src: 0 1 2 / 3 4 5
    expect(px(1)).toEqual([3, 2, 0, 1, 2, 3, 4, 5]);
    expect(px(2)).toEqual([3, 2, 2, 1, 0, 5, 4, 3]); // mirrored
    expect(px(3)).toEqual([3, 2, 5, 4, 3, 2, 1, 0]); // 180°
    expect(px(4)).toEqual([3, 2, 3, 4, 5, 0, 1, 2]); // flipped
    expect(px(5)).toEqual([2, 3, 0, 3, 1, 4, 2, 5]); // transposed
    expect(px(6)).toEqual([2, 3, 3, 0, 4, 1, 5, 2]); // 90° clockwise
    expect(px(7)).toEqual([2, 3, 5, 2, 4, 1, 3, 0]); // transverse
    expect(px(8)).toEqual([2, 3, 2, 5, 1, 4, 0, 3]); // 90° counter-clockwise
  });
});
