/**
 * Tiny BPE tokenizers shaped like the real families' tokenizer.json files,
 * small enough for a test repo: byte-level BPE (Qwen: the Qwen2 split
 * regex; SmolVLM: GPT-2's ByteLevel regex) or SentencePiece-style BPE with
 * byte fallback (Gemma: `▁` for spaces, `<0xNN>` for anything else). Every
 * text encodes (bytes or byte fallback); the listed words are single tokens.
 */

export type TokenizerStyle = 'qwen' | 'gpt2' | 'sentencepiece';

export interface AddedTokenSpec {
  content: string;
  /** Special tokens are control tokens (never reasoning text); `<think>` is not special in Qwen3. */
  special: boolean;
}

export interface TinyTokenizer {
  /** tokenizer.json as an object. */
  json: Record<string, unknown>;
  /** Token string by id (the model's vocabulary, added tokens included). */
  vocab: string[];
  /** The id of a token string; throws when it is not in the vocabulary. */
  id(token: string): number;
  /** How a word (with a leading space when `spaced`) is written as one vocabulary token. */
  wordToken(word: string, spaced: boolean): string;
}

/** GPT-2's bytes_to_unicode: printable bytes stand for themselves, the rest move to U+0100 and up. */
function byteChars(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const map = new Array<string>(256);
  for (const b of printable) map[b] = String.fromCodePoint(b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (map[b] === undefined) map[b] = String.fromCodePoint(256 + n++);
  return map;
}

const BYTE_CHARS = byteChars();
/** Vocabulary order of the 256 byte symbols in GPT-2 / Qwen vocabularies: printable ones first. */
const BYTE_ORDER = [...BYTE_CHARS].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);

const byteLevel = (s: string): string[] => Array.from(new TextEncoder().encode(s), (b) => BYTE_CHARS[b]);

/** Rank-ordered BPE as tokenizers runs it: the lowest-ranked adjacent pair merges first. */
function bpe(symbols: string[], ranks: Map<string, number>): string[] {
  let toks = symbols.slice();
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < toks.length; i++) {
      const r = ranks.get(`${toks[i]}\u0000${toks[i + 1]}`);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) return toks;
    const [a, b] = [toks[best], toks[best + 1]];
    const out: string[] = [];
    for (let i = 0; i < toks.length; i++) {
      if (i + 1 < toks.length && toks[i] === a && toks[i + 1] === b) {
        out.push(a + b);
        i++;
      } else out.push(toks[i]);
    }
    toks = out;
  }
}

/**
 * Merges that make every word one token. A merge appended after all others
 * never changes how an earlier word encodes (a lower-ranked pair was always
 * available there), so words are made whole one at a time.
 */
function mergesFor(words: string[][]): [string, string][] {
  const merges: [string, string][] = [];
  const ranks = new Map<string, number>();
  for (const w of words) {
    for (let toks = bpe(w, ranks); toks.length > 1; toks = bpe(w, ranks)) {
      ranks.set(`${toks[0]}\u0000${toks[1]}`, merges.length);
      merges.push([toks[0], toks[1]]);
    }
  }
  return merges;
}

const QWEN_SPLIT =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

function addedToken(id: number, t: AddedTokenSpec) {
  return {
    id,
    content: t.content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: t.special,
  };
}

/**
 * A tokenizer whose vocabulary is the base symbols, the merged words, then
 * the added tokens (`leading` ones first, at ids 0.., as Gemma and SmolVLM
 * put their control tokens; `trailing` ones after the merges, as Qwen does).
 */
export function tinyTokenizer(
  style: TokenizerStyle,
  words: readonly string[],
  added: { leading?: readonly AddedTokenSpec[]; trailing?: readonly AddedTokenSpec[] },
): TinyTokenizer {
  const leading = added.leading ?? [];
  const trailing = added.trailing ?? [];
  const sp = style === 'sentencepiece';
  const wordToken = (w: string, spaced: boolean) =>
    sp ? (spaced ? `▁${w}` : w) : byteLevel(spaced ? ` ${w}` : w).join('');
  const forms = [...new Set(words)].flatMap((w) => [wordToken(w, true), wordToken(w, false)]);
  // Newline runs are one token in the real vocabularies (the templates use "\n\n").
  const extra = sp ? ['\n\n', '▁▁'] : [byteLevel('\n\n').join(''), byteLevel('  ').join('')];
  let base: string[];
  if (sp) {
    const chars = new Set<string>(['▁', '\n']);
    for (const f of [...forms, ...extra]) for (const c of f) chars.add(c);
    for (let c = 0x21; c <= 0x7e; c++) chars.add(String.fromCharCode(c));
    base = [
      ...Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`),
      ...[...chars].sort(),
    ];
  } else base = BYTE_ORDER;
  // Symbols are code points: byte-level characters, or SentencePiece characters.
  const merges = mergesFor([...forms, ...extra].map((f) => Array.from(f)));
  const vocab: string[] = [...leading.map((t) => t.content), ...base];
  const seen = new Set(vocab);
  for (const [a, b] of merges) {
    if (!seen.has(a + b)) {
      seen.add(a + b);
      vocab.push(a + b);
    }
  }
  for (const t of trailing) {
    if (seen.has(t.content)) throw new Error(`added token ${t.content} is already in the vocabulary`);
    seen.add(t.content);
    vocab.push(t.content);
  }
  const ids = new Map(vocab.map((t, i) => [t, i]));
  const addedTokens = [...leading, ...trailing].map((t) => addedToken(ids.get(t.content)!, t));
  const modelVocab = Object.fromEntries(
    vocab.map((t, i) => [t, i] as const).filter(([t]) => !trailing.some((a) => a.content === t)),
  );
  const byteLevelPart = { add_prefix_space: false, trim_offsets: false, use_regex: false };
  const json: Record<string, unknown> =
    style === 'sentencepiece'
      ? {
          version: '1.0',
          truncation: null,
          padding: null,
          added_tokens: addedTokens,
          normalizer: { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
          pre_tokenizer: {
            type: 'Split',
            pattern: { String: ' ' },
            behavior: 'MergedWithPrevious',
            invert: false,
          },
          post_processor: null,
          decoder: {
            type: 'Sequence',
            decoders: [
              { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
              { type: 'ByteFallback' },
              { type: 'Fuse' },
            ],
          },
          model: {
            type: 'BPE',
            dropout: null,
            unk_token: '<unk>',
            continuing_subword_prefix: null,
            end_of_word_suffix: null,
            fuse_unk: true,
            byte_fallback: true,
            ignore_merges: false,
            vocab: modelVocab,
            merges,
          },
        }
      : {
          version: '1.0',
          truncation: null,
          padding: null,
          added_tokens: addedTokens,
          normalizer: style === 'qwen' ? { type: 'NFC' } : null,
          pre_tokenizer:
            style === 'qwen'
              ? {
                  type: 'Sequence',
                  pretokenizers: [
                    { type: 'Split', pattern: { Regex: QWEN_SPLIT }, behavior: 'Isolated', invert: false },
                    { type: 'ByteLevel', ...byteLevelPart },
                  ],
                }
              : { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
          post_processor: { type: 'ByteLevel', ...byteLevelPart },
          decoder: { type: 'ByteLevel', ...byteLevelPart },
          model: {
            type: 'BPE',
            dropout: null,
            unk_token: null,
            continuing_subword_prefix: '',
            end_of_word_suffix: '',
            fuse_unk: false,
            byte_fallback: false,
            ignore_merges: false,
            vocab: modelVocab,
            merges,
          },
        };
  return {
    json,
    vocab,
    id(token) {
      const i = ids.get(token);
      if (i === undefined) throw new Error(`the tiny tokenizer has no token ${JSON.stringify(token)}`);
      return i;
    },
    wordToken,
  };
}
