import type { RunSummaryRow, RunSummaryToken } from '../../real/run-set/summary-types';
import { wordSegments } from '../token-words';

/**
 * What a run set says about its reasoning words: for each word, how often it
 * occurs, how often ReAL keeps it, and how well its map localises the defect
 * (per-image pixel AUROC against the mask, and the share of the map's mass
 * inside the mask). Sub-word pieces are grouped into words by the app's rule
 * (token-words.ts) over runs of consecutive reasoning tokens; a word is kept
 * when any of its pieces is; its AUROC and mask share in one image are the
 * mean of its pieces' (the summary holds each piece's own map's numbers).
 */

export interface WordOccurrence {
  word: string;
  /** The row's trace, for finding the image again. */
  trace: string;
  pieces: RunSummaryToken[];
  kept: boolean;
  /** Mean of the pieces' AUROC; null where the image has no mask. */
  auroc: number | null;
  maskMass: number | null;
}

export interface WordStats {
  word: string;
  occurrences: number;
  /** Images it occurs in. */
  images: number;
  kept: number;
  keepRate: number;
  /** Mean per-image AUROC of its map over the occurrences with a mask; null with none. */
  meanAuroc: number | null;
  /** How many occurrences the mean is over. */
  withMask: number;
  meanMaskMass: number | null;
}

const MARKERS = /[ĠĊĉ▁]/gu;

/** A word's text for counting: no boundary markers or surrounding space, lower case. */
export const wordKey = (text: string) => text.replace(MARKERS, ' ').trim().toLowerCase();

const hasLetter = (s: string) => /\p{L}/u.test(s);

function mean(xs: readonly number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** The words of one row's reasoning tokens. */
export function rowWords(row: Pick<RunSummaryRow, 'trace' | 'tokens'>): WordOccurrence[] {
  const tokens = [...row.tokens].sort((a, b) => a.index - b.index);
  const out: WordOccurrence[] = [];
  // Consecutive runs of tokens: a gap (a tag, a space token) always ends a word.
  let run: RunSummaryToken[] = [];
  const close = () => {
    for (const seg of wordSegments(run.map((t) => ({ text: t.text, special: false })))) {
      const word = wordKey(seg.text);
      if (!hasLetter(word)) continue;
      const pieces = seg.indices.map((i) => run[i]);
      const aurocs = pieces.map((p) => p.auroc);
      const masses = pieces.map((p) => p.maskMass);
      out.push({
        word,
        trace: row.trace,
        pieces,
        kept: pieces.some((p) => p.kept),
        auroc: aurocs.every((a) => a !== null) ? mean(aurocs as number[]) : null,
        maskMass: masses.every((m) => m !== null) ? mean(masses as number[]) : null,
      });
    }
    run = [];
  };
  for (const t of tokens) {
    if (run.length && t.index !== run[run.length - 1].index + 1) close();
    run.push(t);
  }
  close();
  return out;
}

export function wordTable(rows: readonly Pick<RunSummaryRow, 'trace' | 'tokens'>[]): WordStats[] {
  const by = new Map<string, { occ: WordOccurrence[]; traces: Set<string> }>();
  for (const r of rows)
    for (const o of rowWords(r)) {
      let e = by.get(o.word);
      if (!e) by.set(o.word, (e = { occ: [], traces: new Set() }));
      e.occ.push(o);
      e.traces.add(o.trace);
    }
  const out: WordStats[] = [];
  for (const [word, { occ, traces }] of by) {
    const kept = occ.filter((o) => o.kept).length;
    const aurocs = occ.map((o) => o.auroc).filter((a): a is number => a !== null);
    const masses = occ.map((o) => o.maskMass).filter((a): a is number => a !== null);
    out.push({
      word,
      occurrences: occ.length,
      images: traces.size,
      kept,
      keepRate: kept / occ.length,
      meanAuroc: mean(aurocs),
      withMask: aurocs.length,
      meanMaskMass: mean(masses),
    });
  }
  return out.sort((a, b) => b.kept - a.kept || b.occurrences - a.occurrences || (a.word < b.word ? -1 : 1));
}

export type WordSortKey =
  'word' | 'occurrences' | 'images' | 'kept' | 'keepRate' | 'meanAuroc' | 'meanMaskMass';

/** Sorted by a column; words without a value (no mask) go last either way. */
export function sortWords(words: readonly WordStats[], key: WordSortKey, dir: 'asc' | 'desc'): WordStats[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...words].sort((a, b) => {
    if (key === 'word') return sign * (a.word < b.word ? -1 : a.word > b.word ? 1 : 0);
    const x = a[key];
    const y = b[key];
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    return sign * (x - y) || (a.word < b.word ? -1 : 1);
  });
}
