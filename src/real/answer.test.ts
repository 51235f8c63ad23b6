import { describe, expect, it } from 'vitest';
import { answerWordOf, readAnswer, yesProbability } from './answer';

const toks = (...t: string[]) => t.map((text) => ({ text }));

describe('readAnswer', () => {
  it('takes the first yes/no after <answer>', () => {
    const r = readAnswer(
      toks('<think>', ' no', ' scratch', '</think>', '<answer>', ' Yes', ' no', '</answer>'),
    );
    expect(r).toEqual({ answer: 'yes', tokenIndex: 5 });
  });
  it('falls back to after </think>, then to the last word', () => {
    expect(readAnswer(toks('<think>', 'yes', '</think>', ' No', '.'))).toEqual({
      answer: 'no',
      tokenIndex: 3,
    });
    expect(readAnswer(toks('I', ' think', ' yes', ',', ' or', ' NO'))).toEqual({
      answer: 'no',
      tokenIndex: 5,
    });
    expect(readAnswer(toks('<answer>', 'maybe', '</answer>', ' yes'))).toEqual({
      answer: 'yes',
      tokenIndex: 3,
    });
  });
  it('finds a tag split over tokens and a word inside a token', () => {
    expect(readAnswer(toks('<ans', 'wer>', 'Yes</', 'answer>'))).toEqual({ answer: 'yes', tokenIndex: 2 });
  });
  it('does not read yes inside another word, and says unknown when there is none', () => {
    expect(readAnswer(toks(' yesterday', ' nothing', ' known'))).toEqual({ answer: null, tokenIndex: null });
    expect(readAnswer([])).toEqual({ answer: null, tokenIndex: null });
  });
});

describe('yes/no sets and P(yes)', () => {
  it('normalises token text', () => {
    expect(['Yes', 'ĠYES', '▁yes', ' yes', 'Ċno'].map(answerWordOf)).toEqual([
      'yes',
      'yes',
      'yes',
      'yes',
      'no',
    ]);
  });
  it('sums every yes and no token', () => {
    // probabilities 0.1, 0.2, 0.3, 0.4 as logits: the vocabulary's other tokens do not change the ratio
    expect(yesProbability([0.1, 0.2, 0.3, 0.4].map(Math.log), [0, 1], [2])).toBeCloseTo(0.5);
    expect(yesProbability([5, -1000, 5, 900], [0], [2])).toBeCloseTo(0.5);
    expect(yesProbability([0, Math.log(3)], [1], [0])).toBeCloseTo(0.75);
    expect(yesProbability([1, 2], [], [])).toBe(0.5);
  });
});
