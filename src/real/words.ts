/**
 * Anomaly words in the prompt (section 3, Eq. 2). Prompt tokens are grouped
 * into words: a token starts a new word when its raw text begins with
 * whitespace or a word-boundary marker (Ġ for byte-level BPE, ▁ for
 * SentencePiece); a token with no letters ends the current word and belongs
 * to none. A word whose letters, lower-cased and joined, are in the list
 * marks every one of its tokens, so sub-word pieces all count.
 */

export interface PromptToken {
  position: number;
  text: string;
}

export interface PromptWord {
  /** Letters of the word, lower-cased and joined. */
  word: string;
  /** Indices into the prompt token list. */
  tokens: number[];
}

/**
 * Byte-level BPE writes a space as Ġ and a newline as Ċ (tab ĉ); SentencePiece
 * writes a space as ▁. Ġ, Ċ and ĉ are letters to Unicode, so they are taken
 * out before the letters are read.
 */
const BOUNDARY = /^[\sĠĊĉ▁]/u;
const MARKERS = /[ĠĊĉ▁]/gu;
const LETTER = /\p{L}/gu;

function letters(text: string): string {
  return (text.replace(MARKERS, '').match(LETTER) ?? []).join('').toLowerCase();
}

/** Whether a token's raw text begins a new word (whitespace or a boundary marker first). */
export function startsWord(text: string): boolean {
  return BOUNDARY.test(text);
}

/** Whether a token has any letter (markers aside): tokens without one belong to no word. */
export function hasLetters(text: string): boolean {
  return letters(text) !== '';
}

export function groupWords(tokens: readonly PromptToken[]): PromptWord[] {
  const words: PromptWord[] = [];
  let current: PromptWord | null = null;
  tokens.forEach((token, i) => {
    const l = letters(token.text);
    if (l === '') {
      current = null;
      return;
    }
    if (current === null || startsWord(token.text)) {
      current = { word: '', tokens: [] };
      words.push(current);
    }
    current.word += l;
    current.tokens.push(i);
  });
  return words;
}

/** Sequence positions of every prompt token that belongs to an anomaly word. */
export function anomalyWordPositions(
  tokens: readonly PromptToken[],
  anomalyWords: readonly string[],
): number[] {
  const wanted = new Set(anomalyWords.map((w) => w.toLowerCase()));
  const positions: number[] = [];
  for (const word of groupWords(tokens)) {
    if (wanted.has(word.word)) for (const i of word.tokens) positions.push(tokens[i].position);
  }
  return positions.sort((a, b) => a - b);
}
