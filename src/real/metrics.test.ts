import { describe, expect, it } from 'vitest';
import { accuracy, aupr, auroc, binaryCurves } from './metrics';

describe('AUROC and AUPR', () => {
  it('match scikit-learn’s documented example', () => {
    // sklearn docs: roc_auc_score([0,0,1,1], [.1,.4,.35,.8]) = 0.75,
    // average_precision_score(...) = 0.8333…
    const y = [0, 0, 1, 1];
    const s = [0.1, 0.4, 0.35, 0.8];
    expect(auroc(s, y)).toBeCloseTo(0.75, 12);
    expect(aupr(s, y)).toBeCloseTo(0.8333333333, 9);
    // F1 at threshold .35: P = 2/3, R = 1 → 0.8 (the best)
    expect(binaryCurves(s, y).f1Max).toBeCloseTo(0.8, 12);
  });
  it('count tied scores as half (Mann–Whitney) and as one threshold step', () => {
    // positives .9 .7 .3 vs negatives .9 .3: pairs .5 + 1 + 0 + 1 + 0 + .5 = 3 of 6 → 0.5
    const y = [1, 0, 1, 0, 1];
    const s = [0.9, 0.9, 0.7, 0.3, 0.3];
    expect(auroc(s, y)).toBeCloseTo(0.5, 12);
    // steps: (R 1/3, P 1/2), (R 2/3, P 2/3), (R 1, P 3/5) → (1/2 + 2/3 + 3/5)/3 = 0.588889
    expect(aupr(s, y)).toBeCloseTo(0.5888888889, 9);
  });
  it('give chance values when every score is tied', () => {
    expect(auroc([0.5, 0.5, 0.5, 0.5], [1, 0, 0, 0])).toBe(0.5);
    expect(aupr([0.5, 0.5, 0.5, 0.5], [1, 0, 0, 0])).toBe(0.25);
  });
  it('are 1 for a perfect ranking and AUROC 0 for a reversed one', () => {
    expect(auroc([0.9, 0.8, 0.1], [1, 1, 0])).toBe(1);
    expect(aupr([0.9, 0.8, 0.1], [1, 1, 0])).toBe(1);
    expect(auroc([0.1, 0.2, 0.9], [1, 1, 0])).toBe(0);
  });
  it('are undefined (NaN) for AUROC without both classes', () => {
    expect(auroc([0.1, 0.2], [1, 1])).toBeNaN();
    expect(auroc([0.1, 0.2], [0, 0])).toBeNaN();
  });
  it('pool a million pixels quickly', () => {
    const n = 1_000_000;
    const scores = new Float32Array(n);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 10 === 0 ? 1 : 0;
      scores[i] = ((i * 7919) % 1000) / 1000 + labels[i] * 0.5;
    }
    const t0 = performance.now();
    const r = binaryCurves(scores, labels);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(r.auroc).toBeGreaterThan(0.5);
    expect(r.positives).toBe(100_000);
  });
  it('reject mismatched lengths and non-finite scores', () => {
    expect(() => auroc([0.1], [1, 0])).toThrow(/length/);
    expect(() => auroc([NaN, 0.1], [1, 0])).toThrow(/finite/);
  });
});

describe('ACC', () => {
  it('counts unparsable answers as wrong', () => {
    expect(accuracy([1, 0, null, 1], [1, 1, 0, 1])).toBe(0.5);
  });
});
