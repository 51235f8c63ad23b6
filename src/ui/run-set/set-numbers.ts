import { accuracy, binaryCurves } from '../../real';
import type { RunSummaryRow } from '../../real/run-set/summary-types';

/**
 * The set's numbers, per category and their mean over categories (the
 * paper's macro average): the report `real eval` writes when the folder has
 * one, else what the rows give. From rows, the image metrics are exact
 * (P(yes), the answer and the label are all in a row); the pixel numbers
 * are the mean of each anomalous image's own AUROC and AUPRO, not pooled
 * over every pixel of the set as the report's are (a row holds the map on
 * its grid, not every pixel): the table says which it shows.
 */

export interface CategoryNumbers {
  category: string;
  images: number;
  anomalous: number;
  imageAuroc: number | null;
  imageAupr: number | null;
  f1Max: number | null;
  acc: number | null;
  pixelAuroc: number | null;
  aupro: number | null;
}

export interface SetNumbers {
  source: 'report' | 'rows';
  /** What the pixel columns are. */
  pixel: 'pooled' | 'mean per image';
  categories: CategoryNumbers[];
  mean: CategoryNumbers;
}

export const ALL_CATEGORIES = '(all)';
const NO_CATEGORY = '(none)';
export const categoryName = (c: string | null) => c ?? NO_CATEGORY;

const finite = (x: number) => (Number.isFinite(x) ? x : null);

function mean(xs: readonly (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

export function numbersOfRows(category: string, rows: readonly RunSummaryRow[]): CategoryNumbers {
  const labelled = rows.filter((r) => r.label !== null);
  const labels = labelled.map((r) => r.label as 0 | 1);
  // As `real eval`: an answer with no P(yes) makes the image curves undefined.
  const scored = labelled.every((r) => r.pYes !== null);
  const curves =
    scored && labelled.length
      ? binaryCurves(
          labelled.map((r) => r.pYes!),
          labels,
        )
      : null;
  const predictions = labelled.map((r) => (r.answer === 'yes' ? 1 : r.answer === 'no' ? 0 : null));
  const anomalous = rows.filter((r) => r.label === 1);
  return {
    category,
    images: rows.length,
    anomalous: anomalous.length,
    imageAuroc: curves ? finite(curves.auroc) : null,
    imageAupr: curves ? finite(curves.aupr) : null,
    f1Max: curves ? finite(curves.f1Max) : null,
    acc: labelled.length ? accuracy(predictions, labels) : null,
    pixelAuroc: mean(anomalous.map((r) => r.pixelAuroc)),
    aupro: mean(anomalous.map((r) => r.aupro)),
  };
}

function meanOf(rows: readonly CategoryNumbers[], label: string): CategoryNumbers {
  const m = (k: keyof Omit<CategoryNumbers, 'category' | 'images' | 'anomalous'>) =>
    mean(rows.map((r) => r[k]));
  return {
    category: label,
    images: rows.reduce((n, r) => n + r.images, 0),
    anomalous: rows.reduce((n, r) => n + r.anomalous, 0),
    imageAuroc: m('imageAuroc'),
    imageAupr: m('imageAupr'),
    f1Max: m('f1Max'),
    acc: m('acc'),
    pixelAuroc: m('pixelAuroc'),
    aupro: m('aupro'),
  };
}

/** From rows: each category's numbers (of those chosen; all when none is), and their mean. */
export function setNumbersFromRows(
  rows: readonly RunSummaryRow[],
  chosen: readonly (string | null)[],
): SetNumbers {
  const by = new Map<string | null, RunSummaryRow[]>();
  for (const r of rows) {
    if (chosen.length && !chosen.includes(r.category)) continue;
    let list = by.get(r.category);
    if (!list) by.set(r.category, (list = []));
    list.push(r);
  }
  const categories = [...by]
    .sort(([a], [b]) => categoryName(a).localeCompare(categoryName(b)))
    .map(([c, list]) => numbersOfRows(categoryName(c), list));
  return { source: 'rows', pixel: 'mean per image', categories, mean: meanOf(categories, 'mean') };
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const numAt = (o: unknown, ...path: string[]): number | null => {
  let v: unknown = o;
  for (const p of path) v = isObj(v) ? v[p] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

/** One category's object of the CLI's report (EvalReport's shape: `image`, `pixel.both`, counts). */
function numbersOfReport(category: string, r: unknown): CategoryNumbers | null {
  if (!isObj(r) || !isObj(r.image)) return null;
  // The ReAL map's pixel numbers pooled over every pixel of every image, as the CLI's table shows them.
  const px = (k: string) => numAt(r, 'pixel', 'both', 'all', k);
  return {
    category,
    images: numAt(r, 'images') ?? 0,
    anomalous: numAt(r, 'anomalous') ?? 0,
    imageAuroc: numAt(r, 'image', 'auroc'),
    imageAupr: numAt(r, 'image', 'aupr'),
    f1Max: numAt(r, 'image', 'f1Max'),
    acc: numAt(r, 'image', 'acc'),
    pixelAuroc: px('auroc'),
    aupro: px('aupro'),
  };
}

/**
 * From the CLI's report, when it has a `categories` object: the chosen
 * categories' numbers as it states them, and their mean (the report's own
 * `mean` when every category is shown). null when the report is not one
 * this app reads, or lacks a chosen category: the rows answer then.
 */
export function setNumbersFromReport(report: unknown, chosen: readonly (string | null)[]): SetNumbers | null {
  if (!isObj(report) || !isObj(report.categories)) return null;
  const all = Object.keys(report.categories).sort((a, b) => a.localeCompare(b));
  const names = chosen.length ? chosen.map(categoryName) : all;
  const categories: CategoryNumbers[] = [];
  for (const c of names) {
    const n = numbersOfReport(c, report.categories[c]);
    if (!n) return null;
    categories.push(n);
  }
  const everything = names.length === all.length;
  const own = everything ? numbersOfReport('mean', report.mean) : null;
  const mean = own
    ? {
        ...own,
        images: categories.reduce((n, r) => n + r.images, 0),
        anomalous: categories.reduce((n, r) => n + r.anomalous, 0),
      }
    : meanOf(categories, 'mean');
  return { source: 'report', pixel: 'pooled', categories, mean };
}

export function setNumbers(
  rows: readonly RunSummaryRow[],
  report: unknown,
  chosen: readonly (string | null)[],
): SetNumbers {
  return setNumbersFromReport(report, chosen) ?? setNumbersFromRows(rows, chosen);
}
