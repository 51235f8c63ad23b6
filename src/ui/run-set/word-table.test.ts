import { describe, expect, it } from 'vitest';
import type { RunSummaryToken } from '../../real/run-set/summary-types';
import { rowWords, sortWords, wordKey, wordTable } from './word-table';

const tok = (
  index: number,
  text: string,
  kept: boolean,
  auroc: number | null,
  maskMass: number | null = null,
) =>
  ({
    index,
    text,
    kept,
    auroc,
    maskMass,
    sT: 0,
    sI: 0,
    sTNorm: 0,
    sINorm: 0,
    weight: kept ? 1 : 0,
  }) as RunSummaryToken;

describe('the set’s word table', () => {
  it('joins sub-word pieces as the token strip does, only across consecutive tokens', () => {
    const words = rowWords({
      trace: 't',
      tokens: [
        tok(1, '▁the', false, 0.5),
        tok(2, '▁scr', true, 0.9, 0.6),
        tok(3, 'atch', false, 0.7, 0.2),
        tok(4, ',', false, 0.5),
        // A gap (a space token, not a reasoning token): "ed" starts a word of its own.
        tok(6, 'ed', false, 0.4),
        tok(7, 'ĠScratch', true, 0.8),
      ],
    });
    expect(words.map((w) => w.word)).toEqual(['the', 'scratch', 'ed', 'scratch']);
    // Kept when any piece is; the pieces' mean AUROC and mask share.
    expect(words[1].kept).toBe(true);
    expect(words[1].auroc).toBeCloseTo(0.8, 12);
    expect(words[1].maskMass).toBeCloseTo(0.4, 12);
    // A piece without a mask number leaves the word without one.
    expect(words[0].maskMass).toBeNull();
    expect(wordKey('▁Scratch ')).toBe('scratch');
  });

  it('counts occurrences, images and kept, and averages AUROC over the occurrences with a mask', () => {
    const table = wordTable([
      { trace: 'a', tokens: [tok(1, '▁hole', true, 0.9), tok(2, '▁the', false, 0.5)] },
      { trace: 'b', tokens: [tok(1, '▁hole', false, 0.7), tok(2, '▁hole', true, null)] },
      { trace: 'c', tokens: [tok(1, '▁the', false, null)] },
    ]);
    const hole = table.find((w) => w.word === 'hole')!;
    expect(hole).toMatchObject({ occurrences: 3, images: 2, kept: 2, withMask: 2 });
    expect(hole.keepRate).toBeCloseTo(2 / 3, 12);
    expect(hole.meanAuroc).toBeCloseTo(0.8, 12);
    const the = table.find((w) => w.word === 'the')!;
    expect(the).toMatchObject({ occurrences: 2, kept: 0, withMask: 1, meanAuroc: 0.5 });
    // Most often kept first; sortable by any column, words without a value last.
    expect(table[0].word).toBe('hole');
    expect(sortWords(table, 'meanAuroc', 'asc').map((w) => w.word)).toEqual(['the', 'hole']);
    expect(sortWords(table, 'word', 'desc').map((w) => w.word)).toEqual(['the', 'hole']);
  });
});
