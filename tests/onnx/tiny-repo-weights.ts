/**
 * The tiny repos' weights, chosen by hand so the model's behaviour is known:
 *
 * - PLANTED ATTENTION. The vision encoder writes an image token's mean pixel
 *   value (normalised) into hidden dim 0 and nothing else; text tokens carry
 *   1 in dim 1 and 0 in dim 0. Every softmax layer's query reads dim 1 and
 *   its key reads dim 0 into head dim 0, so a text token's score for an
 *   image token is GAIN[h] · brightness: attention peaks on the brightest
 *   cell. Small random terms in the noise dims make text-to-text attention
 *   uneven without reaching image tokens (their noise dims are 0).
 * - A BIGRAM LM HEAD. Each token of the answer chain (`<think>` … eos) has a
 *   one-hot code in the chain dims of its embedding; the LM head maps code i
 *   to chain[i + 1] with a margin of at least 25 logits over anything else, and any
 *   other token to chain[0] by a bias, so greedy decoding (or sampling at
 *   any ordinary temperature) emits the chain and stops.
 * - Attention and linear-attention outputs go to dims that neither the
 *   queries, the keys nor the chain read, and reach the logits only through
 *   small weights (±0.2): every carried state changes the logits, never the
 *   argmax.
 * - Optionally (answer 'bright') `<answer>` leads to both yes and no, and the
 *   first softmax layer's head 0 output — the brightness it attended to —
 *   decides between them: yes on an image with a bright cell, no on a dark one.
 */

export const DIM = {
  bright: 0,
  text: 1,
  /** Chain codes: dims 2 .. 2 + MAX_CHAIN - 2. */
  chain: 2,
  attnOut: 14,
  linearOut: 22,
  noise: 26,
} as const;
export const HIDDEN = 32;
export const NOISE_DIMS = HIDDEN - DIM.noise;
/** Tokens in the chain, eos included (each but the last needs a code dim). */
export const MAX_CHAIN = DIM.attnOut - DIM.chain + 1;
/** Per head: score of a text token for an image token of normalised brightness b is GAIN[h] · b. */
export const ATTENTION_GAIN = [8, 4];
export const CHAIN_LOGIT = 100;
export const DEFAULT_LOGIT = 60;

export interface AttentionLayerWeights {
  kind: 'attention';
  /** [hidden, heads · headDim], row-major (x · W). */
  wq: Float32Array;
  /** [hidden, kvHeads · headDim] */
  wk: Float32Array;
  wv: Float32Array;
  /** [heads · headDim, hidden] */
  wo: Float32Array;
}

/** Qwen3.5-like linear attention: a causal depthwise conv, then causal linear attention with a summed state. */
export interface LinearLayerWeights {
  kind: 'linear';
  /** [hidden, 12]: q (0..3), k (4..7), v (8..11) before the conv. */
  inProj: Float32Array;
  /** [12, 1, 4] depthwise kernel. */
  conv: Float32Array;
  /** [4, hidden] */
  outProj: Float32Array;
}

export type LayerWeights = AttentionLayerWeights | LinearLayerWeights;

export interface TinyWeights {
  hidden: number;
  vocab: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  layers: LayerWeights[];
  /** [vocab, hidden] */
  embed: Float32Array;
  /** [hidden, vocab] */
  lm: Float32Array;
  lmBias: Float32Array;
  /** Vision features: dim 0 = brightnessScale · mean normalised pixel value. */
  brightnessScale: number;
  /** Token ids of the answer, in order; chain[0] follows any token outside the chain. */
  chain: number[];
}

export interface WeightPlan {
  vocab: number;
  chain: number[];
  /** Image placeholder ids: all-zero embeddings, so unreplaced placeholders draw no planted attention. */
  imageTokens: number[];
  layerKinds: ('attention' | 'linear')[];
  /**
   * The answer decided by the image: `yes` must follow `<answer>` in the
   * chain; `no` is its alternative (it also leads to the token after `yes`).
   * Which one wins is set by the first softmax layer's attended brightness.
   */
  brightAnswer?: { yes: number; no: number };
  seed?: number;
}

/** Bright answer: logit(yes) − logit(no) = BRIGHT_GAIN · (attended brightness − BRIGHT_THRESHOLD). */
export const BRIGHT_GAIN = 40;
export const BRIGHT_THRESHOLD = 0.25;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

export function tinyWeights(plan: WeightPlan): TinyWeights {
  const r = rng(plan.seed ?? 11);
  const H = HIDDEN;
  const V = plan.vocab;
  const heads = 2;
  const kvHeads = 1;
  const headDim = 16;
  if (plan.chain.length > MAX_CHAIN)
    throw new Error(`the answer chain has ${plan.chain.length} tokens; at most ${MAX_CHAIN}`);
  if (new Set(plan.chain).size !== plan.chain.length)
    throw new Error('the answer chain repeats a token; a bigram LM cannot');
  const alt = plan.brightAnswer;
  if (alt && plan.chain.length + 1 > MAX_CHAIN)
    throw new Error(
      `the answer chain has ${plan.chain.length} tokens and an alternative; at most ${MAX_CHAIN - 1}`,
    );
  const image = new Set(plan.imageTokens);
  const embed = new Float32Array(V * H);
  for (let t = 0; t < V; t++) {
    if (image.has(t)) continue;
    embed[t * H + DIM.text] = 1;
    for (let d = DIM.noise; d < H; d++) embed[t * H + d] = r();
  }
  const lm = new Float32Array(H * V);
  const lmBias = new Float32Array(V);
  for (let i = 0; i + 1 < plan.chain.length; i++) {
    embed[plan.chain[i] * H + DIM.chain + i] = 1;
    lm[(DIM.chain + i) * V + plan.chain[i + 1]] = CHAIN_LOGIT;
  }
  lmBias[plan.chain[0]] = DEFAULT_LOGIT;
  for (let d = DIM.attnOut; d < H; d++) for (let v = 0; v < V; v++) lm[d * V + v] = r() * 0.4;
  if (alt) {
    const y = plan.chain.indexOf(alt.yes);
    if (y < 1 || y + 1 >= plan.chain.length || plan.chain.includes(alt.no))
      throw new Error('brightAnswer: yes must be inside the chain, no outside it');
    const code = DIM.chain + plan.chain.length - 1;
    embed[alt.no * H + code] = 1;
    lm[code * V + plan.chain[y + 1]] = CHAIN_LOGIT;
    lm[(DIM.chain + y - 1) * V + alt.no] = CHAIN_LOGIT;
    // The first softmax layer's head 0 writes its attended dim-0 value (brightness) here.
    const first = plan.layerKinds.indexOf('attention');
    const decide = DIM.attnOut + ((first * 2) % 4);
    for (let d = DIM.attnOut; d < H; d++) lm[d * V + alt.yes] = lm[d * V + alt.no] = 0;
    lm[decide * V + alt.yes] = BRIGHT_GAIN / 2;
    lm[decide * V + alt.no] = -BRIGHT_GAIN / 2;
    lmBias[alt.yes] = (-BRIGHT_GAIN / 2) * BRIGHT_THRESHOLD;
    lmBias[alt.no] = (BRIGHT_GAIN / 2) * BRIGHT_THRESHOLD;
  }

  const layers: LayerWeights[] = plan.layerKinds.map((kind, l) => {
    if (kind === 'linear') {
      const inProj = new Float32Array(H * 12);
      for (const d of [DIM.bright, DIM.text, ...Array.from({ length: NOISE_DIMS }, (_, i) => DIM.noise + i)])
        for (let c = 0; c < 12; c++) inProj[d * 12 + c] = r() * 0.6;
      const conv = Float32Array.from({ length: 12 * 4 }, () => r());
      const outProj = new Float32Array(4 * H);
      for (let i = 0; i < 4; i++) outProj[i * H + DIM.linearOut + i] = 1;
      return { kind, inProj, conv, outProj };
    }
    const wq = new Float32Array(H * heads * headDim);
    const wk = new Float32Array(H * kvHeads * headDim);
    const wv = new Float32Array(H * kvHeads * headDim);
    const wo = new Float32Array(heads * headDim * H);
    for (let h = 0; h < heads; h++)
      wq[DIM.text * heads * headDim + h * headDim] = ATTENTION_GAIN[h] * Math.sqrt(headDim);
    wk[DIM.bright * kvHeads * headDim] = 1;
    wv[DIM.bright * kvHeads * headDim] = 1;
    for (let d = DIM.noise; d < H; d++) {
      for (let j = 1; j < headDim; j++) {
        for (let h = 0; h < heads; h++) wq[d * heads * headDim + h * headDim + j] = r() * 3;
        wk[d * kvHeads * headDim + j] = r() * 3;
        wv[d * kvHeads * headDim + j] = r() * 2;
      }
    }
    for (let h = 0; h < heads; h++) {
      // Head h's attended brightness alone in one dim (the bright answer reads layer·heads + 0), the rest mixed into 4 others.
      wo[h * headDim * H + DIM.attnOut + ((l * heads + h) % 4)] = 1;
      for (let j = 1; j < headDim; j++)
        wo[(h * headDim + j) * H + DIM.attnOut + 4 + ((l + j) % 4)] = r() * 0.4;
    }
    return { kind, wq, wk, wv, wo };
  });
  return {
    hidden: H,
    vocab: V,
    heads,
    kvHeads,
    headDim,
    layers,
    embed,
    lm,
    lmBias,
    brightnessScale: 1,
    chain: plan.chain,
  };
}

/**
 * The same graphs with random weights (for tests that compare two runtimes
 * on a model with no planted behaviour): every matrix Gaussian with a
 * 1/√fan-in scale, the LM head sharper (its logits spread a few units, so
 * greedy decoding wanders and repeats, which the repetition penalty changes).
 * Seeded: the same seed, the same weights.
 */
export function randomTinyWeights(w: TinyWeights, seed: number): TinyWeights {
  const u = rng(seed);
  const gauss = () => {
    // Box–Muller on two uniforms in (0, 1).
    const a = u() + 0.5 || 1e-9;
    const b = u() + 0.5;
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * b);
  };
  const fill = (x: Float32Array, fanIn: number, gain = 1) =>
    Float32Array.from(x, () => (gain * gauss()) / Math.sqrt(fanIn));
  const H = w.hidden;
  const layers: LayerWeights[] = w.layers.map((l) =>
    l.kind === 'linear'
      ? { kind: 'linear', inProj: fill(l.inProj, H), conv: fill(l.conv, 4), outProj: fill(l.outProj, 4) }
      : {
          kind: 'attention',
          wq: fill(l.wq, H, 2),
          wk: fill(l.wk, H, 2),
          wv: fill(l.wv, H),
          wo: fill(l.wo, w.heads * w.headDim),
        },
  );
  return {
    ...w,
    layers,
    embed: fill(w.embed, 1),
    lm: fill(w.lm, H, 3),
    lmBias: fill(w.lmBias, 1, 0.5),
    brightnessScale: 2,
  };
}
