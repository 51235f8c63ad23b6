import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { imageSizeFromHeader } from './image-header';
import { resizeRgb, toPixelValues } from './image';

describe('image size from the header', () => {
  it('reads PNG and JPEG sizes without decoding', () => {
    const png = PNG.sync.write(
      Object.assign(new PNG({ width: 37, height: 21 }), { data: Buffer.alloc(37 * 21 * 4) }),
    );
    expect(imageSizeFromHeader(png)).toEqual({ width: 37, height: 21 });
    const jpg = jpeg.encode({ width: 33, height: 17, data: Buffer.alloc(33 * 17 * 4) }, 80).data;
    expect(imageSizeFromHeader(jpg)).toEqual({ width: 33, height: 17 });
    expect(imageSizeFromHeader(new TextEncoder().encode('GIF89a…'))).toBeNull();
  });
});

describe('preprocessing', () => {
  it('resizes with half-pixel centres and normalises per channel', () => {
    // 2×1 RGBA: red 0 and 200 → width 4: samples at −.25, .25, .75, 1.25 → clamp → 0, 50, 150, 200
    const img = { width: 2, height: 1, data: Uint8Array.from([0, 0, 0, 255, 200, 100, 50, 255]) };
    expect(Array.from(resizeRgb(img, 4, 1).subarray(0, 4))).toEqual([0, 50, 150, 200]);
    // (v/255 − 0.5)/0.25 for v = 255: 2
    const white = { width: 16, height: 16, data: new Uint8Array(16 * 16 * 4).fill(255) };
    const px = toPixelValues(white, {
      width: 4,
      height: 4,
      rescale: 1 / 255,
      mean: [0.5, 0.5, 0.5],
      std: [0.25, 0.25, 0.25],
    });
    expect(px).toHaveLength(48);
    expect(new Set(Array.from(px, (v) => Math.round(v * 1e6) / 1e6))).toEqual(new Set([2]));
  });
});
