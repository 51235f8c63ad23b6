/**
 * IEEE 754 half precision ("float16"): the decoder's fp16 outputs, and the
 * default value type of the binary trace (docs/trace-binary.md). Node 20 has
 * no Float16Array, so halves stay as their 16-bit patterns and are decoded
 * through a 65,536-entry table (256 KB, built on first use): one extra
 * typed-array load per value read.
 */

/** A row kept as float16 bits: a type of its own, so it cannot be indexed as if it held numbers. */
export class Float16Row {
  constructor(readonly bits: Uint16Array) {}
  get length(): number {
    return this.bits.length;
  }
}

/** The largest finite float16. */
export const FLOAT16_MAX = 65504;

/** The value of a half's bit pattern, exactly. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

let table: Float32Array | null = null;

/** The value of every half bit pattern (float32 holds each exactly). */
export function float16Table(): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = halfToFloat(h);
  }
  return table;
}

/**
 * The half nearest to `x` (ties to even), as its bit pattern. Values from
 * 65520 on become Infinity's pattern; callers that must stay finite check first.
 */
export function floatToHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | roundEven(a * 2 ** 24); // subnormal (0x400 is the smallest normal: right too)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a)
    e--; // log2 may round up
  else if (2 ** (e + 1) <= a) e++;
  let m = roundEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  return sign | ((e + 15) << 10) | m;
}

function roundEven(v: number): number {
  const f = Math.floor(v);
  const r = v - f;
  return r > 0.5 || (r === 0.5 && f & 1) ? f + 1 : f;
}

/** Halves as float32: from their bit patterns (a Uint16Array), or from numbers (a native Float16Array). */
export function halvesToFloat32(
  halves: Uint16Array | ArrayLike<number>,
  out = new Float32Array(halves.length),
): Float32Array {
  if (halves instanceof Uint16Array) {
    const t = float16Table();
    for (let i = 0; i < halves.length; i++) out[i] = t[halves[i]];
  } else {
    for (let i = 0; i < halves.length; i++) out[i] = halves[i];
  }
  return out;
}

/**
 * float32 values as half bit patterns (ties to even), from their bits: no
 * Math.log2 per value, ~30× faster than floatToHalf over a row.
 */
export function float32ToHalves(
  values: Float32Array,
  out: Uint16Array = new Uint16Array(values.length),
): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i];
    const sign = (b >>> 16) & 0x8000;
    const exp = (b >>> 23) & 0xff;
    const mant = b & 0x7fffff;
    const e = exp - 112; // rebias 127 → 15
    if (exp === 0xff) out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
    else if (e >= 0x1f) out[i] = sign | 0x7c00;
    else if (e <= 0) {
      if (e < -10)
        out[i] = sign; // below half the smallest subnormal
      else {
        const m = mant | 0x800000;
        const shift = 14 - e;
        let h = m >>> shift;
        const rest = m & ((1 << shift) - 1);
        const half = 1 << (shift - 1);
        if (rest > half || (rest === half && h & 1)) h++;
        out[i] = sign | h;
      }
    } else {
      let h = (e << 10) | (mant >>> 13);
      const rest = mant & 0x1fff;
      if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // may carry into the exponent: still right
      out[i] = sign | h;
    }
  }
  return out;
}

/** Float values as half bit patterns, `out[i] = floatToHalf(values[i])`. */
export function floatsToHalves(values: ArrayLike<number>, out = new Uint16Array(values.length)): Uint16Array {
  for (let i = 0; i < values.length; i++) out[i] = floatToHalf(values[i]);
  return out;
}
