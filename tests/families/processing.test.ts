import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mropePositions, mropeSlice } from '../../src/workers/adapters/processing/mrope';
import { qwenPatches } from '../../src/workers/adapters/processing/patchify';
import { interpolatePlanes, resizeRgb } from '../../src/workers/adapters/processing/resample';
import { smartResize } from '../../src/workers/adapters/processing/smart-resize';
import {
  idefics3ImageText,
  resizeForVisionEncoder,
  resizeLongestEdge,
  tileLayout,
} from '../../src/workers/adapters/processing/tiling';
import { checkerImage } from './fixtures';

/** numpy-style view + permute of a row-major tensor, written out generically (independent of patchify.ts). */
function permute(data: Float32Array, dims: number[], order: number[]): Float32Array {
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
  const outDims = order.map((o) => dims[o]);
  const out = new Float32Array(data.length);
  const idx = new Array(dims.length).fill(0);
  for (let k = 0; k < out.length; k++) {
    let src = 0;
    for (let d = 0; d < order.length; d++) src += idx[d] * strides[order[d]];
    out[k] = data[src];
    for (let d = outDims.length - 1; d >= 0; d--) {
      if (++idx[d] < outDims[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

describe('Qwen patch flattening', () => {
  it('equals the processor’s view(t,T,C,h/m,m,p,w/m,m,p).permute(0,3,6,4,7,2,1,5,8) of the tiled frame', () => {
    const [gridH, gridW, P, M, T] = [4, 6, 3, 2, 2];
    const H = gridH * P;
    const W = gridW * P;
    const planes = Float32Array.from({ length: 3 * H * W }, (_, i) => i + 0.5);
    // np.tile(frame, (T, 1, 1, 1)): T identical frames [T][C][H][W].
    const frames = new Float32Array(T * planes.length);
    for (let t = 0; t < T; t++) frames.set(planes, t * planes.length);
    const ref = permute(frames, [1, T, 3, gridH / M, M, P, gridW / M, M, P], [0, 3, 6, 4, 7, 2, 1, 5, 8]);
    expect(qwenPatches(planes, { gridH, gridW, patch: P, merge: M, temporal: T })).toEqual(ref);
  });
});

describe('M-RoPE position ids', () => {
  const tokens = { imageTokenId: 9, visionStartId: 8 };
  it('counts text up on all rows, lays an image block over t, h, w and continues after its largest position', () => {
    // text text <vs> [image 2×3 merged: grid_thw [1, 4, 6] with merge 2] <ve> text
    const ids = [1, 2, 8, ...new Array(6).fill(9), 7, 3];
    const m = mropePositions(ids, [[1, 4, 6]], 2, tokens);
    expect(Array.from(m.rows[0])).toEqual([0, 1, 2, 3, 3, 3, 3, 3, 3, 6, 7]);
    expect(Array.from(m.rows[1])).toEqual([0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7]);
    expect(Array.from(m.rows[2])).toEqual([0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7]);
    expect(m.delta).toBe(8 - ids.length);
    expect(Array.from(mropeSlice(m, ids.length, 2), Number)).toEqual([8, 9, 8, 9, 8, 9]);
  });
  it('is plain counting without images, and refuses an image token outside a block', () => {
    const m = mropePositions([1, 2, 3], [], 2, tokens);
    expect(m.delta).toBe(0);
    expect(Array.from(m.rows[1])).toEqual([0, 1, 2]);
    expect(() => mropePositions([1, 9, 9], [[1, 2, 2]], 2, tokens)).toThrow(/does not follow/);
    expect(() => mropePositions([8, 9, 9], [[1, 4, 4]], 2, tokens)).toThrow(/needs 4 tokens/);
  });
});

describe('smart_resize', () => {
  it('gives multiples of the factor within the pixel bounds, close to the aspect ratio', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 16, max: 5000 }),
        fc.integer({ min: 16, max: 5000 }),
        fc.constantFrom(28, 32),
        (w, h, factor) => {
          fc.pre(Math.max(w, h) / Math.min(w, h) <= 50);
          const min = factor === 28 ? 3136 : 65536;
          const max = factor === 28 ? 1003520 : 16777216;
          const r = smartResize(h, w, factor, min, max);
          expect(r.width % factor).toBe(0);
          expect(r.height % factor).toBe(0);
          expect(r.width * r.height).toBeLessThanOrEqual(max);
          expect(r.width * r.height).toBeGreaterThanOrEqual(Math.min(min, factor * factor));
          const a = w / h;
          const b = r.width / r.height;
          expect(Math.abs(Math.log(a / b))).toBeLessThan(
            Math.log(1 + (2 * factor) / Math.min(r.width, r.height)) + 1e-9,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
  it('refuses an aspect ratio over 200:1 with one line that says so', () => {
    expect(() => smartResize(20, 4020, 28, 3136, 1003520)).toThrow(
      /aspect ratio of 201:1; the model takes at most 200:1/,
    );
  });
});

describe('resampling', () => {
  it('copies an image of the same size and keeps a flat image flat under every filter', () => {
    const img = checkerImage(40, 30);
    const same = resizeRgb(img, 40, 30, 'bicubic', false);
    expect(same[5 * 40 + 7]).toBe(img.data[(5 * 40 + 7) * 4]);
    const flat = { width: 50, height: 20, data: new Uint8Array(50 * 20 * 4).fill(77) };
    for (const f of ['nearest', 'bilinear', 'bicubic', 'lanczos3'] as const)
      for (const aa of [true, false])
        for (const [w, h] of [
          [17, 9],
          [113, 61],
        ])
          expect(resizeRgb(flat, w, h, f, aa).every((v) => v === 77)).toBe(true);
  });
  it('antialiases when asked: a 1-px stripe pattern halved becomes grey, sampled without it stays sharp', () => {
    const W = 64;
    const data = new Uint8Array(W * 4 * 4);
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < W; x++) data.set(x % 2 ? [255, 255, 255, 255] : [0, 0, 0, 255], (y * W + x) * 4);
    const img = { width: W, height: 4, data };
    const smooth = resizeRgb(img, W / 4, 4, 'bilinear', true).subarray(0, W / 4);
    expect(Math.max(...smooth) - Math.min(...smooth)).toBeLessThan(40);
    const sharp = resizeRgb(img, W / 3, 4, 'nearest', false).subarray(0, W / 3);
    expect(Math.max(...sharp) - Math.min(...sharp)).toBe(255);
  });
  it('bilinear float interpolation at ratio 2 averages neighbour pairs (half-pixel centres)', () => {
    const src = Float32Array.from([0, 2, 4, 6]);
    expect(Array.from(interpolatePlanes(src, 1, 4, 1, 2, 1))).toEqual([1, 5]);
  });
});

describe('Idefics3 tiling', () => {
  it('resizes to the longest edge, rounds up to tiles and writes the prompt rows', () => {
    expect(resizeLongestEdge(333, 1000, 2048)).toEqual({ width: 681, height: 2048 });
    expect(resizeForVisionEncoder(681, 2048, 512)).toEqual({ width: 1024, height: 2048 });
    const t = tileLayout(1024, 2048, 512);
    expect([t.rows, t.cols]).toEqual([4, 2]);
    const text = idefics3ImageText({ ...t, rows: 1, cols: 2 }, 2);
    expect(text).toBe(
      '<fake_token_around_image><row_1_col_1><image><image><fake_token_around_image><row_1_col_2><image><image>\n' +
        '\n<fake_token_around_image><global-img><image><image><fake_token_around_image>',
    );
    expect(tileLayout(512, 512, 512)).toMatchObject({ rows: 0, cols: 0 });
  });
});
