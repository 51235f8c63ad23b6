import { describe, expect, it } from 'vitest';
import { buildTrace, oneHot } from '../../../tests/trace-builder';
import { aupro } from '../aupro';
import { resizeBilinear } from '../map';
import { auroc } from '../metrics';
import { scoreTrace } from '../score';
import { withDefaults } from '../settings';
import { buildSummaryRow, summaryHeader, summaryMask, SUMMARY_MASK_SIDE, TOKEN_MASK_SIDE } from './summary';

/** A 2×2-grid answer with two reasoning tokens: one looks at `cell`, the other at cell 3. */
function run(cell: number, label: 0 | 1, yes: number) {
  const t = buildTrace({
    rows: 2,
    cols: 2,
    layers: 1,
    prompt: ['▁defects', '?'],
    generated: [
      { text: '<think>', special: true },
      { text: '▁scratch', maps: [oneHot(4, { [cell]: 0.6 })], extra: [{ 4: 0.3 }] },
      { text: '▁edge', maps: [oneHot(4, { 3: 0.2, 2: 0.1 })], extra: [{ 4: 0.05 }] },
      { text: '</think>', special: true },
      { text: '<answer>', special: true },
      { text: label ? '▁yes' : '▁no' },
      { text: '</answer>', special: true },
    ],
  });
  t.label = label;
  t.answerProbability = yes;
  return t;
}

const settings = withDefaults();

function squareMask(w: number, h: number, on: (x: number, y: number) => boolean) {
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = on(x, y) ? 1 : 0;
  return { width: w, height: h, data };
}

describe('the run summary row', () => {
  it('holds the answer, the scores and the per-image numbers on the mask', () => {
    const trace = run(0, 1, 0.8);
    const mask = squareMask(8, 8, (x, y) => x < 4 && y < 4);
    const row = buildSummaryRow({
      trace,
      file: 'bottle/test/broken/000.json',
      category: 'bottle',
      defect: 'broken',
      mask,
      settings,
      thumbnails: { image: 'data:image/jpeg;base64,AA', mask: null },
    });
    const score = scoreTrace(trace, settings);
    expect(row.trace).toBe('bottle/test/broken/000.json');
    expect(row.id).toBe('bottle/test/broken/000');
    expect(row).toMatchObject({ category: 'bottle', defect: 'broken', label: 1, answer: 'yes', pYes: 0.8 });
    expect(row.grid).toEqual({ rows: 2, cols: 2 });
    expect(row.map).toEqual(Array.from(score.map));
    expect(row.kept).toBe(score.tokens.filter((t) => t.selected).length);
    expect(row.jaccard).toBe(score.consistency.jaccard);
    expect(row.rCons).toBe(row.jaccard > 0.3 ? 1 : 0);
    expect(row.thumbnail).toBe('data:image/jpeg;base64,AA');
    // The mask is 8×8, under the summary's side: numbers on the original.
    const resized = resizeBilinear(score.map, 2, 2, 8, 8);
    expect(row.pixelAuroc).toBeCloseTo(auroc(resized, mask.data), 12);
    expect(row.aupro).toBeCloseTo(aupro(resized, mask.data, 8, 8), 12);
    let inside = 0;
    let total = 0;
    resized.forEach((v, i) => {
      total += v;
      if (mask.data[i]) inside += v;
    });
    expect(row.maskMass).toBeCloseTo(inside / total, 12);
    // Tokens: every reasoning token with its own map's numbers; the first looks inside the mask.
    expect(row.tokens.map((t) => t.text)).toEqual(['▁scratch', '▁edge']);
    expect(row.tokens[0].auroc!).toBeGreaterThan(row.tokens[1].auroc!);
    expect(row.tokens[0].maskMass!).toBeGreaterThan(0.5);
    expect(row.tokens[1].maskMass!).toBeLessThan(0.5);
    expect(row.tokens.map((t) => t.kept)).toEqual(score.tokens.map((t) => t.selected));
    // JSON-safe: nothing undefined or non-finite.
    expect(JSON.parse(JSON.stringify(row))).toEqual(row);
  });

  it('leaves the mask numbers null for a normal image and without a mask', () => {
    const normal = buildSummaryRow({ trace: run(3, 0, 0.1), file: 'x.json', mask: null, settings });
    expect(normal).toMatchObject({
      label: 0,
      answer: 'no',
      pixelAuroc: null,
      aupro: null,
      maskMass: null,
      rCons: 1,
    });
    expect(normal.tokens.every((t) => t.auroc === null && t.maskMass === null)).toBe(true);
    const unlabelled = run(0, 1, 0.5);
    delete unlabelled.label;
    const row = buildSummaryRow({ trace: unlabelled, file: 'y.rtrace', mask: null, settings });
    expect(row).toMatchObject({ id: 'y', label: null, rCons: null, category: null, defect: null });
  });

  it('reduces big masks to at most 128 px by max pooling over blocks', () => {
    // 300 × 150 → 128 × 64; blocks alternate 2 and 3 source columns (⌊x·300/128⌋).
    const big = squareMask(300, 150, (x, y) => x >= 150 && y < 75);
    const small = summaryMask(big);
    expect([small.width, small.height]).toEqual([SUMMARY_MASK_SIDE, 64]);
    // Block boundaries fall on the defect's edges here (columns 150… from block 64, rows …74 to block 31).
    const on = small.data.reduce((a, b) => a + b, 0);
    expect(on).toBe(64 * 32);
    // A one-pixel line of a 1000-px mask stays, one block wide, so the row keeps its numbers.
    const line = squareMask(1000, 1000, (x) => x === 500);
    const thin = summaryMask(line);
    expect(thin.data.reduce((a, b) => a + b, 0)).toBe(128);
    const row = buildSummaryRow({ trace: run(0, 1, 0.9), file: 'l.json', mask: line, settings });
    expect(row.pixelAuroc).not.toBeNull();
    // A block with one anomalous pixel of four counts.
    const quarter = summaryMask(squareMask(256, 2, (x, y) => x % 2 === 0 && y === 0));
    expect(quarter.data.every((v) => v === 1)).toBe(true);
    // The row's numbers on the 128-px mask, each token's on the 64-px one.
    const wide = squareMask(200, 100, (x, y) => x < 90 && y < 60);
    const r = buildSummaryRow({ trace: run(0, 1, 0.9), file: 'w.json', mask: wide, settings });
    const m128 = summaryMask(wide, SUMMARY_MASK_SIDE);
    const m64 = summaryMask(wide, TOKEN_MASK_SIDE);
    expect([m128.width, m128.height, m64.width, m64.height]).toEqual([128, 64, 64, 32]);
    const score = scoreTrace(run(0, 1, 0.9), settings);
    expect(r.pixelAuroc).toBeCloseTo(auroc(resizeBilinear(score.map, 2, 2, 64, 128), m128.data), 12);
    expect(r.aupro).toBeCloseTo(aupro(resizeBilinear(score.map, 2, 2, 64, 128), m128.data, 128, 64), 12);
    const first = resizeBilinear(oneHot(4, { 0: 0.6 }), 2, 2, 32, 64);
    expect(r.tokens[0].auroc).toBeCloseTo(auroc(first, m64.data), 12);
  });

  it('has a header naming the format, the settings and the mask side', () => {
    const h = summaryHeader(settings, { shard: '1/2' });
    expect(h).toMatchObject({ format: 'real-run-summary', version: 1, shard: '1/2' });
    expect(h.settings).toMatchObject({ alpha: 0.5, maskSide: 128, tokenMaskSide: 64 });
  });
});
