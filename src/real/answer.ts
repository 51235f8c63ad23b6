/**
 * Reading the answer (real-method.md, "Answers and prompting"): the first
 * `yes` or `no` word after `<answer>`, or after `</think>`, or, failing both,
 * the last such word of the output; none is unknown. `P(yes)` is read at the
 * token that produced the answer word, over every vocabulary token whose
 * text, stripped of spaces and boundary markers and lower-cased, is `yes` or
 * `no`.
 */

export type Answer = 'yes' | 'no' | null;

export interface AnswerReading {
  answer: Answer;
  /** Index into the generated tokens of the token where the answer word starts, or null. */
  tokenIndex: number | null;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** Normalises a vocabulary token's text for the yes/no sets: no spaces or markers, lower case. */
export function answerWordOf(tokenText: string): string {
  return tokenText.replace(/[\sĠĊĉ▁]/gu, '').toLowerCase();
}

export function readAnswer(tokens: readonly { text: string }[]): AnswerReading {
  const starts: number[] = [];
  let text = '';
  for (const t of tokens) {
    starts.push(text.length);
    text += t.text;
  }
  const tokenAt = (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const words = [...text.matchAll(WORD)]
    .map((m) => ({ word: m[0].toLowerCase(), at: m.index }))
    .filter((w) => w.word === 'yes' || w.word === 'no');
  const after = (tag: string) => {
    const i = text.indexOf(tag);
    return i < 0 ? undefined : words.find((w) => w.at >= i + tag.length);
  };
  // "after <answer>, or after </think>, or, failing both, the last such word": a cascade.
  const hit = after('<answer>') ?? after('</think>') ?? words[words.length - 1];
  if (!hit) return { answer: null, tokenIndex: null };
  return { answer: hit.word as 'yes' | 'no', tokenIndex: tokenAt(hit.at) };
}

/**
 * P(yes) = Σ p(yes tokens) / (Σ p(yes tokens) + Σ p(no tokens)) from one
 * step's logits. The softmax's denominator cancels in the ratio, so only the
 * yes and no tokens' logits are read (shifted by their own largest), never
 * the whole vocabulary.
 */
export function yesProbability(
  logits: ArrayLike<number>,
  yesIds: readonly number[],
  noIds: readonly number[],
): number {
  let max = -Infinity;
  for (const i of yesIds) max = Math.max(max, logits[i]);
  for (const i of noIds) max = Math.max(max, logits[i]);
  if (max === -Infinity) return 0.5;
  let yes = 0;
  let no = 0;
  for (const i of yesIds) yes += Math.exp(logits[i] - max);
  for (const i of noIds) no += Math.exp(logits[i] - max);
  return yes / (yes + no);
}
