import { Template } from '@huggingface/jinja';
import { buildTokenizer, parseTokenizerFile } from '../hub/tokenizer-file';
import type { ModelManifest } from '../package/manifest';
import { HfTokenText } from './hf-token-text';

function parseJson(bytes: Uint8Array, name: string): object {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new Error(`${name} is not JSON (${(e as Error).message})`, { cause: e });
  }
}

/** The package's tokenizer and chat template, and token text as people read it. */
export class TextCodec extends HfTokenText {
  private template: Template;

  constructor(
    tokenizerJson: Uint8Array,
    private manifest: ModelManifest,
    tokenizerConfig?: Uint8Array,
  ) {
    // Checked and built as a repo's tokenizer is (one line naming the file on any fault).
    super(
      buildTokenizer(
        parseTokenizerFile(tokenizerJson),
        tokenizerConfig ? parseJson(tokenizerConfig, 'tokenizer_config.json') : null,
      ),
    );
    this.template = new Template(manifest.prompt.chatTemplate);
  }

  /** The id of a token string the package names (special tokens, yes/no); throws if the vocabulary lacks it. */
  id(token: string): number {
    const id = this.tokenizer.token_to_id(token);
    if (id === undefined) throw new Error(`the tokenizer has no token "${token}" that the manifest names`);
    return id;
  }

  /** The rendered chat prompt for one image and a question, as token ids (one image token). */
  promptIds(question: string): number[] {
    const text = this.template.render({
      messages: [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: question }] }],
      add_generation_prompt: true,
    });
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  get question(): string {
    return this.manifest.prompt.question;
  }
}
