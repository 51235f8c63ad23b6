/** Small order statistics the method needs, on plain number arrays. */

export function sortedAscending(values: ArrayLike<number>): number[] {
  return Array.from(values).sort((a, b) => a - b);
}

/** Median; the mean of the two middle values when the count is even. */
export function median(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  const s = sortedAscending(values);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

/**
 * Percentile p (0..100) with linear interpolation between order statistics,
 * numpy's default ("linear"): position (n-1)·p/100 in the sorted values.
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return NaN;
  const s = sortedAscending(values);
  const pos = ((s.length - 1) * p) / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
