import type { RunSummaryRow } from '../../real/run-set/summary-types';

/**
 * The failure gallery's filtering and sorting, over summary rows (pure: the
 * tests check them against the CLI's report for the same folder).
 */

/** TP/FP/TN/FN by the label and the parsed answer; `unknown` when there is no answer, `unlabelled` without a label. */
export type Outcome = 'TP' | 'FP' | 'TN' | 'FN' | 'unknown' | 'unlabelled';
export const OUTCOMES: readonly Outcome[] = ['TP', 'FP', 'TN', 'FN', 'unknown', 'unlabelled'];
export const OUTCOME_LABELS: Record<Outcome, string> = {
  TP: 'true positive',
  FP: 'false positive',
  TN: 'true negative',
  FN: 'false negative',
  unknown: 'no answer',
  unlabelled: 'no label',
};

export function outcomeOf(row: Pick<RunSummaryRow, 'label' | 'answer'>): Outcome {
  if (row.answer === null) return 'unknown';
  if (row.label === null) return 'unlabelled';
  if (row.label === 1) return row.answer === 'yes' ? 'TP' : 'FN';
  return row.answer === 'yes' ? 'FP' : 'TN';
}

/** Right: a labelled image answered as its label says. */
export const isRight = (row: Pick<RunSummaryRow, 'label' | 'answer'>) => {
  const o = outcomeOf(row);
  return o === 'TP' || o === 'TN';
};

export type SortKey = 'path' | 'pYes' | 'pixelAuroc' | 'maskMass' | 'jaccard';
export const SORT_LABELS: Record<SortKey, string> = {
  path: 'path',
  pYes: 'P(yes)',
  pixelAuroc: 'pixel AUROC (per image)',
  maskMass: 'share of the map inside the mask',
  jaccard: 'J (CGRO)',
};

/** How two run sets' answers on the same image compare. */
export type PairFilter = 'all' | 'a-right-b-wrong' | 'b-right-a-wrong' | 'both-right' | 'both-wrong';

export interface GalleryFilter {
  /** Outcomes shown; every outcome when empty. */
  outcomes: readonly Outcome[];
  /** Categories shown (null is "no category"); all when empty. */
  categories: readonly (string | null)[];
  defects: readonly (string | null)[];
  pair: PairFilter;
}

export const noFilter = (): GalleryFilter => ({ outcomes: [], categories: [], defects: [], pair: 'all' });

export function filterRows<R extends RunSummaryRow>(
  rows: readonly R[],
  f: GalleryFilter,
  other?: ReadonlyMap<string, RunSummaryRow>,
): R[] {
  return rows.filter((r) => {
    if (f.outcomes.length && !f.outcomes.includes(outcomeOf(r))) return false;
    if (f.categories.length && !f.categories.includes(r.category)) return false;
    if (f.defects.length && !f.defects.includes(r.defect)) return false;
    if (f.pair !== 'all') {
      const b = other?.get(r.id);
      if (!b) return false;
      const a = isRight(r);
      const bRight = isRight(b);
      if (f.pair === 'a-right-b-wrong' && !(a && !bRight)) return false;
      if (f.pair === 'b-right-a-wrong' && !(!a && bRight)) return false;
      if (f.pair === 'both-right' && !(a && bRight)) return false;
      if (f.pair === 'both-wrong' && !(!a && !bRight)) return false;
    }
    return true;
  });
}

/** Sorted by a key; rows without a value (a normal image has no pixel AUROC) go last either way; ties by path. */
export function sortRows<R extends RunSummaryRow>(
  rows: readonly R[],
  key: SortKey,
  dir: 'asc' | 'desc',
): R[] {
  const sign = dir === 'asc' ? 1 : -1;
  const byPath = (a: R, b: R) => (a.trace < b.trace ? -1 : a.trace > b.trace ? 1 : 0);
  if (key === 'path') return [...rows].sort((a, b) => sign * byPath(a, b));
  return [...rows].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    if (x === null || y === null) return x === y ? byPath(a, b) : x === null ? 1 : -1;
    return x !== y ? sign * (x - y) : byPath(a, b);
  });
}

/** Each value of a field with how many rows have it, in the order first seen sorted by name (null last). */
export function counts(
  rows: readonly RunSummaryRow[],
  field: 'category' | 'defect',
): [string | null, number][] {
  const m = new Map<string | null, number>();
  for (const r of rows) m.set(r[field], (m.get(r[field]) ?? 0) + 1);
  return [...m].sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0));
}

export function outcomeCounts(rows: readonly RunSummaryRow[]): Record<Outcome, number> {
  const out = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const r of rows) out[outcomeOf(r)]++;
  return out;
}

/** Rows by image id (a second run set's, to pair with the first's). */
export function byId<R extends RunSummaryRow>(rows: readonly R[]): Map<string, R> {
  return new Map(rows.map((r) => [r.id, r]));
}
