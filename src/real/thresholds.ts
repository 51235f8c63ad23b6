import type { ThresholdRule } from './settings';
import { mean, median, sortedAscending } from './stats';

/**
 * τ_i's default: the maximum-curvature point of the values sorted ascending,
 * found as the knee of that curve. With v_1 ≤ … ≤ v_n,
 * x_k = (k−1)/(n−1), y_k = (v_k − v_1)/(v_n − v_1); the knee is the k that
 * maximises |y_k − x_k| (the first on ties) and τ = v_k.
 * For n < 3 or v_n = v_1 the median is used instead.
 */
export function kneeThreshold(values: ArrayLike<number>): number {
  const v = sortedAscending(values);
  const n = v.length;
  if (n < 3 || v[n - 1] === v[0]) return median(v);
  let best = -1;
  let bestK = 0;
  for (let k = 0; k < n; k++) {
    const x = k / (n - 1);
    const y = (v[k] - v[0]) / (v[n - 1] - v[0]);
    const d = Math.abs(y - x);
    if (d > best) {
      best = d;
      bestK = k;
    }
  }
  return v[bestK];
}

export function threshold(values: ArrayLike<number>, rule: ThresholdRule): number {
  switch (rule.rule) {
    case 'median':
      return median(values);
    case 'knee':
      return kneeThreshold(values);
    case 'mean':
      return mean(values);
    case 'fixed':
      return rule.value;
  }
}
