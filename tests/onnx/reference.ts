import type { TinyWeights } from './tiny-vlm';

/**
 * The tiny VLM's forward pass in plain JS over a whole sequence at once, no
 * KV cache: what the engine's token-by-token run must reproduce.
 */

function matvec(x: Float64Array, w: Float32Array, n: number, m: number): Float64Array {
  // x [n] · w [n, m]
  const out = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    for (let j = 0; j < m; j++) out[j] += xi * w[i * m + j];
  }
  return out;
}

export function referenceImageFeatures(w: TinyWeights, pixels: Float32Array): Float64Array[] {
  const { rows, cols, patch } = w.cfg;
  const H = w.hidden;
  const width = cols * patch;
  const height = rows * patch;
  const out: Float64Array[] = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const f = new Float64Array(H);
      for (let h = 0; h < H; h++) {
        let s = 0;
        for (let ch = 0; ch < 3; ch++)
          for (let y = 0; y < patch; y++)
            for (let x = 0; x < patch; x++) {
              const px = pixels[ch * height * width + (r * patch + y) * width + (c * patch + x)];
              s += px * w.conv[((h * 3 + ch) * patch + y) * patch + x];
            }
        f[h] = s;
      }
      out.push(f);
    }
  return out;
}

export function referenceEmbedding(w: TinyWeights, id: number): Float64Array {
  return Float64Array.from(w.embed.subarray(id * w.hidden, (id + 1) * w.hidden));
}

export interface ReferenceOutput {
  /** attention[p][l]: head-mean row of query position p in layer l (length p + 1). */
  attention: Float64Array[][];
  logits: Float64Array[];
}

export function referenceForward(w: TinyWeights, embeds: Float64Array[]): ReferenceOutput {
  const { heads, headDim, layers } = w.cfg;
  const H = w.hidden;
  const L = embeds.length;
  let xs: Float64Array[] = embeds.map((e) => Float64Array.from(e));
  const attention: Float64Array[][] = Array.from({ length: L }, () => []);
  for (let l = 0; l < layers; l++) {
    const q = xs.map((x) => matvec(x, w.wq[l], H, H));
    const k = xs.map((x) => matvec(x, w.wk[l], H, H));
    const v = xs.map((x) => matvec(x, w.wv[l], H, H));
    const next: Float64Array[] = [];
    for (let p = 0; p < L; p++) {
      const ctx = new Float64Array(H);
      const mean = new Float64Array(p + 1);
      for (let h = 0; h < heads; h++) {
        const scores = new Float64Array(p + 1);
        let max = -Infinity;
        for (let j = 0; j <= p; j++) {
          let s = 0;
          for (let d = 0; d < headDim; d++) s += q[p][h * headDim + d] * k[j][h * headDim + d];
          scores[j] = s / Math.sqrt(headDim);
          max = Math.max(max, scores[j]);
        }
        let sum = 0;
        for (let j = 0; j <= p; j++) sum += scores[j] = Math.exp(scores[j] - max);
        for (let j = 0; j <= p; j++) {
          const a = scores[j] / sum;
          mean[j] += a / heads;
          for (let d = 0; d < headDim; d++) ctx[h * headDim + d] += a * v[j][h * headDim + d];
        }
      }
      attention[p].push(mean);
      const o = matvec(ctx, w.wo[l], H, H);
      next.push(xs[p].map((x, i) => x + o[i]));
    }
    xs = next;
  }
  return { attention, logits: xs.map((x) => matvec(x, w.lm, H, w.vocab).map((v, i) => v + w.lmBias[i])) };
}
