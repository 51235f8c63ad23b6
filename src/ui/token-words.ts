/**
 * Generated tokens grouped into words for display, by the rule the spec uses
 * for the prompt: a token starts a word when its text begins with whitespace
 * or a boundary marker (Ġ, ▁); special tokens and tokens without letters
 * stand alone.
 */
import { hasLetters, startsWord } from '../real';

export interface Segment {
  indices: number[];
  text: string;
}

export function wordSegments(tokens: readonly { text: string; special: boolean }[]): Segment[] {
  const out: Segment[] = [];
  let open: Segment | null = null;
  tokens.forEach((t, i) => {
    const wordy = !t.special && hasLetters(t.text);
    if (open && wordy && !startsWord(t.text)) {
      open.indices.push(i);
      open.text += t.text;
      return;
    }
    const seg = { indices: [i], text: t.text };
    out.push(seg);
    open = wordy ? seg : null;
  });
  return out;
}

/** A generated token as a label on screen: its text trimmed, or as it is when it is only white space. */
export function tokenText(trace: { generated: readonly { text: string }[] }, i: number): string {
  const text = trace.generated[i]?.text ?? '';
  return text.trim() || text;
}
