import { describe, expect, it } from 'vitest';
import { prepareRepoModel } from '../../src/workers/engine/load-repo-model';
import { FileListSource } from '../../src/workers/hub/file-list-source';
import { TextCodec } from '../../src/workers/engine/text';
import { tinyRepo } from '../onnx/tiny-repo';
import { refusal } from './refusal';

/**
 * Faults in tokenizer.json and tokenizer_config.json that fuzzing repo
 * folders found reaching the user as the tokenizers library's JavaScript
 * ("this.tokenizer.added_tokens is not iterable", "Cannot read properties
 * of undefined (reading 'normalize')", "(config.pretokenizers ?? []).map is
 * not a function", …): each is one line naming the file and the field, on
 * the path a repo load takes (prepareRepoModel, before onnxruntime).
 */
type Json = Record<string, unknown>;
const base = tinyRepo('qwen2_vl');
const text = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as Json;

/** The tiny repo with tokenizer.json and tokenizer_config.json changed, as a picked folder. */
function source(change: { tokenizer?: (t: Json) => void; config?: (c: Json) => void }): FileListSource {
  const files = new Map(base.files);
  for (const [name, fn] of [
    ['tokenizer.json', change.tokenizer],
    ['tokenizer_config.json', change.config],
  ] as const) {
    if (!fn) continue;
    const v = text(files.get(name)!);
    fn(v);
    files.set(name, new TextEncoder().encode(JSON.stringify(v)));
  }
  return new FileListSource(
    [...files].map(([path, bytes]) => {
      const f = new File([bytes as Uint8Array<ArrayBuffer>], path.split('/').pop()!);
      Object.defineProperty(f, 'webkitRelativePath', { value: `repo/${path}` });
      return f;
    }),
  );
}

const prepare = (s: FileListSource) =>
  prepareRepoModel(s, { prefer: 'wasm', webgpuAvailable: async () => 'not here' });

const addedAt = (i: number, v: unknown) => (t: Json) => void ((t.added_tokens as unknown[])[i] = v);
/** JavaScript's own wording, which must never be the message. */
const JS_TEXT = /is not iterable|is not a function|Cannot read properties|undefined|\bnull \(|TypeError/;

describe('tokenizer faults found by fuzzing repo folders', () => {
  it('loads the tiny repo as it is (the cases below change one field each)', async () => {
    const prepared = await prepare(source({}));
    expect(prepared.tokenizer.encode('the', { add_special_tokens: false }).ids.length).toBe(1);
  });

  it.each<[string, { tokenizer?: (t: Json) => void; config?: (c: Json) => void }, string]>([
    [
      'added_tokens null',
      { tokenizer: (t) => void (t.added_tokens = null) },
      'tokenizer.json: added_tokens: expected a list, got null',
    ],
    [
      'an added token that is a number',
      { tokenizer: addedAt(0, 7) },
      'tokenizer.json: added_tokens[0]: expected {"id": a token id, "content": its text}',
    ],
    [
      'an added token that is a string',
      { tokenizer: addedAt(1, '<x>') },
      'tokenizer.json: added_tokens[1]: expected {"id": a token id, "content": its text}',
    ],
    [
      'an added token that is {}',
      { tokenizer: addedAt(0, {}) },
      'tokenizer.json: added_tokens[0]: expected {"id": a token id, "content": its text}',
    ],
    [
      'an added token without its content',
      { tokenizer: (t) => void delete (t.added_tokens as Json[])[0].content },
      'tokenizer.json: added_tokens[0]: expected {"id": a token id, "content": its text}',
    ],
    [
      'an added token whose special is a string',
      { tokenizer: (t) => void ((t.added_tokens as Json[])[0].special = 'yes') },
      'tokenizer.json: added_tokens[0].special: expected true or false, got string',
    ],
    [
      'post_processor a number',
      { tokenizer: (t) => void (t.post_processor = 5) },
      'tokenizer.json: post_processor: expected an object or null, got number',
    ],
    [
      'pre_tokenizer.pretokenizers a number',
      { tokenizer: (t) => void (t.pre_tokenizer = { type: 'Sequence', pretokenizers: 5 }) },
      'tokenizer.json: pre_tokenizer.pretokenizers: expected a list, got number',
    ],
    [
      'additional_special_tokens a number',
      { config: (c) => void (c.additional_special_tokens = 5) },
      'tokenizer_config.json: additional_special_tokens: expected a list of tokens, got number',
    ],
    [
      'an additional special token that is a number',
      { config: (c) => void (c.additional_special_tokens = ['<a>', 3]) },
      'tokenizer_config.json: additional_special_tokens[1]: expected a token (its text, or {"content": its text})',
    ],
    [
      'eos_token a list',
      { config: (c) => void (c.eos_token = ['</s>']) },
      'tokenizer_config.json: eos_token: expected a token (its text, or {"content": its text}) or null, got a list',
    ],
    [
      'clean_up_tokenization_spaces a string',
      { config: (c) => void (c.clean_up_tokenization_spaces = 'no') },
      'tokenizer_config.json: clean_up_tokenization_spaces: expected true or false, got string',
    ],
    [
      'a post_processor the library cannot take (TemplateProcessing whose single is a number)',
      { tokenizer: (t) => void (t.post_processor = { type: 'TemplateProcessing', single: 5 }) },
      'tokenizer.json: cannot be read as a tokenizer (its post_processor: a shape the tokenizers library cannot use)',
    ],
    [
      'a post_processor of an unknown type',
      { tokenizer: (t) => void (t.post_processor = { type: 'Telepathy' }) },
      'tokenizer.json: cannot be read as a tokenizer (its post_processor: Unknown PostProcessor type: Telepathy)',
    ],
  ])('%s: one line naming the file and the field', async (_, change, message) => {
    const got = await refusal(prepare(source(change)));
    expect(got).toBe(message);
    expect(got).not.toMatch(/\n/);
    expect(got.replace(/got null|or null/g, '')).not.toMatch(JS_TEXT);
  });

  it('reads a tokenizer.json without added_tokens as one that added none (as the Rust tokenizers do)', async () => {
    const prepared = await prepare(source({ tokenizer: (t) => void delete t.added_tokens }));
    // Without its added tokens the special tokens are the vocabulary's own, if it has them.
    expect(prepared.tokenizer.encode('the', { add_special_tokens: false }).ids.length).toBe(1);
  });

  it('takes AddedToken objects where tokenizer_config.json has them, as their texts', async () => {
    const prepared = await prepare(
      source({
        config: (c) => {
          c.additional_special_tokens = [{ content: '<|im_end|>', special: true }];
          c.eos_token = { __type: 'AddedToken', content: '<|im_end|>' };
        },
      }),
    );
    expect(prepared.tokenizer.encode('the', { add_special_tokens: false }).ids.length).toBe(1);
  });

  it("a model package's tokenizer goes through the same checks", async () => {
    const broken = text(base.files.get('tokenizer.json')!);
    broken.added_tokens = null;
    const manifest = { prompt: { chatTemplate: '{{ 1 }}', question: 'q' } } as never;
    await expect(
      Promise.resolve().then(() => new TextCodec(new TextEncoder().encode(JSON.stringify(broken)), manifest)),
    ).rejects.toThrow(/^tokenizer\.json: added_tokens: expected a list, got null$/);
  });
});
