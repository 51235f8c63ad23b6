/** Choosing the next token: greedy by default; temperature and top-p with a seeded generator. */

export interface SamplingOptions {
  /** 0 (the default) is greedy. */
  temperature: number;
  /** Nucleus mass, in (0, 1]. */
  topP: number;
  seed: number;
}

export const GREEDY: SamplingOptions = { temperature: 0, topP: 1, seed: 0 };

/** mulberry32: small, fast, and the same sequence in every runtime for a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function softmax(logits: ArrayLike<number>, temperature = 1): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const p = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += p[i] = Math.exp((logits[i] - max) / temperature);
  for (let i = 0; i < p.length; i++) p[i] /= sum;
  return p;
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

export function sample(logits: ArrayLike<number>, o: SamplingOptions, random: () => number): number {
  if (o.temperature <= 0) return argmax(logits);
  const p = softmax(logits, o.temperature);
  const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a] || a - b);
  let mass = 0;
  let cut = order.length;
  for (let i = 0; i < order.length; i++) {
    mass += p[order[i]];
    if (mass >= o.topP) {
      cut = i + 1;
      break;
    }
  }
  const kept = order.slice(0, cut);
  const total = kept.reduce((s, i) => s + p[i], 0);
  let r = random() * total;
  for (const i of kept) {
    r -= p[i];
    if (r <= 0) return i;
  }
  return kept[kept.length - 1];
}
