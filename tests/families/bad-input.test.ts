import { MAX_IMAGE_TOKEN_CAP } from '../../src/workers/adapters/image-sizing';
import { describe, expect, it } from 'vitest';
import { hfAdapter, isKnownFamily, KNOWN_FAMILIES } from '../../src/workers/adapters/hf-families';
import type { FamilyRepo } from '../../src/workers/adapters/hf-types';
import {
  CHATML_VISION_TEMPLATE,
  QWEN35_IDS,
  SMOLVLM_TEMPLATE,
  qwen35Tokenizer,
  qwenTokenizer,
  qwenTokenizerJson,
  smolvlmTokenizer,
  gemmaTokenizer,
  gemmaTokenizerConfig,
} from './fixtures';

/** What the adapters refuse, each with one line that says why. */
const qwen = (over: Partial<FamilyRepo> = {}, config: Record<string, unknown> = {}): FamilyRepo => ({
  config: { model_type: 'qwen2_vl', image_token_id: 151655, vision_start_token_id: 151652, ...config },
  preprocessor: {
    min_pixels: 3136,
    max_pixels: 12845056,
    patch_size: 14,
    merge_size: 2,
    temporal_patch_size: 2,
  },
  tokenizer: qwenTokenizer(),
  tokenizerConfig: { eos_token: '<|im_end|>' },
  chatTemplate: CHATML_VISION_TEMPLATE,
  ...over,
});
const smol = (over: Partial<FamilyRepo> = {}): FamilyRepo => ({
  config: { model_type: 'idefics3', scale_factor: 4, vision_config: { image_size: 512, patch_size: 16 } },
  preprocessor: { size: { longest_edge: 2048 }, max_image_size: { longest_edge: 512 } },
  processor: { image_seq_len: 64 },
  tokenizer: smolvlmTokenizer(),
  tokenizerConfig: { eos_token: '<end_of_utterance>' },
  chatTemplate: SMOLVLM_TEMPLATE,
  ...over,
});

describe('model_type', () => {
  it('names the families it knows for an unknown one, prototype keys included', () => {
    for (const t of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'llava', '']) {
      const repo = qwen({}, { model_type: t });
      expect(() => hfAdapter(repo)).toThrow(
        `unknown model_type "${t}" in config.json; known: idefics3, smolvlm, qwen2_vl, qwen2_5_vl, qwen3_vl, qwen3_5, gemma3`,
      );
    }
    expect(() => hfAdapter(qwen({}, { model_type: undefined }))).toThrow(
      /unknown model_type none in config.json; known: idefics3/,
    );
    expect(() => hfAdapter(qwen({}, { model_type: 7 }))).toThrow(/unknown model_type 7/);
    // JSON.parse gives "__proto__" as an own key: still not a family.
    expect(() =>
      hfAdapter({ ...qwen(), config: JSON.parse('{"model_type": "__proto__", "__proto__": {}}') }),
    ).toThrow(/unknown model_type "__proto__"/);
    expect(KNOWN_FAMILIES.every(isKnownFamily)).toBe(true);
    expect(isKnownFamily('constructor')).toBe(false);
  });
});

describe('chat templates', () => {
  it('refuses a template with no image slot (a text-only template)', () => {
    const textOnly = (qwenTokenizerJson() as unknown as { chat_template?: string }).chat_template;
    expect(textOnly).toBeUndefined();
    const plain =
      "{%- for m in messages -%}{{ '<|im_start|>' + m.role + '\\n' }}{%- if m.content is string -%}{{ m.content }}" +
      "{%- else -%}{%- for c in m.content -%}{%- if c.type == 'text' -%}{{ c.text }}{%- endif -%}{%- endfor -%}{%- endif -%}" +
      "{{ '<|im_end|>\\n' }}{%- endfor -%}";
    const a = hfAdapter(qwen({ chatTemplate: plain }));
    expect(() => a.plan({ width: 224, height: 224 }, { tier: null })).toThrow(
      "the chat template renders no image slot (<|image_pad|>) for a message with an image; this repo's template cannot take an image",
    );
  });
  it('refuses a question that brings its own image slot', () => {
    const a = hfAdapter(qwen());
    expect(() =>
      a.plan({ width: 224, height: 224 }, { question: 'what is <|image_pad|>?', tier: null }),
    ).toThrow(/2 image slots \(<\|image_pad\|>\), this model takes exactly one image/);
    const s = hfAdapter(smol());
    expect(() => s.plan({ width: 224, height: 224 }, { question: 'an <image> here', tier: null })).toThrow(
      /2 image slots/,
    );
  });
  it('refuses an empty template and one that does not parse', () => {
    expect(() => hfAdapter(qwen({ chatTemplate: '  ' }))).toThrow(/has no chat template/);
    expect(() => hfAdapter(qwen({ chatTemplate: '{% for x in %}' }))).toThrow(/does not parse/);
  });
});

describe('images the model cannot take', () => {
  it('a grid past the model’s positions, or past the image-token cap', () => {
    const a = hfAdapter(
      qwen({ maxImageTokens: MAX_IMAGE_TOKEN_CAP }, { text_config: { max_position_embeddings: 2048 } }),
    );
    expect(() => a.plan({ width: 1920, height: 1080 }, {})).toThrow(
      'the image is 1920×1080 pixels and would take 2691 image tokens; the qwen2_vl model has only 2048 positions — scale it down first',
    );
    expect(a.plan({ width: 640, height: 480 }, {}).featurePositions).toHaveLength(391);
    // Native sizing is reduced to the cap (max_pixels lowered), and says so.
    const capped = hfAdapter(qwen({ maxImageTokens: 10_000 }));
    const p = capped.plan({ width: 4000, height: 3000 }, { sizing: { mode: 'native' } });
    expect(p.featurePositions.length).toBeLessThanOrEqual(10_000);
    expect(p.sizing).toMatchObject({ mode: 'native', capped: true, cap: 10_000, uncappedTokens: 15_301 });
    // A square size is what the user asked for: past the cap it is refused, not shrunk.
    expect(() =>
      capped.plan({ width: 4000, height: 3000 }, { sizing: { mode: 'square', side: 4096 } }),
    ).toThrow(
      'the qwen2_vl processor would make 16384 image tokens of the 4000×3000 image; the memory plan allows 10000 — use --image-size native (capped to fit) or a smaller size',
    );
  });
  it('the cap: the memory plan’s, never above the family’s conservative default; a run may name its own', () => {
    expect(hfAdapter(qwen()).defaultMaxImageTokens).toBe(1024);
    expect(hfAdapter(qwen({ planImageTokens: 1835 })).defaultMaxImageTokens).toBe(1024);
    expect(hfAdapter(qwen({ planImageTokens: 500 })).defaultMaxImageTokens).toBe(500);
    expect(hfAdapter(smol({ planImageTokens: 1_000_000 })).defaultMaxImageTokens).toBe(8192);
    const p = hfAdapter(qwen({ planImageTokens: 500 })).plan(
      { width: 1920, height: 1080 },
      { sizing: { mode: 'native', maxImageTokens: 2000 } },
    );
    expect(p.sizing).toMatchObject({ capped: true, cap: 2000 });
    expect(p.featurePositions.length).toBeLessThanOrEqual(2000);
  });
  it('an aspect ratio past 200:1, an image too small, a side that resizes to nothing', () => {
    expect(() => hfAdapter(qwen()).plan({ width: 8040, height: 40 }, {})).toThrow(/aspect ratio of 201:1/);
    expect(() => hfAdapter(qwen()).plan({ width: 10, height: 400 }, {})).toThrow(/at least 16×16/);
    expect(() => hfAdapter(smol()).plan({ width: 40000, height: 16 }, {})).toThrow(
      /one side has no pixels left/,
    );
  });
  it('a pixel buffer that does not match the size', () => {
    const bad = { width: 32, height: 32, data: new Uint8Array(10) };
    expect(() => hfAdapter(qwen()).prepare(bad, { question: 'q' })).toThrow(/expected width·height·4 = 4096/);
  });
});

describe('repos that do not fit together', () => {
  it('a tokenizer whose image token is not config.json’s', () => {
    expect(() => hfAdapter(qwen({}, { image_token_id: QWEN35_IDS['<|image_pad|>'] }))).toThrow(
      'config.json image_token_id is 248056 but the tokenizer has <|image_pad|> as 151655; the tokenizer does not belong to this model',
    );
    expect(() => hfAdapter(qwen({ tokenizer: qwen35Tokenizer() }))).toThrow(/does not belong/);
  });
  it('patch sizes that disagree between the preprocessor and the vision config', () => {
    expect(() => hfAdapter(qwen({}, { vision_config: { patch_size: 16 } }))).toThrow(
      'preprocessor_config.json patch_size is 14 but config.json vision_config.patch_size is 16; the patch size must agree',
    );
  });
  it('tokens per tile that disagree with the vision config', () => {
    expect(() => hfAdapter(smol({ processor: { image_seq_len: 81 } }))).toThrow(
      'processor_config.json image_seq_len is 81 but config.json gives ⌊512 / 16⌋² / 4² = 64',
    );
  });
  it('tokens per tile that cannot be derived: a side of patches that scale_factor does not divide', () => {
    const odd = {
      model_type: 'idefics3',
      scale_factor: 3,
      vision_config: { image_size: 512, patch_size: 16 },
    };
    expect(() => hfAdapter(smol({ processor: undefined, config: odd }))).toThrow(
      '⌊512 / 16⌋ = 32 patches a side do not merge by scale_factor 3 into a whole grid, and processor_config.json has no image_seq_len',
    );
  });
  it('a decoder whose position_ids do not match the family', () => {
    expect(() => hfAdapter(qwen({ decoderPositionIds: { rank: 2 } }))).toThrow(
      /needs M-RoPE position_ids \[3, batch, sequence\]/,
    );
    expect(() => hfAdapter(smol({ decoderPositionIds: { rank: 3 } }))).toThrow(
      /3-row \(M-RoPE\) position_ids/,
    );
    expect(hfAdapter(smol({ decoderPositionIds: null })).positionKind).toBe('none');
  });
  it('bad numbers in the preprocessor config', () => {
    expect(() => hfAdapter(qwen({ preprocessor: { patch_size: 0 } }))).toThrow(
      /patch_size: expected a whole number ≥ 1, got 0/,
    );
    expect(() => hfAdapter(qwen({ preprocessor: { image_mean: [0.5, 0.5] } }))).toThrow(
      /image_mean: expected three numbers/,
    );
    expect(() => hfAdapter(qwen({ preprocessor: { image_std: [0.5, 0, 0.5] } }))).toThrow(
      /image_std: expected three numbers/,
    );
  });
  it('Gemma 3 with pan-and-scan on', () => {
    const tc = gemmaTokenizerConfig();
    expect(() =>
      hfAdapter({
        config: { model_type: 'gemma3' },
        preprocessor: { do_pan_and_scan: true },
        tokenizer: gemmaTokenizer(),
        tokenizerConfig: tc,
        chatTemplate: tc.chat_template as string,
      }),
    ).toThrow(/do_pan_and_scan is true; pan-and-scan crops are not supported/);
  });
});

describe('what the adapter reads from the repo', () => {
  it('stop ids: generation_config.json, else config.json, else the tokenizer’s eos', () => {
    expect(hfAdapter(qwen({ generation: { eos_token_id: [151645, 151643] } })).stopIds).toEqual([
      151645, 151643,
    ]);
    expect(hfAdapter(qwen({}, { eos_token_id: 151643 })).stopIds).toEqual([151643]);
    expect(hfAdapter(qwen()).stopIds).toEqual([151645]);
    expect(() => hfAdapter(qwen({ tokenizerConfig: {} }))).toThrow(/no stop token/);
  });
  it('the grid input’s name from the vision graph, else the family’s', () => {
    const feeds = (repo: FamilyRepo) =>
      Object.keys(
        hfAdapter(repo).prepare(
          { width: 56, height: 56, data: new Uint8Array(56 * 56 * 4).fill(128) },
          { question: 'q', tier: null },
        ).visionFeeds,
      ).sort();
    expect(feeds(qwen())).toEqual(['grid_thw', 'pixel_values']);
    expect(feeds(qwen({}, { model_type: 'qwen2_5_vl' }))).toEqual(['image_grid_thw', 'pixel_values']);
    expect(feeds(qwen({ visionInputNames: ['pixel_values', 'image_grid_thw'] }))).toEqual([
      'image_grid_thw',
      'pixel_values',
    ]);
  });
});
