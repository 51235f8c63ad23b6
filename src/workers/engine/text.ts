import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import type { ModelManifest } from '../package/manifest';

/** The package's tokenizer and chat template, and token text as people read it. */
export class TextCodec {
  readonly tokenizer: Tokenizer;
  private template: Template;

  constructor(
    tokenizerJson: Uint8Array,
    private manifest: ModelManifest,
    tokenizerConfig?: Uint8Array,
  ) {
    const parse = (bytes: Uint8Array, name: string): object => {
      try {
        return JSON.parse(new TextDecoder().decode(bytes));
      } catch (e) {
        throw new Error(`${name} is not JSON (${(e as Error).message})`, { cause: e });
      }
    };
    const json = parse(tokenizerJson, 'tokenizer.json');
    this.tokenizer = new Tokenizer(
      json,
      tokenizerConfig ? parse(tokenizerConfig, 'tokenizer_config.json') : {},
    );
    this.template = new Template(manifest.prompt.chatTemplate);
  }

  /** The id of a token string the package names (special tokens, yes/no); throws if the vocabulary lacks it. */
  id(token: string): number {
    const id = this.tokenizer.token_to_id(token);
    if (id === undefined) throw new Error(`the tokenizer has no token "${token}" that the manifest names`);
    return id;
  }

  isSpecial(id: number): boolean {
    return this.tokenizer.get_added_tokens_decoder().get(id)?.special ?? false;
  }

  /** The rendered chat prompt for one image and a question, as token ids (one image token). */
  promptIds(question: string): number[] {
    const text = this.template.render({
      messages: [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: question }] }],
      add_generation_prompt: true,
    });
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /**
   * Token i's text as it reads in context: the decoded text of ids[..i] minus
   * that of ids[..i-1] over a short window, so a SentencePiece `▁word` or a
   * byte-level `Ġword` reads " word". Falls back to the raw token string.
   */
  tokenText(ids: readonly number[], i: number): string {
    const raw = this.tokenizer.id_to_token(ids[i]) ?? '';
    if (this.isSpecial(ids[i])) return raw;
    const from = Math.max(0, i - 4);
    if (from === i) return raw;
    const before = this.tokenizer.decode(ids.slice(from, i) as number[], { skip_special_tokens: false });
    const upTo = this.tokenizer.decode(ids.slice(from, i + 1) as number[], { skip_special_tokens: false });
    return upTo.startsWith(before) && upTo.length > before.length ? upTo.slice(before.length) : raw;
  }

  get question(): string {
    return this.manifest.prompt.question;
  }
}
