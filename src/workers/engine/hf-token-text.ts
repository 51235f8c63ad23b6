import type { Tokenizer } from '@huggingface/tokenizers';
import type { TokenText } from './generate';

/**
 * Token text as people read it, for any tokenizer: token i's text is the
 * decoded text of ids[..i] minus that of ids[..i-1] over a short window, so
 * a SentencePiece `▁word` or a byte-level `Ġword` reads " word". Falls back
 * to the raw token string. Special tokens read as themselves.
 */
export class HfTokenText implements TokenText {
  constructor(readonly tokenizer: Tokenizer) {}

  isSpecial(id: number): boolean {
    return this.tokenizer.get_added_tokens_decoder().get(id)?.special ?? false;
  }

  tokenText(ids: readonly number[], i: number): string {
    const raw = this.tokenizer.id_to_token(ids[i]);
    // A generated id the vocabulary lacks (a padded output layer): shown as such, never decoded (the
    // library's decoders fail on it with JavaScript's text).
    if (raw === undefined) return `[unknown token ${ids[i]}]`;
    if (this.isSpecial(ids[i])) return raw;
    const from = Math.max(0, i - 4);
    if (from === i) return raw;
    const window = ids.slice(from, i + 1) as number[];
    if (window.some((id) => this.tokenizer.id_to_token(id) === undefined)) return raw;
    const before = this.tokenizer.decode(window.slice(0, -1), { skip_special_tokens: false });
    const upTo = this.tokenizer.decode(window, { skip_special_tokens: false });
    return upTo.startsWith(before) && upTo.length > before.length ? upTo.slice(before.length) : raw;
  }
}
