import { describe, expect, it } from 'vitest';
import { wordSegments } from './token-words';

describe('tokens merged into words', () => {
  it('joins sub-word pieces and keeps special and letterless tokens apart', () => {
    const t = (text: string, special = false) => ({ text, special });
    const segs = wordSegments([
      t('<think>', true),
      t(' scr'),
      t('atch'),
      t(' in'),
      t('.'),
      t(' an'),
      t('om'),
      t('aly'),
      t('</think>', true),
    ]);
    expect(segs.map((s) => s.text)).toEqual(['<think>', ' scratch', ' in', '.', ' anomaly', '</think>']);
    expect(segs[1].indices).toEqual([1, 2]);
    expect(segs[4].indices).toEqual([5, 6, 7]);
  });
});
