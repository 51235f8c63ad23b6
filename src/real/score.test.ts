import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildTrace, oneHot } from '../../tests/trace-builder';
import { rowsForToken } from './attention';
import { ablationMaps, prepareTrace, scorePrepared, scoreTrace } from './score';
import { defaultSettings, withDefaults } from './settings';
import { parseTrace } from './trace/read';

const hand = () => parseTrace(readFileSync('tests/fixtures/traces/hand-computed.json', 'utf8'));

/*
 * The hand-computed trace (tests/fixtures/build-fixtures.ts), 3×3 grid, mean over 2 layers:
 *   token  map                     S_T    S_I
 *   a      0.4 at (0,0)            0.30   0                     one component
 *   b      0.25 (0,0), 0.15 (2,2)  0.25   −(.625 ln .625 + .375 ln .375) = 0.661563
 *   c      0.05 everywhere         0.20   ln 9 = 2.197225       flat map
 *   d      0.3 (1,1), 0.1 (1,2)    0.05   0                     one component
 * Ŝ_T = (S_T − .05)/.25 = 1, .8, .6, 0        τ_t = median = (.6 + .8)/2 = 0.7
 * Ŝ_I = (ln9 − S_I)/ln9 = 1, 0.698910, 0, 1
 * knee over 0, .698910, 1, 1: |y − x| = 0, .365576, .333333, 0 → τ_i = 0.698910
 * kept: a (1 ≥ .7, 1 ≥ τ_i) and b (.8 ≥ .7, Ŝ_I = τ_i, kept by ≥); c fails Ŝ_T, d fails Ŝ_T
 * w_a = .5·1 + .5·1 = 1;  w_b = .5·.8 + .5·.698910 = 0.749455
 * map(0,0) = .4 + .749455·.25 = 0.587364;  map(2,2) = .749455·.15 = 0.112418
 */
describe('scoring a trace (Eq. 2–5)', () => {
  const s = scoreTrace(hand(), defaultSettings());

  it('finds the reasoning tokens and their raw scores', () => {
    expect(s.reasoning).toEqual([1, 2, 3, 4]);
    const sT = s.tokens.map((t) => t.sT);
    [0.3, 0.25, 0.2, 0.05].forEach((v, i) => expect(sT[i]).toBeCloseTo(v, 6));
    const sI = s.tokens.map((t) => t.sI);
    [0, 0.6615632382, 2.1972245773, 0].forEach((v, i) => expect(sI[i]).toBeCloseTo(v, 6));
  });
  it('normalises, thresholds and weights as the spec says', () => {
    [1, 0.8, 0.6, 0].forEach((v, i) => expect(s.tokens[i].sTNorm).toBeCloseTo(v, 6));
    [1, 0.6989095949, 0, 1].forEach((v, i) => expect(s.tokens[i].sINorm).toBeCloseTo(v, 6));
    expect(s.tauT).toBeCloseTo(0.7, 6);
    expect(s.tauI).toBeCloseTo(0.6989095949, 6);
    expect(s.tokens.map((t) => t.selected)).toEqual([true, true, false, false]);
    [1, 0.7494547974, 0, 0].forEach((v, i) => expect(s.tokens[i].weight).toBeCloseTo(v, 6));
  });
  it('sums the weighted maps (Eq. 5)', () => {
    const expected = [0.5873636994, 0, 0, 0, 0, 0, 0, 0, 0.1124182196];
    expected.forEach((v, i) => expect(s.map[i]).toBeCloseTo(v, 6));
    expect(s.noneSelected).toBe(false);
  });
  it('measures the top tokens’ consistency (Eq. 6)', () => {
    // top-k by w: a (1), b (.749); 95th percentiles .24 and .21 leave (0,0) alone in both → J = 1
    expect(s.consistency.topK).toEqual([1, 2]);
    expect(s.consistency.jaccard).toBe(1);
  });
  it('follows α and β', () => {
    const t = scoreTrace(hand(), withDefaults({ alpha: 1, beta: 0 }));
    // w_b = 1·.8 + 0 = .8; map(0,0) = .4·1 + .25·.8 = 0.6
    expect(t.tokens[1].weight).toBeCloseTo(0.8, 6);
    expect(t.map[0]).toBeCloseTo(0.6, 6);
  });
  it('uses only the chosen layers', () => {
    // layer 0 holds twice each value: the same normalised scores, the map doubled
    const l0 = scoreTrace(hand(), withDefaults({ layers: { from: 0, to: 0 } }));
    expect(l0.tokens.map((t) => t.selected)).toEqual([true, true, false, false]);
    expect(l0.map[0]).toBeCloseTo(2 * 0.5873636994, 6);
    // layer 1 is all zeros: every S_T = 0 and every map flat, so every token is kept with w = 1 and the map is 0
    const l1 = scoreTrace(hand(), withDefaults({ layers: { from: 1, to: 1 } }));
    expect(l1.tokens.map((t) => t.weight)).toEqual([1, 1, 1, 1]);
    expect(Array.from(l1.map)).toEqual(new Array(9).fill(0));
    expect(() => scoreTrace(hand(), withDefaults({ layers: { from: 0, to: 2 } }))).toThrow(/2 layers/);
  });
  it('can read each token by the row under which it was produced', () => {
    const t = hand();
    const p = prepareTrace(t, { ...defaultSettings(), rowReading: 'producing' });
    // a was produced under <think>'s own row (all zeros), b under a's own row (0.4 at (0,0))
    expect(Array.from(p.maps[0])).toEqual(new Array(9).fill(0));
    expect(p.maps[1][0]).toBeCloseTo(0.4, 6);
    // the first generated token was produced under the prompt's last row: 0.2 at (1,0), per layer
    expect(rowsForToken(t, 0, 'producing')[0][3]).toBeCloseTo(0.2, 6);
    delete t.promptAttention;
    expect(() => rowsForToken(t, 0, 'producing')).toThrow(/promptAttention/);
  });
});

describe('edge cases', () => {
  it('keeps every token when the prompt has no anomaly word (S_T all 0 → Ŝ_T all 1)', () => {
    const t = parseTrace(readFileSync('tests/fixtures/traces/no-tags-no-anomaly-word.json', 'utf8'));
    const s = scoreTrace(t, defaultSettings());
    // no tags: tokens before <answer> are x, y. S_T = 0, 0. S_I: x one peak → 0, y flat → ln 4
    expect(s.reasoning).toEqual([0, 1]);
    expect(s.tokens.map((x) => x.sTNorm)).toEqual([1, 1]);
    expect(s.tauT).toBe(1);
    // Ŝ_I = 1, 0; n < 3 → τ_i = median = 0.5; x kept with w = .5 + .5 = 1
    expect(s.tauI).toBe(0.5);
    expect(s.tokens.map((x) => x.weight)).toEqual([1, 0]);
    expect(s.map[0]).toBeCloseTo(0.5, 6);
    // one token with w > 0: J = 0
    expect(s.consistency).toMatchObject({ topK: [0], jaccard: 0 });
  });
  it('says so when no token is selected, and the map is all zeros', () => {
    // fixed thresholds above every value select nothing
    const s = scoreTrace(hand(), withDefaults({ tauT: { rule: 'fixed', value: 2 } }));
    expect(s.noneSelected).toBe(true);
    expect(Array.from(s.map)).toEqual(new Array(9).fill(0));
    expect(s.consistency.topK).toEqual([]);
    expect(s.consistency.jaccard).toBe(0);
  });
  it('handles an answer with a single reasoning token', () => {
    const t = buildTrace({
      rows: 2,
      cols: 2,
      layers: 1,
      prompt: ['▁defects', '?'],
      generated: [
        { text: '<think>', special: true },
        { text: '▁a', maps: [oneHot(4, { 1: 0.3 })], extra: [{ 4: 0.1 }] },
        { text: '</think>', special: true },
      ],
    });
    const s = scoreTrace(t, defaultSettings());
    // one value: max = min → both normalised scores 1, medians 1 → kept, w = 1
    expect(s.tokens).toHaveLength(1);
    expect(s.tokens[0]).toMatchObject({ sTNorm: 1, sINorm: 1, selected: true, weight: 1 });
  });
  it('handles an answer with no reasoning tokens', () => {
    const t = buildTrace({
      rows: 1,
      cols: 2,
      layers: 1,
      prompt: ['▁x'],
      generated: [{ text: '<answer>', special: true }],
    });
    const s = scoreTrace(t, defaultSettings());
    expect(s.tokens).toEqual([]);
    expect(s.noneSelected).toBe(true);
    expect(Array.from(s.map)).toEqual([0, 0]);
    // the spec pins τ_t = τ_i = 0 here, so every printed number stays finite
    expect(s.tauT).toBe(0);
    expect(s.tauI).toBe(0);
    expect(s.consistency.jaccard).toBe(0);
  });
});

describe('the ablation maps (table 3)', () => {
  it('builds the all-tokens mean, S_I only, S_T only and ReAL', () => {
    const p = prepareTrace(hand(), defaultSettings());
    const m = ablationMaps(p, defaultSettings());
    // all: (0.4 + 0.25 + 0.05 + 0)/4 at (0,0)
    expect(m.all[0]).toBeCloseTo(0.7 / 4, 6);
    // S_I only keeps Ŝ_I ≥ τ_i: a (1), b (.698910), d (1): (0,0) = .4 + .25·.698910; (1,1) = .3
    expect(m.sI[0]).toBeCloseTo(0.4 + 0.25 * 0.6989095949, 6);
    expect(m.sI[4]).toBeCloseTo(0.3, 6);
    // S_T only keeps Ŝ_T ≥ .7: a (1), b (.8): (0,0) = .4 + .25·.8 = .6
    expect(m.sT[0]).toBeCloseTo(0.6, 6);
    expect(Array.from(m.both)).toEqual(Array.from(scorePrepared(p, defaultSettings()).map));
  });
});
