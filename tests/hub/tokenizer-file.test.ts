import { describe, expect, it } from 'vitest';
import { HfTokenText } from '../../src/workers/engine/hf-token-text';
import { buildTokenizer, checkTokenizerJson, parseTokenizerFile } from '../../src/workers/hub/tokenizer-file';
import { refusal } from './refusal';

const BPE = {
  version: '1.0',
  added_tokens: [{ id: 3, content: '</s>', special: true }],
  normalizer: null,
  pre_tokenizer: null,
  post_processor: null,
  decoder: { type: 'Metaspace', replacement: '▁', add_prefix_space: true },
  model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2, '</s>': 3 }, merges: ['a b'], unk_token: null },
};
const refused = (f: () => unknown) => refusal(Promise.resolve().then(f));

describe('tokenizer.json', () => {
  it('builds a well-formed file, filling in sections left out', () => {
    const noPost: Record<string, unknown> = { ...BPE };
    delete noPost.post_processor;
    expect(checkTokenizerJson(noPost).post_processor).toBeNull();
    expect(buildTokenizer(noPost, null).encode('ab', { add_special_tokens: false }).ids).toEqual([2]);
  });

  it.each([
    [
      { ...BPE, model: null },
      'tokenizer.json: "model": expected the tokenizer\'s model (an object), got null',
    ],
    [
      { ...BPE, model: { ...BPE.model, merges: 7 } },
      'tokenizer.json: model.merges: expected a list of merges, got number',
    ],
    [
      { ...BPE, model: { ...BPE.model, merges: [['a']] } },
      'tokenizer.json: model.merges[0]: expected "a b" or ["a", "b"]',
    ],
    [
      { ...BPE, model: { ...BPE.model, vocab: { a: -1 } } },
      'tokenizer.json: model.vocab["a"]: expected a token id (a whole number ≥ 0)',
    ],
    [
      { ...BPE, model: { type: 'Unigram', vocab: [['a', 'x']] } },
      'tokenizer.json: model.vocab[0]: expected [token, score]',
    ],
    [
      { ...BPE, model: { type: 'Magic', vocab: {} } },
      'tokenizer.json: model.type "Magic": expected one of BPE, WordPiece, WordLevel, Unigram',
    ],
    [
      { ...BPE, added_tokens: [{ id: 'x', content: 'y' }] },
      'tokenizer.json: added_tokens[0]: expected {"id": a token id, "content": its text}',
    ],
    [
      { ...BPE, normalizer: { type: 'Sequence', normalizers: 3 } },
      'tokenizer.json: normalizer.normalizers: expected a list, got number',
    ],
    [{ ...BPE, decoder: 'Metaspace' }, 'tokenizer.json: decoder: expected an object or null, got string'],
    [[1, 2], 'tokenizer.json: expected a tokenizers file (a JSON object), got a list'],
  ])('refuses %j in one line', async (json, message) => {
    // Each of these reaches the library as JavaScript's own errors ("Cannot read properties of null", "….map is not a function").
    expect(await refused(() => buildTokenizer(json, null))).toBe(message);
  });

  it('says what the bytes are when they are no tokenizer', async () => {
    expect(await refused(() => parseTokenizerFile(new Uint8Array([0xff, 0xfe])))).toBe(
      'tokenizer.json: is not UTF-8 text',
    );
    expect(await refused(() => parseTokenizerFile(new TextEncoder().encode('{"model":')))).toMatch(
      /^tokenizer\.json: is not JSON \(/,
    );
  });

  it('shows a generated id the vocabulary lacks as such (the library fails on it with its own text)', () => {
    const t = buildTokenizer(BPE, null);
    expect(() => t.decode([0, 99], { skip_special_tokens: false })).toThrow(/Cannot read properties/);
    const text = new HfTokenText(t);
    expect(text.tokenText([0, 1, 99], 2)).toBe('[unknown token 99]');
    expect(text.tokenText([99], 0)).toBe('[unknown token 99]');
    // A token after an unknown one still reads as itself.
    expect(text.tokenText([0, 99, 1], 2)).toBe('b');
  });
});
