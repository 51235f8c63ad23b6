import { describe, expect, it } from 'vitest';
import { resizeBilinear, weightedSum } from './map';

describe('the map and its resize', () => {
  it('sums maps with their weights, skipping zero weights', () => {
    expect(
      Array.from(
        weightedSum(
          [
            [1, 2],
            [10, 20],
          ],
          [0.5, 0],
          2,
        ),
      ),
    ).toEqual([0.5, 1]);
  });
  it('resizes with half-pixel centres and clamped edges', () => {
    // 1×2 grid [0, 1] to width 4: centres at x = −.25, .25, .75, 1.25 → clamp → 0, .25, .75, 1
    expect(Array.from(resizeBilinear([0, 1], 1, 2, 1, 4))).toEqual([0, 0.25, 0.75, 1]);
    // 2×2 to 2×2 is the identity
    expect(Array.from(resizeBilinear([1, 2, 3, 4], 2, 2, 2, 2))).toEqual([1, 2, 3, 4]);
    // a constant stays constant
    expect(new Set(resizeBilinear([5, 5, 5, 5], 2, 2, 7, 5))).toEqual(new Set([5]));
  });
});
