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
/** An added token's switches. */
const ADDED_FLAGS = ['special', 'lstrip', 'rstrip', 'normalized', 'single_word'];
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
  // The library walks added_tokens unguarded. Left out, it is none (as the Rust tokenizers read it); null is not a list.
  const added = Object.hasOwn(v, 'added_tokens') ? v.added_tokens : [];
  if (!Array.isArray(added)) fail(`added_tokens: expected a list, got ${shown(added)}`);
  added.forEach((a, i) => {
    if (!isObject(a) || !isId(a.id) || typeof a.content !== 'string')
      fail(`added_tokens[${i}]: expected {"id": a token id, "content": its text}`);
    for (const flag of ADDED_FLAGS)
      if (a[flag] !== undefined && a[flag] !== null && typeof a[flag] !== 'boolean')
        fail(`added_tokens[${i}].${flag}: expected true or false, got ${shown(a[flag])}`);
  });
  const out: JsonObject = { ...v, added_tokens: added };
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

const CONFIG = 'tokenizer_config.json';

/** The token fields of tokenizer_config.json that the library reads: a token, `{"content": …}`, or null. */
const CONFIG_TOKENS = ['bos_token', 'eos_token', 'pad_token', 'unk_token'];
/** Its switches the library reads. */
const CONFIG_FLAGS = ['remove_space', 'clean_up_tokenization_spaces', 'do_lowercase_and_remove_accent'];

function failConfig(problem: string): never {
  throw new HubError(CONFIG, problem);
}

/** A token as tokenizer_config.json writes it: its text, or an AddedToken object with its `content`. */
function tokenText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  return isObject(v) && typeof v.content === 'string' ? v.content : null;
}

/**
 * tokenizer_config.json's fields that the tokenizers library reads, checked
 * (it calls `additional_special_tokens.forEach` and indexes the vocabulary
 * by `target_lang` unguarded); what it is given, with the additional special
 * tokens as their texts (an AddedToken object would never match a token).
 */
export function checkTokenizerConfig(v: unknown): JsonObject {
  if (v === null || v === undefined) return {};
  if (!isObject(v)) failConfig(`expected a JSON object, got ${shown(v)}`);
  const c = v as JsonObject;
  const out: JsonObject = { ...c };
  const extra = c.additional_special_tokens;
  if (extra !== undefined && extra !== null) {
    if (!Array.isArray(extra))
      failConfig(`additional_special_tokens: expected a list of tokens, got ${shown(extra)}`);
    out.additional_special_tokens = extra.map((t, i) => {
      const text = tokenText(t);
      if (text === null)
        failConfig(`additional_special_tokens[${i}]: expected a token (its text, or {"content": its text})`);
      return text;
    });
  }
  for (const k of CONFIG_TOKENS) {
    const t = c[k];
    if (t === undefined || t === null) continue;
    const text = tokenText(t);
    if (text === null)
      failConfig(`${k}: expected a token (its text, or {"content": its text}) or null, got ${shown(t)}`);
    out[k] = text;
  }
  for (const k of CONFIG_FLAGS)
    if (c[k] !== undefined && c[k] !== null && typeof c[k] !== 'boolean')
      failConfig(`${k}: expected true or false, got ${shown(c[k])}`);
  if (c.target_lang !== undefined && c.target_lang !== null && typeof c.target_lang !== 'string')
    failConfig(`target_lang: expected a language code, got ${shown(c.target_lang)}`);
  return out;
}

/** What the library said, where it is its own sentence (not JavaScript's text: "… is not a function", "Cannot read …"). */
function libraryWords(e: unknown): string | null {
  if (e instanceof SyntaxError) return 'a pattern in it is not a valid regular expression';
  if (
    e instanceof Error &&
    e.constructor === Error &&
    e.message.length < 200 &&
    !/\bundefined\b|\bnull\b/.test(e.message)
  )
    return e.message.replace(/\s+/g, ' ');
  return null;
}

/** Builds the tokenizer and tries it on a short text (a file that would fail at the first prompt fails here). */
function tryBuild(json: JsonObject, config: JsonObject): Tokenizer {
  const t = new Tokenizer(json, config);
  const ids = t.encode('Is there a defect? 12 ab', { add_special_tokens: false }).ids;
  const known = ids.filter((id) => t.id_to_token(id) !== undefined);
  if (known.length) t.decode(known, { skip_special_tokens: false });
  return t;
}

/**
 * Which part made the library fail: the first whose removal lets the build
 * succeed (a section set to null, the added tokens emptied, the config
 * left out), or null when none alone does (the model itself).
 */
function culprit(json: JsonObject, config: JsonObject): string | null {
  const trials: [string, () => void][] = [
    ...SECTIONS.map((s): [string, () => void] => [
      `its ${s}`,
      () => tryBuild({ ...json, [s]: null }, config),
    ]),
    ['its added_tokens', () => tryBuild({ ...json, added_tokens: [] }, config)],
    [`what ${CONFIG} gives it`, () => tryBuild(json, {})],
  ];
  for (const [part, trial] of trials) {
    try {
      trial();
      return part;
    } catch {
      // not this one
    }
  }
  return null;
}

/**
 * A tokenizer from tokenizer.json (already parsed) and tokenizer_config.json
 * (parsed, or null): both checked, built, and tried on a short text, so a
 * file that would fail at the first prompt fails here. Every `new
 * Tokenizer` of the project goes through this, and any failure is one line
 * naming the file and, where it can be found, the part, never the library's
 * JavaScript text.
 */
export function buildTokenizer(json: unknown, config: unknown): Tokenizer {
  const checked = checkTokenizerJson(json);
  const cfg = checkTokenizerConfig(config);
  try {
    return tryBuild(checked, cfg);
  } catch (e) {
    const part = culprit(checked, cfg) ?? 'its model';
    const why = libraryWords(e) ?? 'a shape the tokenizers library cannot use';
    throw new HubError(FILE, `cannot be read as a tokenizer (${part}: ${why})`, { cause: e });
  }
}
