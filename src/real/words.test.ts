import { describe, expect, it } from 'vitest';
import { reasoningTokenIndices } from './reasoning';
import { DEFAULT_ANOMALY_WORDS } from './settings';
import { anomalyWordPositions, groupWords } from './words';

const toks = (texts: string[], first = 100) => texts.map((text, i) => ({ position: first + i, text }));

describe('anomaly-word positions', () => {
  it('finds whole anomaly words with either boundary marker or a space', () => {
    const sp = toks([
      '▁Are',
      '▁there',
      '▁any',
      '▁defects',
      '▁or',
      '▁anomalies',
      '▁in',
      '▁the',
      '▁image',
      '?',
    ]);
    expect(anomalyWordPositions(sp, DEFAULT_ANOMALY_WORDS)).toEqual([103, 105]);
    const bpe = toks(['Are', 'Ġthere', 'Ġany', 'Ġdefects', 'Ġor', 'Ġanomalies', '?']);
    expect(anomalyWordPositions(bpe, DEFAULT_ANOMALY_WORDS)).toEqual([103, 105]);
    const spaced = toks(['Are', ' any', ' Defects', '?']);
    expect(anomalyWordPositions(spaced, DEFAULT_ANOMALY_WORDS)).toEqual([102]);
  });
  it('counts every piece of a word split into sub-words', () => {
    const t = toks(['▁any', '▁def', 'ects', '▁or', '▁anom', 'al', 'ies', '?']);
    expect(anomalyWordPositions(t, DEFAULT_ANOMALY_WORDS)).toEqual([101, 102, 104, 105, 106]);
  });
  it('ends a word at a token with no letters', () => {
    // "defect" + "-" + "s": the dash ends "defect", so "s" starts a word of its own
    const t = toks(['▁no', '▁defect', '-', 's', '▁anomalies?']);
    expect(groupWords(t).map((w) => w.word)).toEqual(['no', 'defect', 's', 'anomalies']);
    expect(anomalyWordPositions(t, DEFAULT_ANOMALY_WORDS)).toEqual([101, 104]);
  });
  it('finds nothing when the prompt has no anomaly word', () => {
    expect(anomalyWordPositions(toks(['▁describe', '▁the', '▁image']), DEFAULT_ANOMALY_WORDS)).toEqual([]);
  });
  it('uses the list it is given', () => {
    expect(anomalyWordPositions(toks(['▁any', '▁scratches', '?']), ['scratches'])).toEqual([101]);
  });
});

const gen = (texts: string[], special: string[] = []) =>
  texts.map((text) => ({ text, special: special.includes(text) }));

describe('reasoning tokens', () => {
  it('are the tokens between <think> and </think>, tags excluded', () => {
    const g = gen(['<think>', '▁the', '▁scratch', '▁.', '</think>', '<answer>', '▁yes', '</answer>']);
    expect(reasoningTokenIndices(g)).toEqual([1, 2, 3]);
  });
  it('find tags split over several tokens', () => {
    const g = gen(['<', 'think', '>', ' hi', ' there', '</', 'think', '>', ' <answer>', ' yes']);
    expect(reasoningTokenIndices(g)).toEqual([3, 4]);
  });
  it('without tags, are the tokens before <answer>, or all', () => {
    expect(reasoningTokenIndices(gen(['▁a', '▁scratch', '<answer>', '▁yes', '</answer>']))).toEqual([0, 1]);
    expect(reasoningTokenIndices(gen(['▁a', '▁scratch']))).toEqual([0, 1]);
  });
  it('never include special or whitespace-only tokens', () => {
    const g = gen(['<think>', '▁a', ' ', '<pad>', '\n', '▁b', '</think>'], ['<pad>', '<think>', '</think>']);
    expect(reasoningTokenIndices(g)).toEqual([1, 5]);
  });
  it('run to <answer> when </think> is missing (a cut-off answer)', () => {
    expect(reasoningTokenIndices(gen(['<think>', '▁a', '▁b', '<answer>', '▁no']))).toEqual([1, 2]);
  });
});
