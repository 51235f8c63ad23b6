import { describe, expect, it } from 'vitest';
import type { RunSummaryRow } from '../../real/run-set/summary-types';
import { byId, counts, filterRows, noFilter, outcomeCounts, outcomeOf, sortRows } from './gallery-rows';

function row(p: Partial<RunSummaryRow> & { trace: string }): RunSummaryRow {
  return {
    id: p.trace.replace(/\.json$/, ''),
    category: null,
    defect: null,
    label: 1,
    answer: 'yes',
    pYes: 0.5,
    pixelAuroc: null,
    aupro: null,
    maskMass: null,
    jaccard: 0,
    rCons: null,
    kept: 0,
    grid: { rows: 1, cols: 1 },
    map: [0],
    thumbnail: null,
    maskThumbnail: null,
    tokens: [],
    ...p,
  };
}

describe('the gallery’s outcomes, filters and sorting', () => {
  it('names each outcome by the label and the parsed answer', () => {
    expect(outcomeOf({ label: 1, answer: 'yes' })).toBe('TP');
    expect(outcomeOf({ label: 1, answer: 'no' })).toBe('FN');
    expect(outcomeOf({ label: 0, answer: 'yes' })).toBe('FP');
    expect(outcomeOf({ label: 0, answer: 'no' })).toBe('TN');
    expect(outcomeOf({ label: 1, answer: null })).toBe('unknown');
    expect(outcomeOf({ label: null, answer: 'no' })).toBe('unlabelled');
  });

  const rows = [
    row({
      trace: 'a/test/cut/1.json',
      category: 'a',
      defect: 'cut',
      label: 1,
      answer: 'no',
      pYes: 0.2,
      pixelAuroc: 0.9,
    }),
    row({ trace: 'a/test/good/2.json', category: 'a', defect: 'good', label: 0, answer: 'no', pYes: 0.1 }),
    row({
      trace: 'b/test/hole/3.json',
      category: 'b',
      defect: 'hole',
      label: 1,
      answer: 'yes',
      pYes: 0.9,
      pixelAuroc: 0.6,
    }),
    row({ trace: 'b/test/good/4.json', category: 'b', defect: 'good', label: 0, answer: 'yes', pYes: 0.7 }),
    row({
      trace: 'b/test/hole/5.json',
      category: 'b',
      defect: 'hole',
      label: 1,
      answer: null,
      pYes: null,
      pixelAuroc: 0.7,
    }),
  ];

  it('filters by outcome, category and defect together', () => {
    const f = noFilter();
    expect(filterRows(rows, f)).toHaveLength(5);
    expect(filterRows(rows, { ...f, outcomes: ['FN', 'FP'] }).map((r) => r.trace)).toEqual([
      'a/test/cut/1.json',
      'b/test/good/4.json',
    ]);
    expect(filterRows(rows, { ...f, categories: ['b'], defects: ['hole'] })).toHaveLength(2);
    expect(filterRows(rows, { ...f, categories: ['b'], outcomes: ['unknown'] })).toHaveLength(1);
    expect(outcomeCounts(rows)).toEqual({ TP: 1, FN: 1, TN: 1, FP: 1, unknown: 1, unlabelled: 0 });
    expect(counts(rows, 'defect')).toEqual([
      ['cut', 1],
      ['good', 2],
      ['hole', 2],
    ]);
  });

  it('sorts by a key either way, rows without a value last, ties by path', () => {
    expect(sortRows(rows, 'pYes', 'desc').map((r) => r.pYes)).toEqual([0.9, 0.7, 0.2, 0.1, null]);
    expect(sortRows(rows, 'pYes', 'asc').map((r) => r.pYes)).toEqual([0.1, 0.2, 0.7, 0.9, null]);
    expect(sortRows(rows, 'pixelAuroc', 'asc').map((r) => r.trace)).toEqual([
      'b/test/hole/3.json',
      'b/test/hole/5.json',
      'a/test/cut/1.json',
      'a/test/good/2.json',
      'b/test/good/4.json',
    ]);
    expect(sortRows(rows, 'path', 'desc')[0].trace).toBe('b/test/hole/5.json');
  });

  it('pairs two run sets by image id: A right and B wrong, and the reverse', () => {
    // B answers every image the other way round, except image 3.
    const b = rows.map((r) =>
      r.trace.includes('/3.') ? r : { ...r, answer: r.answer === 'yes' ? ('no' as const) : ('yes' as const) },
    );
    const other = byId(b);
    const ids = (pair: 'a-right-b-wrong' | 'b-right-a-wrong' | 'both-right') =>
      filterRows(rows, { ...noFilter(), pair }, other).map((r) => r.trace);
    // A right on 2 (TN) and 3 (TP); B wrong on 2 only.
    expect(ids('a-right-b-wrong')).toEqual(['a/test/good/2.json']);
    // A wrong on 1 (FN), 4 (FP), 5 (no answer); B right on 1 and 4, and on 5 it says yes.
    expect(ids('b-right-a-wrong')).toEqual(['a/test/cut/1.json', 'b/test/good/4.json', 'b/test/hole/5.json']);
    expect(ids('both-right')).toEqual(['b/test/hole/3.json']);
    // An image B does not have is in no pair.
    expect(filterRows(rows, { ...noFilter(), pair: 'both-right' }, new Map())).toEqual([]);
  });
});
