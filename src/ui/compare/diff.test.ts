import { describe, expect, it } from 'vitest';
import { difference, findToken, onImage, scaled, tokenKey, WHOLE } from './diff';

const gen = (...texts: string[]) => texts.map((text) => ({ text }));

describe('two runs compared', () => {
  it('finds the same token by its text and its place among equal texts', () => {
    const a = gen('<think>', '▁the', '▁scratch', '▁on', '▁the', '▁edge');
    const b = gen('<think>', '▁a', '▁the', '▁crack', '▁the', '▁the');
    expect(tokenKey(a, 4)).toEqual({ text: '▁the'.trim(), occurrence: 1 });
    expect(findToken(b, tokenKey(a, 4)!)).toBe(4);
    expect(findToken(b, tokenKey(a, 1)!)).toBe(2);
    // B has no "scratch": nothing to show there.
    expect(findToken(b, tokenKey(a, 2)!)).toBeNull();
    // And back: B's third "the" has no match in A, which has two.
    expect(findToken(a, tokenKey(b, 5)!)).toBeNull();
  });

  it('takes B − A on the grid when both share it', () => {
    const d = difference(
      { map: [0, 1, 2, 3], rows: 2, cols: 2, box: WHOLE },
      { map: [3, 2, 1, 0], rows: 2, cols: 2, box: WHOLE },
      'min-max',
      10,
      10,
    );
    expect(d.on).toBe('grid');
    expect([...d.values].map((v) => +v.toFixed(12))).toEqual(
      [1, 1 / 3, -1 / 3, -1].map((v) => +v.toFixed(12)),
    );
    expect(d.maxAbs).toBeCloseTo(1, 12);
    expect([...scaled([2, 4], 'raw')]).toEqual([2, 4]);
  });

  it('takes it over the image when the grids differ: each map upsampled there first', () => {
    // A 2 × 2 grid hot in its top-left cell, a 4 × 4 grid hot in its top-left 2 × 2: the same place.
    const a = { map: [1, 0, 0, 0], rows: 2, cols: 2, box: WHOLE };
    const b = { map: [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], rows: 4, cols: 4, box: WHOLE };
    const d = difference(a, b, 'min-max', 8, 8);
    expect(d.on).toBe('image');
    expect([d.rows, d.cols]).toEqual([8, 8]);
    const ia = onImage(a, 8, 8);
    const ib = onImage(b, 8, 8);
    for (let i = 0; i < 64; i++) expect(d.values[i]).toBeCloseTo(ib[i] - ia[i], 6);
    // Both hot top-left: the corner pixel is 1 in both, so the difference there is 0.
    expect(d.values[0]).toBeCloseTo(0, 6);
    // A map over half the image (a tile's box) leaves the other half undefined.
    const half = onImage({ map: [1], rows: 1, cols: 1, box: [0, 0, 0.5, 1] }, 8, 8);
    expect(half[0]).toBe(1);
    expect(Number.isNaN(half[7])).toBe(true);
  });
});
