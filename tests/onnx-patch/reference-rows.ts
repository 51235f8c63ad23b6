/**
 * Independent computations of an attention layer's last-query row averaged
 * over heads, in plain JS (float64 products, softmax), following the
 * semantics of onnxruntime's GroupQueryAttention CPU kernel: rotate q in
 * float32 and round to the element type once, q·k' × scale, softcap,
 * + attention_bias, keys in [total − window, total) only.
 */
import { fromHalfBits, roundHalf } from '../onnx/fp16';
import type { OrtTensor } from '../../src/workers/runtime/ort-types';

const f32 = Math.fround;

/** A float tensor's values as numbers (fp16 decoded). */
export function values(t: OrtTensor): Float64Array {
  if (t.type === 'float16') return Float64Array.from(t.data as Uint16Array, fromHalfBits);
  return Float64Array.from(t.data as Float32Array);
}

export interface RowInputs {
  /** [B, S, N*H] */
  q: Float64Array;
  /** [B, K, T, H] */
  key: Float64Array;
  B: number;
  S: number;
  N: number;
  K: number;
  H: number;
  T: number;
  scale: number;
  softcap?: number;
  window?: number;
  /** Per batch row: seqlens_k + 1 (keys at or past it are masked). */
  total?: number[];
  /** [B|1, N|1, S, T] with its dims */
  bias?: { data: Float64Array; dims: number[] };
  rotary?: {
    cos: Float32Array;
    sin: Float32Array;
    dim: number;
    interleaved: boolean;
    /** The last query's position per batch row. */
    positions: number[];
    /** fp16 graph: the caches hold fp16 values and the rotated q is rounded to fp16. */
    half: boolean;
  };
}

function rotateRow(x: Float64Array, r: NonNullable<RowInputs['rotary']>, pos: number): Float64Array {
  const h = r.dim / 2;
  const c = (i: number) => (r.half ? roundHalf(r.cos[pos * h + i]) : r.cos[pos * h + i]);
  const s = (i: number) => (r.half ? roundHalf(r.sin[pos * h + i]) : r.sin[pos * h + i]);
  const out = Float64Array.from(x);
  for (let i = 0; i < r.dim; i++) {
    let j: number, ci: number, minus: boolean;
    if (r.interleaved) {
      ci = i >> 1;
      minus = i % 2 === 0;
      j = minus ? i + 1 : i - 1;
    } else {
      ci = i % h;
      minus = i < h;
      j = minus ? i + h : i - h;
    }
    const a = f32(x[i] * c(ci));
    const b = f32(x[j] * s(ci));
    const v = f32(minus ? a - b : a + b);
    out[i] = r.half ? roundHalf(v) : v;
  }
  return out;
}

/** rows[b * T + j]: the head mean of the last query's probabilities. */
export function referenceRows(p: RowInputs): Float64Array {
  const { B, S, N, K, H, T } = p;
  const rows = new Float64Array(B * T);
  for (let b = 0; b < B; b++) {
    const total = p.total?.[b] ?? T;
    const lo = p.window && p.window > 0 ? Math.max(0, total - p.window) : 0;
    for (let n = 0; n < N; n++) {
      let q = p.q.subarray(((b * S + S - 1) * N + n) * H, ((b * S + S - 1) * N + n + 1) * H);
      if (p.rotary) q = rotateRow(Float64Array.from(q), p.rotary, p.rotary.positions[b]);
      const kv = Math.floor(n / (N / K));
      const scores = new Float64Array(T).fill(-Infinity);
      let max = -Infinity;
      for (let j = lo; j < total; j++) {
        let dot = 0;
        for (let d = 0; d < H; d++) dot += q[d] * p.key[((b * K + kv) * T + j) * H + d];
        let s = dot * p.scale;
        if (p.softcap && p.softcap > 0) s = p.softcap * Math.tanh(s / p.softcap);
        if (p.bias) {
          const [bb, bn] = p.bias.dims;
          s += p.bias.data[(((bb === 1 ? 0 : b) * bn + (bn === 1 ? 0 : n)) * S + S - 1) * T + j];
        }
        scores[j] = s;
        max = Math.max(max, s);
      }
      let sum = 0;
      for (let j = lo; j < total; j++) sum += scores[j] = Math.exp(scores[j] - max);
      for (let j = lo; j < total; j++) rows[b * T + j] += scores[j] / sum / N;
    }
  }
  return rows;
}

/** The head mean of the last query row of probabilities [B, N, S, T]. */
export function headMeanLastRow(p: Float64Array, B: number, N: number, S: number, T: number): Float64Array {
  const rows = new Float64Array(B * T);
  for (let b = 0; b < B; b++)
    for (let n = 0; n < N; n++)
      for (let j = 0; j < T; j++) rows[b * T + j] += p[((b * N + n) * S + S - 1) * T + j] / N;
  return rows;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
