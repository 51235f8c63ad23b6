import { describe, expect, it } from 'vitest';
import { minMax, minMaxInverted } from './normalize';
import { median, percentile } from './stats';
import { kneeThreshold, threshold } from './thresholds';

describe('min–max normalisation', () => {
  it('maps min to 0 and max to 1, and inverts for entropy', () => {
    // (0.3−0.1)/(0.5−0.1) = 0.5
    const up = minMax([0.1, 0.3, 0.5]);
    [0, 0.5, 1].forEach((v, i) => expect(up[i]).toBeCloseTo(v, 12));
    // (0.5−0.3)/(0.5−0.1) = 0.5; the lowest entropy becomes 1
    const down = minMaxInverted([0.1, 0.3, 0.5]);
    [1, 0.5, 0].forEach((v, i) => expect(down[i]).toBeCloseTo(v, 12));
  });
  it('gives 1 everywhere when max = min', () => {
    expect(Array.from(minMax([0.2, 0.2]))).toEqual([1, 1]);
    expect(Array.from(minMaxInverted([0.7]))).toEqual([1]);
  });
});

describe('median and percentile', () => {
  it('takes the mean of the two middle values for an even count', () => {
    // sorted 0.1 0.2 0.4 0.9 → (0.2 + 0.4)/2 = 0.3
    expect(median([0.1, 0.4, 0.2, 0.9])).toBeCloseTo(0.3, 12);
    expect(median([3, 1, 2])).toBe(2);
  });
  it('interpolates percentiles linearly like numpy', () => {
    // numpy.percentile(1..10, 95): position 9·0.95 = 8.55 → 9 + 0.55·(10 − 9) = 9.55
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBeCloseTo(9.55, 12);
    // numpy.percentile([0,0,0,0,0,0,0,0,0.4], 95): position 7.6 → 0 + 0.6·0.4 = 0.24
    expect(percentile([0, 0, 0, 0, 0, 0, 0, 0, 0.4], 95)).toBeCloseTo(0.24, 12);
  });
});

describe('the knee threshold τ_i', () => {
  it('picks the point farthest from the chord', () => {
    // x = 0, .25, .5, .75, 1; y = v; |y − x| = 0, .15, .3, .15, 0 → k = 3, τ = 0.2
    expect(kneeThreshold([0.9, 0, 0.2, 1, 0.1])).toBe(0.2);
  });
  it('takes the first k on ties', () => {
    // v = 0, .5, .75, 1, 1: |y − x| = 0, .25, .25, .25, 0 → first is k = 2, τ = 0.5
    expect(kneeThreshold([1, 0.75, 0, 1, 0.5])).toBe(0.5);
  });
  it('handles ties at the top of Ŝ_I (many one-component maps)', () => {
    // sorted 0, .5, 1, 1, 1: |y − x| = 0, .25, .5, .25, 0 → τ = 1, so ≥ keeps all three 1s
    expect(kneeThreshold([1, 1, 0, 1, 0.5])).toBe(1);
  });
  it('falls back to the median for fewer than three values or a flat curve', () => {
    expect(kneeThreshold([0.2, 0.8])).toBeCloseTo(0.5, 12);
    expect(kneeThreshold([0.3, 0.3, 0.3])).toBe(0.3);
    expect(kneeThreshold([1])).toBe(1);
  });
  it('dispatches on the rule', () => {
    expect(threshold([0, 1, 2, 5], { rule: 'mean' })).toBe(2);
    expect(threshold([0, 1, 2, 5], { rule: 'median' })).toBe(1.5);
    expect(threshold([0, 1, 2, 5], { rule: 'fixed', value: 0.25 })).toBe(0.25);
  });
});
