import { describe, expect, it } from 'vitest';
import { connectedComponents8, spatialEntropy } from './entropy';

describe('spatial entropy S_I (Eq. 3)', () => {
  it('is 0 for a single peak', () => {
    expect(spatialEntropy([0, 0, 0, 0, 1, 0, 0, 0, 0], 3, 3)).toBe(0);
  });
  it('joins diagonal neighbours (8-connectivity)', () => {
    // (0,0) and (1,1) touch at a corner: one component under 8-connectivity, two under 4
    expect(
      connectedComponents8([true, false, false, false, true, false, false, false, false], 3, 3).count,
    ).toBe(1);
    expect(spatialEntropy([1, 0, 0, 0, 1, 0, 0, 0, 0], 3, 3)).toBe(0);
  });
  it('is ln 2 for two separate equal peaks', () => {
    // (0,0) and (0,2) are two cells apart: P = 1/2, 1/2 → −2·(½ ln ½) = ln 2
    expect(spatialEntropy([1, 0, 1, 0, 0, 0, 0, 0, 0], 3, 3)).toBeCloseTo(Math.log(2), 12);
  });
  it('weights components by their attention mass', () => {
    // mean 4/9; cells 3 and 1 are above it and apart: P = 3/4, 1/4
    // S_I = −(0.75 ln 0.75 + 0.25 ln 0.25) = 0.215762 + 0.346574 = 0.562335
    expect(spatialEntropy([3, 0, 1, 0, 0, 0, 0, 0, 0], 3, 3)).toBeCloseTo(0.5623351446, 9);
  });
  it('binarises strictly above the mean', () => {
    // values 2,1,1,0…: mean 4/9; all three non-zero cells are above it, (0,0)-(0,1)-(0,2) connected → 0
    expect(spatialEntropy([2, 1, 1, 0, 0, 0, 0, 0, 0], 3, 3)).toBe(0);
    // mean 0.75: only the two 1s are above it, and they touch diagonally
    expect(spatialEntropy([1, 0.5, 0.5, 1], 2, 2)).toBe(0); // (0,0) and (1,1) diagonal: one component
  });
  it('is ln(rows·cols) for a flat map', () => {
    expect(spatialEntropy(new Array(9).fill(0.2), 3, 3)).toBeCloseTo(Math.log(9), 12);
    expect(spatialEntropy(new Array(6).fill(0), 2, 3)).toBeCloseTo(Math.log(6), 12);
  });
  it('labels non-square grids row-major', () => {
    // 2 rows × 4 cols: (0,0) and (1,3) apart; (0,1) touches (0,0)
    const { labels, count } = connectedComponents8(
      [true, true, false, false, false, false, false, true],
      2,
      4,
    );
    expect(count).toBe(2);
    expect(labels[0]).toBe(labels[1]);
    expect(labels[7]).not.toBe(labels[0]);
  });
});
