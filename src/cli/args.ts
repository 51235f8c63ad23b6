import { withDefaults, type LayerRange, type RealSettings } from '../real';
import type { GenerateOptions } from '../workers/engine/generate';

/** Bad command-line input: the CLI prints the message on one line and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

function finiteNonNegative(flag: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`${flag} ${raw}: expected a finite number ≥ 0`);
  }
  return n;
}

function wholeAtLeastOne(flag: string, raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new UsageError(`${flag} ${raw}: expected a whole number ≥ 1`);
  return Number(raw);
}

export function parseLayers(raw: string): LayerRange {
  const m = /^(\d+):(\d+)$/.exec(raw);
  if (!m)
    throw new UsageError(
      `--layers ${raw}: expected FROM:TO, whole numbers counted from 0 (0:0 is the first layer)`,
    );
  const range = { from: Number(m[1]), to: Number(m[2]) };
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
  if (alpha !== undefined) s.alpha = finiteNonNegative('--alpha', alpha);
  if (beta !== undefined) s.beta = finiteNonNegative('--beta', beta);
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
  temperature: { type: 'string' },
  'top-p': { type: 'string' },
  seed: { type: 'string' },
} as const;

/** --question, --max-tokens, --temperature, --top-p, --seed for `run` and `eval` (greedy by default). */
export function generationFromFlags(values: Record<string, string | boolean | undefined>): GenerateOptions {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const out: GenerateOptions = {};
  const q = str('question');
  if (q !== undefined) out.question = q;
  const m = str('max-tokens');
  if (m !== undefined) out.maxNewTokens = wholeAtLeastOne('--max-tokens', m);
  const t = str('temperature');
  const p = str('top-p');
  const seed = str('seed');
  const sampling: NonNullable<GenerateOptions['sampling']> = {};
  if (t !== undefined) sampling.temperature = finiteNonNegative('--temperature', t);
  if (p !== undefined) {
    const v = finiteNonNegative('--top-p', p);
    if (v <= 0 || v > 1) throw new UsageError(`--top-p ${p}: expected a number in (0, 1]`);
    sampling.topP = v;
  }
  if (seed !== undefined) {
    if (!/^\d+$/.test(seed)) throw new UsageError(`--seed ${seed}: expected a whole number ≥ 0`);
    sampling.seed = Number(seed);
  }
  if (Object.keys(sampling).length) out.sampling = sampling;
  return out;
}
