/**
 * Which generated tokens are reasoning tokens (section 3): those between
 * `<think>` and `</think>`, the tags excluded. Without the tags, every token
 * before `<answer>` (or all of them). Special and pure-whitespace tokens never
 * count.
 *
 * Tags are found in the joined text, not per token, because a real tokenizer
 * may split `<think>` into pieces; a token that overlaps a tag is part of the
 * tag. With `<think>` but no `</think>` (a cut-off answer) the span runs to
 * `<answer>` or the end.
 */

export interface GeneratedText {
  text: string;
  special: boolean;
}

export function reasoningTokenIndices(tokens: readonly GeneratedText[]): number[] {
  const starts: number[] = [];
  let text = '';
  for (const t of tokens) {
    starts.push(text.length);
    text += t.text;
  }
  const open = text.indexOf('<think>');
  const spanStart = open >= 0 ? open + '<think>'.length : 0;
  const close = text.indexOf('</think>', spanStart);
  const answer = text.indexOf('<answer>', spanStart);
  let spanEnd = text.length;
  if (close >= 0) spanEnd = close;
  else if (answer >= 0) spanEnd = answer;

  const out: number[] = [];
  tokens.forEach((t, i) => {
    const from = starts[i];
    const to = from + t.text.length;
    if (t.special || t.text.trim() === '') return;
    if (from >= spanStart && to <= spanEnd) out.push(i);
  });
  return out;
}
