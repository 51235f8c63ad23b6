/**
 * Min–max normalisation over the reasoning tokens of one answer (section 3).
 * Where max = min every normalised value is 1, as the spec pins.
 */

/** Ŝ = (S − min) / (max − min): high stays high (used for S_T). */
export function minMax(values: ArrayLike<number>): Float64Array {
  return normalise(values, false);
}

/** Ŝ = (max − S) / (max − min): low becomes high (used for entropy S_I). */
export function minMaxInverted(values: ArrayLike<number>): Float64Array {
  return normalise(values, true);
}

/** The min and max the normalisation divides by; 0 and 0 for no values. */
export function minAndMax(values: ArrayLike<number>): { min: number; max: number } {
  if (values.length === 0) return { min: 0, max: 0 };
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  return { min, max };
}

function normalise(values: ArrayLike<number>, invert: boolean): Float64Array {
  const out = new Float64Array(values.length);
  if (values.length === 0) return out;
  const { min: lo, max: hi } = minAndMax(values);
  const range = hi - lo;
  for (let i = 0; i < values.length; i++) {
    if (range === 0) out[i] = 1;
    else out[i] = invert ? (hi - values[i]) / range : (values[i] - lo) / range;
  }
  return out;
}
