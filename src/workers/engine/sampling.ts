/**
 * Choosing the next token as Python transformers' `generate()` does with a
 * repo's generation_config.json: the repetition penalty first (applied when
 * decoding greedily too, as its RepetitionPenaltyLogitsProcessor is), then,
 * when sampling, temperature, top-k and top-p, and a draw from what is left.
 * The draw uses Python's own generator (MT19937 seeded as `random.seed(n)`),
 * walking the candidates from the most probable down, so a run is replayed
 * from its seed, and with top-p off it draws what transformers.js draws from
 * the same seed.
 */

/** A model's decoding settings: generation_config.json's, or a package's defaults. */
export interface SamplingSettings {
  /** do_sample = false: the most probable token (after the repetition penalty). */
  greedy: boolean;
  /** 1 is none; above 1, tokens already in the sequence (the prompt's included) are made less likely. */
  repetitionPenalty: number;
  /** When sampling; 0 samples nothing (greedy). */
  temperature: number;
  /** When sampling: keep the k most probable tokens; 0 keeps all. */
  topK: number;
  /** When sampling: keep the most probable tokens up to this mass (the first always), in [0, 1]; 1 keeps all. */
  topP: number;
}

export interface SamplingOptions extends SamplingSettings {
  /** The generator's seed: a whole number from 0 to 2³² − 1. */
  seed: number;
}

/** Python transformers' GenerationConfig defaults: what a repo gets for a field it does not set. */
export const TRANSFORMERS_DEFAULTS: SamplingSettings = {
  greedy: true,
  repetitionPenalty: 1,
  temperature: 1,
  topK: 50,
  topP: 1,
};

/** The largest seed: one 32-bit word, as `random.seed(n)` takes it. */
export const MAX_SEED = 2 ** 32 - 1;

/** A generation_config.json's fields, as the repo config parses them (null: not set). */
export interface GenerationConfigFields {
  doSample: boolean | null;
  temperature: number | null;
  topK: number | null;
  topP: number | null;
  repetitionPenalty: number | null;
}

/** What transformers decodes with for these generation_config.json fields. */
export function samplingFromConfig(g: GenerationConfigFields): SamplingSettings {
  const d = TRANSFORMERS_DEFAULTS;
  return {
    greedy: g.doSample !== true,
    repetitionPenalty: g.repetitionPenalty ?? d.repetitionPenalty,
    temperature: g.temperature ?? d.temperature,
    topK: g.topK ?? d.topK,
    topP: g.topP ?? d.topP,
  };
}

/** A fresh seed for a sampled run that was given none (shown and saved, so the run can be replayed). */
export function freshSeed(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0];
}

const N = 624;
const M = 397;

/**
 * MT19937 (Matsumoto and Nishimura's reference generator) seeded as Python's
 * `random.seed(n)` seeds it for a whole number below 2³² (init_by_array with
 * the one word n), giving `random.random()`'s doubles in [0, 1).
 */
export function seededRandom(seed: number): () => number {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED)
    throw new RangeError(`seed ${seed}: expected a whole number from 0 to ${MAX_SEED}`);
  const mt = new Uint32Array(N);
  mt[0] = 19650218;
  for (let i = 1; i < N; i++) mt[i] = Math.imul(1812433253, mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
  // init_by_array([seed]): two mixing passes.
  let i = 1;
  for (let k = N; k > 0; k--) {
    mt[i] = (mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1664525)) + seed;
    i++;
    if (i >= N) {
      mt[0] = mt[N - 1];
      i = 1;
    }
  }
  for (let k = N - 1; k > 0; k--) {
    mt[i] = (mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1566083941)) - i;
    i++;
    if (i >= N) {
      mt[0] = mt[N - 1];
      i = 1;
    }
  }
  mt[0] = 0x80000000;
  let index = N;
  const next = (): number => {
    if (index >= N) {
      for (let k = 0; k < N; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
        mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      index = 0;
    }
    let y = mt[index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  };
  // random.random(): 27 + 26 bits, a double in [0, 1).
  return () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/**
 * transformers' repetition penalty, in place: each token id in `seen` (the
 * whole sequence so far, prompt and image tokens included) has its logit
 * divided by the penalty when positive and multiplied by it when negative.
 */
export function applyRepetitionPenalty(logits: Float32Array, seen: Iterable<number>, penalty: number): void {
  if (penalty === 1) return;
  for (const id of new Set(seen)) {
    if (id < 0 || id >= logits.length) continue;
    logits[id] = logits[id] < 0 ? logits[id] * penalty : logits[id] / penalty;
  }
}

/** The k largest values' indices, largest first (ties: the lower index first). */
export function topIndices(values: Float32Array, k: number): number[] {
  if (k >= values.length) {
    return Array.from(values.keys()).sort((a, b) => values[b] - values[a] || a - b);
  }
  // A sorted window of the best k: most values fall below its last entry and cost one comparison.
  const best: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (best.length === k && !(v > values[best[k - 1]])) continue;
    let at = best.length === k ? k - 1 : best.length;
    while (at > 0 && v > values[best[at - 1]]) at--;
    if (best.length === k) best.pop();
    best.splice(at, 0, i);
  }
  return best;
}

/**
 * The next token from the last position's logits (not changed), the ids
 * seen so far, and the settings: greedy, or a draw after temperature, top-k
 * and top-p.
 */
export function chooseToken(
  logits: ArrayLike<number>,
  seen: readonly number[],
  o: SamplingSettings,
  random: () => number,
): number {
  // float32 throughout, as the logits arrive and as transformers processes them.
  const x = Float32Array.from(logits);
  applyRepetitionPenalty(x, seen, o.repetitionPenalty);
  if (o.greedy || o.temperature <= 0) return argmax(x);
  if (o.temperature !== 1) for (let i = 0; i < x.length; i++) x[i] /= o.temperature;
  const k = o.topK > 0 ? Math.min(o.topK, x.length) : x.length;
  const order = topIndices(x, k);
  const top = x[order[0]];
  const p = order.map((i) => Math.exp(x[i] - top));
  const sum = p.reduce((s, v) => s + v, 0);
  // top-p: keep the most probable tokens while the mass before them is under top_p (at least one).
  let kept = p.length;
  if (o.topP < 1) {
    let before = 0;
    for (let j = 0; j < p.length; j++) {
      if (j > 0 && before >= o.topP * sum) {
        kept = j;
        break;
      }
      before += p[j];
    }
  }
  let mass = 0;
  for (let j = 0; j < kept; j++) mass += p[j];
  let r = random() * mass;
  for (let j = 0; j < kept; j++) {
    r -= p[j];
    if (r < 0) return order[j];
  }
  return order[kept - 1];
}
