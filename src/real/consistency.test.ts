import { describe, expect, it } from 'vitest';
import {
  accuracyReward,
  consistency,
  consistencyReward,
  formatReward,
  groupAdvantages,
  jaccard,
  parseAnswer,
  support,
  topK,
  totalReward,
} from './consistency';

describe('CGRO consistency (Eq. 6)', () => {
  it('takes the top k by weight, w > 0 only, earlier token first on ties', () => {
    expect(topK([0.2, 0.5, 0, 0.5, 0.1], 3)).toEqual([1, 3, 0]);
    expect(topK([0, 0, 0.3], 3)).toEqual([2]);
  });
  it('takes as support the cells strictly above the 95th percentile', () => {
    // 20 values 1..20: position 19·.95 = 18.05 → 19 + .05 = 19.05; only 20 is above
    const map = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(support(map, 95).filter(Boolean)).toHaveLength(1);
    expect(support(map, 95)[19]).toBe(true);
  });
  it('computes |∩| / |∪|', () => {
    const a = [true, true, false, false];
    const b = [false, true, true, false];
    // ∩ = {1}, ∪ = {0,1,2} → 1/3
    expect(jaccard([a, b])).toBeCloseTo(1 / 3, 12);
    expect(jaccard([a, b, [false, true, false, true]])).toBeCloseTo(1 / 4, 12);
    expect(
      jaccard([
        [false, false],
        [false, false],
      ]),
    ).toBe(0);
  });
  it('is 0 with fewer than two weighted tokens', () => {
    const maps = [
      [0, 0, 1],
      [0, 0, 1],
    ];
    expect(consistency(maps, [1, 0], 3).jaccard).toBe(0);
    // 40 cells: the single peak is above the 95th percentile in both maps → J = 1
    const peak = Array.from({ length: 40 }, (_, i) => (i === 7 ? 1 : 0));
    expect(consistency([peak, peak], [1, 0.5], 3)).toMatchObject({ topK: [0, 1], jaccard: 1 });
  });
});

describe('rewards and advantages (Eq. 7, 8, 10)', () => {
  it('rewards agreement on anomalous images and disagreement on normal ones', () => {
    expect(consistencyReward(1, 0.31)).toBe(1);
    expect(consistencyReward(1, 0.3)).toBe(0); // strictly above δ1
    expect(consistencyReward(0, 0.09)).toBe(1);
    expect(consistencyReward(0, 0.1)).toBe(0); // strictly below δ2
    expect(consistencyReward(1, 0.5, 0.6, 0.1)).toBe(0);
  });
  it('checks the format and the answer', () => {
    expect(formatReward('<think> a scratch </think> <answer> yes </answer>')).toBe(1);
    expect(formatReward('<answer> yes </answer>')).toBe(0);
    expect(parseAnswer('<think>x</think><answer> Yes </answer>')).toBe(1);
    expect(parseAnswer('<answer>no</answer>')).toBe(0);
    expect(parseAnswer('<answer>▁yes</answer>')).toBe(1);
    expect(parseAnswer('<answer>maybe</answer>')).toBeNull();
    expect(accuracyReward('<answer> no </answer>', 0)).toBe(1);
    expect(totalReward({ format: 1, accuracy: 1, consistency: 0 })).toBe(2);
  });
  it('normalises rewards within the group (population std)', () => {
    // mean 2, population std sqrt(((1)+(0)+(1))/3)... rewards 1,2,3: var = (1+0+1)/3 = 2/3
    const a = groupAdvantages([1, 2, 3]);
    expect(a[0]).toBeCloseTo(-1 / Math.sqrt(2 / 3), 12);
    expect(a[1]).toBe(0);
    expect(groupAdvantages([2, 2, 2])).toEqual([0, 0, 0]);
  });
});
