import { describe, expect, it } from 'vitest';
import {
  applyRepetitionPenalty,
  chooseToken,
  samplingFromConfig,
  seededRandom,
  topIndices,
  TRANSFORMERS_DEFAULTS,
  type SamplingSettings,
} from './sampling';

/**
 * Python's own numbers, printed by Debian's /usr/bin/python3:
 *   /usr/bin/python3 -c "import random
 *   for s in [0, 1, 42, 4294967295, 123456789]:
 *     random.seed(s); print(s, random.random(), random.random(), random.random())
 *     random.seed(s); [random.random() for _ in range(1000)]; print(random.random())"
 */
const PYTHON_RANDOM: [number, number[], number][] = [
  [0, [0.8444218515250481, 0.7579544029403025, 0.420571580830845], 0.9466893945947962],
  [1, [0.13436424411240122, 0.8474337369372327, 0.763774618976614], 0.4116430517162146],
  [42, [0.6394267984578837, 0.025010755222666936, 0.27502931836911926], 0.09935462460613032],
  [4294967295, [0.6353574441341173, 0.20319993954407756, 0.6073666030347188], 0.44832732332135994],
  [123456789, [0.6414006161858726, 0.5421892680969495, 0.9931750662832721], 0.6471060352286747],
];

const sampling = (o: Partial<SamplingSettings>): SamplingSettings => ({
  ...TRANSFORMERS_DEFAULTS,
  greedy: false,
  topK: 0,
  ...o,
});
/** A generator that returns these numbers in turn. */
const fixed =
  (...xs: number[]) =>
  () =>
    xs.shift()!;

describe('seededRandom', () => {
  it.each(PYTHON_RANDOM)("draws Python's random.random() after random.seed(%i)", (seed, first, at1001) => {
    const r = seededRandom(seed);
    expect([r(), r(), r()]).toEqual(first);
    const again = seededRandom(seed);
    for (let i = 0; i < 1000; i++) again();
    expect(again()).toBe(at1001);
  });

  it('refuses a seed that is not one 32-bit word', () => {
    expect(() => seededRandom(-1)).toThrow(RangeError);
    expect(() => seededRandom(2 ** 32)).toThrow(RangeError);
    expect(() => seededRandom(1.5)).toThrow(RangeError);
  });
});

describe('the repetition penalty, as transformers applies it', () => {
  it('divides positive logits, multiplies negative ones, once per token however often seen', () => {
    const x = Float32Array.of(2, -2, 0, 3, 5);
    applyRepetitionPenalty(x, [0, 1, 2, 0, 0, 1], 2);
    expect(Array.from(x)).toEqual([1, -4, 0, 3, 5]);
  });

  it('changes the greedy choice: a seen token loses to a close unseen one', () => {
    const logits = Float32Array.of(2, 1.95, -1);
    const greedy = { ...TRANSFORMERS_DEFAULTS, repetitionPenalty: 1.05 };
    expect(chooseToken(logits, [], greedy, Math.random)).toBe(0);
    expect(chooseToken(logits, [7, 0], greedy, Math.random)).toBe(1);
    // 1 is no penalty; the logits given are never changed
    expect(chooseToken(logits, [0], TRANSFORMERS_DEFAULTS, Math.random)).toBe(0);
    expect(Array.from(logits)).toEqual([2, Math.fround(1.95), -1]);
  });
});

describe('chooseToken when sampling', () => {
  const probs = [0.5, 0.3, 0.15, 0.05];
  const logits = Float32Array.from(probs, Math.log);

  it('walks the candidates from the most probable down', () => {
    // mass 1: 0.55 passes 0.5 and lands in the second
    expect(chooseToken(logits, [], sampling({}), fixed(0.55))).toBe(1);
    expect(chooseToken(logits, [], sampling({}), fixed(0.49))).toBe(0);
    expect(chooseToken(logits, [], sampling({}), fixed(0.999))).toBe(3);
  });

  it("cuts at top-p once the mass before a token reaches it (transformers' TopPLogitsWarper)", () => {
    // top-p 0.8: 0.5 + 0.3 reach it, so {0, 1} stay and 0.99 of their mass (0.792) is in token 1
    expect(chooseToken(logits, [], sampling({ topP: 0.8 }), fixed(0.99))).toBe(1);
    // top-p 0.81: the third stays too; 0.99 · 0.95 = 0.9405 lands in it
    expect(chooseToken(logits, [], sampling({ topP: 0.81 }), fixed(0.99))).toBe(2);
    // top-p 0 still keeps the most probable token
    expect(chooseToken(logits, [], sampling({ topP: 0 }), fixed(0.99))).toBe(0);
  });

  it('keeps the k most probable with top-k, and top-k 1 is the argmax', () => {
    // k = 2: mass 0.8, 0.7 · 0.8 = 0.56 is past 0.5
    expect(chooseToken(logits, [], sampling({ topK: 2 }), fixed(0.7))).toBe(1);
    expect(chooseToken(logits, [], sampling({ topK: 1 }), fixed(0.999))).toBe(0);
  });

  it('divides by the temperature; temperature 0 is greedy', () => {
    // T = 0.5 squares the odds: 0.25 : 0.09 : 0.0225 : 0.0025 (sum 0.365); 0.7 · 0.365 = 0.2555 is past 0.25
    expect(chooseToken(logits, [], sampling({ temperature: 0.5 }), fixed(0.7))).toBe(1);
    expect(chooseToken(logits, [], sampling({ temperature: 0.5 }), fixed(0.68))).toBe(0);
    expect(chooseToken(logits, [], sampling({ temperature: 0 }), fixed(0.999))).toBe(0);
  });

  it('applies the penalty before sampling', () => {
    // token 0's logit ln 0.5 < 0 is multiplied by 2: ln 0.25, so the order is 1, 0, 2, 3 with odds 0.3 : 0.25 : 0.15 : 0.05
    const penalised = sampling({ repetitionPenalty: 2 });
    expect(chooseToken(logits, [0], penalised, fixed(0.26 / 0.75))).toBe(1);
    expect(chooseToken(logits, [0], penalised, fixed(0.31 / 0.75))).toBe(0);
    expect(chooseToken(logits, [], penalised, fixed(0.26 / 0.75))).toBe(0);
  });
});

describe('topIndices', () => {
  it('gives what a full sort gives, largest first, ties by index', () => {
    const r = seededRandom(7);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(r() * 300);
      const values = Float32Array.from({ length: n }, () => Math.round(r() * 40) / 4);
      const k = 1 + Math.floor(r() * (n + 2));
      const sorted = Array.from(values.keys()).sort((a, b) => values[b] - values[a] || a - b);
      expect(topIndices(values, k)).toEqual(sorted.slice(0, k));
    }
  });
});

describe('samplingFromConfig', () => {
  it("fills what generation_config.json leaves out with transformers' defaults", () => {
    const none = { doSample: null, temperature: null, topK: null, topP: null, repetitionPenalty: null };
    expect(samplingFromConfig(none)).toEqual(TRANSFORMERS_DEFAULTS);
    expect(
      samplingFromConfig({ ...none, doSample: true, temperature: 0.1, topK: 1, repetitionPenalty: 1.05 }),
    ).toEqual({ greedy: false, repetitionPenalty: 1.05, temperature: 0.1, topK: 1, topP: 1 });
    expect(samplingFromConfig({ ...none, doSample: false, repetitionPenalty: 1.2 })).toMatchObject({
      greedy: true,
      repetitionPenalty: 1.2,
    });
  });
});
