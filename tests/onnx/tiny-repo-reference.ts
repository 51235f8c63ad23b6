/**
 * A plain-JS forward pass of the tiny repos' decoder over a whole sequence
 * (no cache, no ONNX), written from the weights: the independent reference
 * for logits and for every softmax layer's attention rows.
 */
import type { LayerWeights, TinyWeights } from './tiny-repo-weights';

export interface ReferenceOutput {
  /** The logits at one position (computed on demand: the LM head is the costly part). */
  logitsAt(position: number): Float32Array;
  /** Softmax layers only: layer → [head][query][key ≤ query]. */
  probs: Map<number, number[][][]>;
  /** Mean over heads of each query's row (what `decoder_attentions.L` holds for the last query), layer → [query][key]. */
  meanRows: Map<number, number[][]>;
}

function matVec(x: ArrayLike<number>, w: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    for (let j = 0; j < cols; j++) out[j] += xi * w[i * cols + j];
  }
  return out;
}

function attentionLayer(
  w: TinyWeights,
  layer: Extract<LayerWeights, { kind: 'attention' }>,
  xs: Float64Array[],
) {
  const { heads, kvHeads, headDim, hidden } = w;
  const S = xs.length;
  const q = xs.map((x) => matVec(x, layer.wq, hidden, heads * headDim));
  const k = xs.map((x) => matVec(x, layer.wk, hidden, kvHeads * headDim));
  const v = xs.map((x) => matVec(x, layer.wv, hidden, kvHeads * headDim));
  const probs: number[][][] = [];
  const ctx = xs.map(() => new Float64Array(heads * headDim));
  for (let h = 0; h < heads; h++) {
    const g = Math.floor(h / (heads / kvHeads));
    const rows: number[][] = [];
    for (let i = 0; i < S; i++) {
      const scores: number[] = [];
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let d = 0; d < headDim; d++) s += q[i][h * headDim + d] * k[j][g * headDim + d];
        scores.push(s / Math.sqrt(headDim));
      }
      const m = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - m));
      const z = e.reduce((a, b) => a + b, 0);
      const p = e.map((x) => x / z);
      rows.push(p);
      for (let j = 0; j <= i; j++)
        for (let d = 0; d < headDim; d++) ctx[i][h * headDim + d] += p[j] * v[j][g * headDim + d];
    }
    probs.push(rows);
  }
  const out = ctx.map((c) => matVec(c, layer.wo, heads * headDim, hidden));
  return { probs, out };
}

/** Qwen3.5-like: causal depthwise conv (kernel 4, zero history), then out_t = q_t · Σ_{τ≤t} k_τᵀ v_τ. */
function linearLayer(w: TinyWeights, layer: Extract<LayerWeights, { kind: 'linear' }>, xs: Float64Array[]) {
  const C = 12;
  const K = 4;
  const proj = xs.map((x) => matVec(x, layer.inProj, w.hidden, C));
  const mixed = proj.map((_, t) => {
    const m = new Float64Array(C);
    for (let c = 0; c < C; c++)
      for (let k = 0; k < K; k++) {
        const src = t - (K - 1) + k;
        if (src >= 0) m[c] += layer.conv[c * K + k] * proj[src][c];
      }
    return m;
  });
  const state = Array.from({ length: 4 }, () => new Float64Array(4));
  return mixed.map((m) => {
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) state[a][b] += m[4 + a] * m[8 + b];
    const o = new Float64Array(4);
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) o[b] += m[a] * state[a][b];
    return matVec(o, layer.outProj, 4, w.hidden);
  });
}

/** The decoder on `embeds` (one hidden-size row per position), all positions at once. */
export function referenceDecoder(w: TinyWeights, embeds: ArrayLike<number>[]): ReferenceOutput {
  let xs = embeds.map((e) => Float64Array.from(e));
  const probs = new Map<number, number[][][]>();
  const meanRows = new Map<number, number[][]>();
  w.layers.forEach((layer, l) => {
    let outs: Float64Array[];
    if (layer.kind === 'attention') {
      const r = attentionLayer(w, layer, xs);
      probs.set(l, r.probs);
      meanRows.set(
        l,
        r.probs[0].map((row, i) => row.map((_, j) => r.probs.reduce((s, hp) => s + hp[i][j], 0) / w.heads)),
      );
      outs = r.out;
    } else outs = linearLayer(w, layer, xs);
    xs = xs.map((x, i) => x.map((v, d) => v + outs[i][d]));
  });
  const logitsAt = (p: number) =>
    Float32Array.from(matVec(xs[p], w.lm, w.hidden, w.vocab), (v, i) => v + w.lmBias[i]);
  return { logitsAt, probs, meanRows };
}
