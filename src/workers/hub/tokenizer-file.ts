/**
 * tokenizer.json, checked before the tokenizers library sees it, and built
 * with every failure as one line naming the file: the library itself
 * assumes a well-formed file (`"model": null` gives "Cannot read
 * properties of null", merges that are not a list "config.merges.map is not
 * a function"), and JavaScript's own text never reaches the user.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import type { JsonObject } from './config';
import { HubError } from './hub-error';

const FILE = 'tokenizer.json';
/** Far above real vocabularies (Gemma 3: 262,145 tokens). */
export const MAX_VOCAB = 4_000_000;
const MODEL_TYPES = ['BPE', 'WordPiece', 'WordLevel', 'Unigram'];
const SECTIONS = ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder'] as const;
/** The lists a `Sequence` section holds its parts in. */
const PARTS = ['normalizers', 'pretokenizers', 'processors', 'decoders'];

function fail(problem: string): never {
  throw new HubError(FILE, problem);
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < 2 ** 31;
const shown = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v);

function checkSection(v: unknown, where: string, depth = 0): void {
  if (v === null || v === undefined) return;
  if (!isObject(v)) fail(`${where}: expected an object or null, got ${shown(v)}`);
  if (typeof v.type !== 'string') fail(`${where}.type: expected a name`);
  if (depth > 8) fail(`${where}: sections nest more than 8 deep`);
  for (const k of PARTS) {
    if (!Object.hasOwn(v, k)) continue;
    const parts = v[k];
    if (!Array.isArray(parts)) fail(`${where}.${k}: expected a list, got ${shown(parts)}`);
    parts.forEach((p, i) => checkSection(p, `${where}.${k}[${i}]`, depth + 1));
  }
}

function checkModel(m: unknown): void {
  if (!isObject(m)) fail(`"model": expected the tokenizer's model (an object), got ${shown(m)}`);
  const type = m.type;
  if (type !== undefined && (typeof type !== 'string' || !MODEL_TYPES.includes(type)))
    fail(`model.type ${JSON.stringify(type)}: expected one of ${MODEL_TYPES.join(', ')}`);
  const vocab = m.vocab;
  if (type === 'Unigram' || (type === undefined && Array.isArray(vocab))) {
    if (!Array.isArray(vocab))
      fail(`model.vocab: a Unigram model's vocabulary is a list of [token, score], got ${shown(vocab)}`);
    if (vocab.length > MAX_VOCAB) fail(`model.vocab: ${vocab.length} tokens, more than ${MAX_VOCAB}`);
    vocab.forEach((e, i) => {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'number' || !Number.isFinite(e[1]))
        fail(`model.vocab[${i}]: expected [token, score]`);
    });
    if (m.unk_id !== undefined && m.unk_id !== null && !(isId(m.unk_id) && m.unk_id < vocab.length))
      fail(`model.unk_id: expected an id of the vocabulary (0 to ${vocab.length - 1})`);
    return;
  }
  if (!isObject(vocab)) fail(`model.vocab: expected an object of token → id, got ${shown(vocab)}`);
  const tokens = Object.keys(vocab);
  if (tokens.length > MAX_VOCAB) fail(`model.vocab: ${tokens.length} tokens, more than ${MAX_VOCAB}`);
  for (const t of tokens)
    if (!isId(vocab[t]))
      fail(`model.vocab[${JSON.stringify(t.slice(0, 40))}]: expected a token id (a whole number ≥ 0)`);
  if (m.unk_token !== undefined && m.unk_token !== null && typeof m.unk_token !== 'string')
    fail('model.unk_token: expected a token or null');
  if (type === 'BPE' || (type === undefined && Object.hasOwn(m, 'merges'))) {
    const merges = m.merges;
    if (!Array.isArray(merges)) fail(`model.merges: expected a list of merges, got ${shown(merges)}`);
    merges.forEach((x, i) => {
      const pair = Array.isArray(x)
        ? x.length === 2 && typeof x[0] === 'string' && typeof x[1] === 'string'
        : typeof x === 'string' && x.includes(' ');
      if (!pair) fail(`model.merges[${i}]: expected "a b" or ["a", "b"]`);
    });
  }
}

/** tokenizer.json's parsed JSON, checked to be a tokenizers file the library can take (sections absent become null). */
export function checkTokenizerJson(v: unknown): JsonObject {
  if (!isObject(v)) fail(`expected a tokenizers file (a JSON object), got ${shown(v)}`);
  if (!Object.hasOwn(v, 'model')) fail('has no "model" section: not a tokenizers file');
  checkModel(v.model);
  const added = v.added_tokens;
  if (added !== undefined && added !== null) {
    if (!Array.isArray(added)) fail(`added_tokens: expected a list, got ${shown(added)}`);
    added.forEach((a, i) => {
      if (!isObject(a) || !isId(a.id) || typeof a.content !== 'string')
        fail(`added_tokens[${i}]: expected {"id": a token id, "content": its text}`);
    });
  }
  const out: JsonObject = { ...v };
  for (const s of SECTIONS) {
    checkSection(v[s], s);
    out[s] ??= null;
  }
  return out;
}

/** tokenizer.json's bytes: UTF-8, JSON, and a tokenizers file (checkTokenizerJson). */
export function parseTokenizerFile(bytes: Uint8Array): JsonObject {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    fail('is not UTF-8 text');
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    fail(`is not JSON (${e instanceof Error ? e.message.replace(/\s+/g, ' ').slice(0, 120) : 'unreadable'})`);
  }
  return checkTokenizerJson(v);
}

/** What the library said, without JavaScript's own wording. */
function libraryWhy(e: unknown): string {
  if (e instanceof SyntaxError) return 'a pattern in it is not a valid regular expression';
  if (e instanceof Error && e.constructor === Error && e.message.length < 200)
    return e.message.replace(/\s+/g, ' ');
  return 'one of its sections (model, normalizer, pre_tokenizer, post_processor, decoder) has a shape the tokenizers library cannot use';
}

/**
 * A tokenizer from tokenizer.json (already parsed), checked, built and
 * tried on a short text, so a file that would fail at the first prompt
 * fails here, in one line.
 */
export function buildTokenizer(json: unknown, config: JsonObject | null): Tokenizer {
  const checked = checkTokenizerJson(json);
  try {
    const t = new Tokenizer(checked, config ?? {});
    const ids = t.encode('Is there a defect? 12 ab', { add_special_tokens: false }).ids;
    const known = ids.filter((id) => t.id_to_token(id) !== undefined);
    if (known.length) t.decode(known, { skip_special_tokens: false });
    return t;
  } catch (e) {
    throw new HubError(FILE, `cannot be built into a tokenizer: ${libraryWhy(e)}`, { cause: e });
  }
}
