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
  const { sorted, k } = kneePoint(values);
  return k === null ? median(sorted) : sorted[k];
}

/**
 * The values sorted ascending and the knee's index in them; k is null where
 * the median stands in (n < 3 or v_n = v_1). Shown step by step by the walkthrough.
 */
export function kneePoint(values: ArrayLike<number>): { sorted: number[]; k: number | null } {
  const sorted = sortedAscending(values);
  const n = sorted.length;
  if (n < 3 || sorted[n - 1] === sorted[0]) return { sorted, k: null };
  let best = -1;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const x = i / (n - 1);
    const y = (sorted[i] - sorted[0]) / (sorted[n - 1] - sorted[0]);
    const d = Math.abs(y - x);
    if (d > best) {
      best = d;
      k = i;
    }
  }
  return { sorted, k };
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
