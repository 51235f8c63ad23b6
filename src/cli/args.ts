import { withDefaults, type LayerRange, type RealSettings } from '../real';
import type { GenerateOptions } from '../workers/engine/generate';

/** Bad command-line input: the CLI prints the message on one line and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Every numeric flag is finite and in range, so nothing downstream can
 * overflow to Infinity (whose JSON would be null). The ranges are far beyond
 * any useful value.
 */
export const FLAG_RANGES = {
  /** α and β: only their ratio ranks tokens; their scale multiplies the map. */
  weight: 1e6,
  /** --k, --layers, --max-tokens. */
  whole: 1_000_000,
  temperature: 100,
  /** The generator takes one 32-bit word, as Python's `random.seed(n)` does for n < 2³². */
  seed: 2 ** 32 - 1,
} as const;

function finiteInRange(flag: string, raw: string, max: number): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`${flag} ${raw}: expected a finite number ≥ 0`);
  }
  if (n > max) throw new UsageError(`${flag} ${raw}: expected a number from 0 to ${max}`);
  return n;
}

function whole(flag: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min)
    throw new UsageError(`${flag} ${raw}: expected a whole number ≥ ${min}`);
  if (Number(raw) > max)
    throw new UsageError(`${flag} ${raw}: expected a whole number from ${min} to ${max}`);
  return Number(raw);
}

const wholeAtLeastOne = (flag: string, raw: string) => whole(flag, raw, 1, FLAG_RANGES.whole);

export function parseLayers(raw: string): LayerRange {
  const m = /^(\d+):(\d+)$/.exec(raw);
  if (!m)
    throw new UsageError(
      `--layers ${raw}: expected FROM:TO, whole numbers counted from 0 (0:0 is the first layer)`,
    );
  const range = { from: Number(m[1]), to: Number(m[2]) };
  if (range.to > FLAG_RANGES.whole)
    throw new UsageError(`--layers ${raw}: expected layers counted from 0 up to ${FLAG_RANGES.whole}`);
  if (range.to < range.from) throw new UsageError(`--layers ${raw}: FROM must not be after TO`);
  return range;
}

/** The method's options shared by every command: --alpha, --beta, --k, --layers. */
export function settingsFromFlags(values: Record<string, string | boolean | undefined>): RealSettings {
  const s: Partial<RealSettings> = {};
  const str = (k: string) => {
    const v = values[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new UsageError(`--${k} needs a value`);
    return v;
  };
  const alpha = str('alpha');
  const beta = str('beta');
  const k = str('k');
  const layers = str('layers');
  if (alpha !== undefined) s.alpha = finiteInRange('--alpha', alpha, FLAG_RANGES.weight);
  if (beta !== undefined) s.beta = finiteInRange('--beta', beta, FLAG_RANGES.weight);
  if (k !== undefined) s.k = wholeAtLeastOne('--k', k);
  if (layers !== undefined) s.layers = parseLayers(layers);
  return withDefaults(s);
}

export const METHOD_OPTIONS = {
  alpha: { type: 'string' },
  beta: { type: 'string' },
  k: { type: 'string' },
  layers: { type: 'string' },
} as const;

export const GENERATION_OPTIONS = {
  question: { type: 'string' },
  'max-tokens': { type: 'string' },
  greedy: { type: 'boolean' },
  temperature: { type: 'string' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  'repetition-penalty': { type: 'string' },
  seed: { type: 'string' },
} as const;

/**
 * --question, --max-tokens and how tokens are chosen, for `run` and `eval`:
 * by default as the model's generation_config.json says (transformers'
 * `generate()`); --greedy turns sampling off and keeps the repetition
 * penalty (do_sample=False); --temperature, --top-k or --top-p sample with
 * those settings (--temperature 0 is greedy); --seed replays a sampled run.
 */
export function generationFromFlags(values: Record<string, string | boolean | undefined>): GenerateOptions {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const out: GenerateOptions = {};
  const q = str('question');
  if (q !== undefined) out.question = q;
  const m = str('max-tokens');
  if (m !== undefined) out.maxNewTokens = wholeAtLeastOne('--max-tokens', m);
  const t = str('temperature');
  const k = str('top-k');
  const p = str('top-p');
  const penalty = str('repetition-penalty');
  const seed = str('seed');
  const sampling: NonNullable<GenerateOptions['sampling']> = {};
  if (t !== undefined) sampling.temperature = finiteInRange('--temperature', t, FLAG_RANGES.temperature);
  if (k !== undefined) sampling.topK = whole('--top-k', k, 0, FLAG_RANGES.whole);
  if (p !== undefined) {
    const v = Number(p);
    if (p.trim() === '' || !(v > 0 && v <= 1))
      throw new UsageError(`--top-p ${p}: expected a number in (0, 1]`);
    sampling.topP = v;
  }
  if (penalty !== undefined) {
    const v = finiteInRange('--repetition-penalty', penalty, FLAG_RANGES.temperature);
    if (v === 0)
      throw new UsageError(`--repetition-penalty ${penalty}: expected a number above 0 (1 is none)`);
    sampling.repetitionPenalty = v;
  }
  // A sampling setting asks for sampling, unless --greedy says otherwise.
  if (t !== undefined || k !== undefined || p !== undefined) sampling.greedy = false;
  if (values.greedy === true) sampling.greedy = true;
  if (seed !== undefined) sampling.seed = whole('--seed', seed, 0, FLAG_RANGES.seed);
  if (Object.keys(sampling).length) out.sampling = sampling;
  return out;
}
