import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TIER_SYSTEM_PROMPTS } from '../../src/real/prompting';
import { ChatTemplate, DEFAULT_TEMPLATE_LIMITS } from '../../src/workers/adapters/chat-template';
import { withCpuMs } from '../timing';
import { hfAdapter } from '../../src/workers/adapters/hf-families';
import type { FamilyRepo } from '../../src/workers/adapters/hf-types';
import {
  CHATML_VISION_TEMPLATE,
  HAVE_SHARED,
  SKIP_REASON,
  SMOLVLM_TEMPLATE,
  SPECIMENS,
  gemmaTokenizer,
  gemmaTokenizerConfig,
  qwen35Tokenizer,
  qwenTokenizer,
  readJson,
  smolvlmTokenizer,
} from './fixtures';

/** The prompting tiers (real-method.md, last section) through real chat templates, and the template bounds. */
const Q = 'Are there any defects or anomalies in the image?';
const QWEN35 = join(SPECIMENS, 'onnx-community', 'qwen3.5-0.8b');

const qwen2 = (chatTemplate = CHATML_VISION_TEMPLATE): FamilyRepo => ({
  config: {
    model_type: 'qwen2_vl',
    image_token_id: 151655,
    vision_start_token_id: 151652,
    vision_config: { patch_size: 14, spatial_merge_size: 2 },
  },
  tokenizer: qwenTokenizer(),
  tokenizerConfig: { eos_token: '<|im_end|>' },
  chatTemplate,
});

describe('prompting tiers', () => {
  it('tier 1 by default, 2, 3 and none as the system prompt; the question stays', () => {
    const a = hfAdapter(qwen2());
    for (const tier of [undefined, 1, 2, 3] as const) {
      const p = a.plan({ width: 224, height: 224 }, { tier });
      const system = TIER_SYSTEM_PROMPTS[tier ?? 1];
      expect(
        p.text.startsWith(`<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\n<|vision_start|>`),
      ).toBe(true);
      expect(p.text.endsWith(`<|vision_end|>${Q}<|im_end|>\n<|im_start|>assistant\n`)).toBe(true);
      expect(p.prompting).toEqual({ system, tier: tier ?? 1 });
      expect(p.thinking).toBe(false);
    }
    const none = a.plan({ width: 224, height: 224 }, { tier: null });
    expect(none.text.startsWith('<|im_start|>user\n')).toBe(true);
    expect(none.prompting).toEqual({ system: null, tier: null });
  });

  it('moves the image block, and M-RoPE with it: the delta stays max(rows, cols) − image tokens', () => {
    const p = hfAdapter(qwen2()).plan({ width: 640, height: 480 }, { tier: 1 });
    const S = p.ids.length;
    const rows = p.positionIds(0, S)!.data;
    const first = p.featurePositions[0];
    expect(Number(rows[first])).toBe(first);
    expect(p.ropeDelta).toBe(Math.max(p.grid.rows, p.grid.cols) - p.featurePositions.length);
    expect(Number(rows[S - 1]) + 1 - S).toBe(p.ropeDelta);
  });

  it('reads a system message given as a string when the template wants one, and SmolVLM’s part list', () => {
    const stringOnly =
      "{%- for m in messages -%}{%- if m.role == 'system' -%}{{ 'SYS[' + m.content + ']' }}" +
      "{%- else -%}{{ '<|im_start|>user\\n<|vision_start|><|image_pad|><|vision_end|>' + m.content[1].text }}{%- endif -%}{%- endfor -%}";
    const p = hfAdapter(qwen2(stringOnly)).plan({ width: 224, height: 224 }, { tier: 3 });
    expect(p.text.startsWith(`SYS[${TIER_SYSTEM_PROMPTS[3]}]`)).toBe(true);
    const smol = hfAdapter({
      config: { model_type: 'idefics3', scale_factor: 4, vision_config: { image_size: 512, patch_size: 16 } },
      preprocessor: { size: { longest_edge: 1024 }, max_image_size: { longest_edge: 512 } },
      tokenizer: smolvlmTokenizer(),
      tokenizerConfig: { eos_token: '<end_of_utterance>' },
      chatTemplate: SMOLVLM_TEMPLATE,
    }).plan({ width: 300, height: 200 }, { tier: 2 });
    expect(
      smol.text.startsWith(
        `<|im_start|>System: ${TIER_SYSTEM_PROMPTS[2]}<end_of_utterance>\nUser:<fake_token_around_image>`,
      ),
    ).toBe(true);
  });

  it('Gemma 3’s template folds the system prompt into the user turn', () => {
    const tc = gemmaTokenizerConfig();
    const p = hfAdapter({
      config: { model_type: 'gemma3', image_token_index: 262144, mm_tokens_per_image: 256 },
      tokenizer: gemmaTokenizer(),
      tokenizerConfig: tc,
      chatTemplate: tc.chat_template as string,
    }).plan({ width: 300, height: 200 }, {});
    expect(
      p.text.startsWith(`<bos><start_of_turn>user\n${TIER_SYSTEM_PROMPTS[1]}\n\n\n\n<start_of_image>`),
    ).toBe(true);
    expect(p.prompting.tier).toBe(1);
  });

  it('refuses the tiers, not the run, when the template drops system messages', () => {
    const dropsSystem =
      "{%- for m in messages -%}{%- if m.role == 'user' -%}{{ '<|vision_start|><|image_pad|><|vision_end|>' + m.content[1].text }}{%- endif -%}{%- endfor -%}";
    const a = hfAdapter(qwen2(dropsSystem));
    expect(() => a.plan({ width: 224, height: 224 }, { tier: 1 })).toThrow(
      /drops the system prompt.*--tier none/,
    );
    expect(a.plan({ width: 224, height: 224 }, { tier: null }).text).toBe(
      `<|vision_start|>${'<|image_pad|>'.repeat(64)}<|vision_end|>${Q}`,
    );
  });
});

if (!HAVE_SHARED) describe('the Qwen3.5 chat template’s thinking mode', () => it.skip(SKIP_REASON, () => {}));
else
  describe('the Qwen3.5 chat template’s thinking mode', () => {
    const a = hfAdapter({
      config: readJson(join(QWEN35, 'config.json')),
      preprocessor: readJson(join(QWEN35, 'preprocessor_config.json')),
      generation: readJson(join(QWEN35, 'generation_config.json')),
      tokenizer: qwen35Tokenizer(),
      tokenizerConfig: readJson(join(QWEN35, 'tokenizer_config.json')),
      chatTemplate: readFileSync(join(QWEN35, 'chat_template.jinja'), 'utf8'),
      decoderPositionIds: { rank: 3 },
      visionInputNames: ['pixel_values', 'image_grid_thw'],
    });
    it('tier 1 turns the template’s thinking on: it opens <think> itself and counts as tier 1', () => {
      const p = a.plan({ width: 640, height: 480 }, { tier: 1 });
      expect(p.text.endsWith('<|im_start|>assistant\n<think>\n')).toBe(true);
      expect(p.thinking).toBe(true);
      expect(p.prompting.tier).toBe(1);
      expect(p.text).toContain(`<|im_start|>system\n${TIER_SYSTEM_PROMPTS[1]}<|im_end|>`);
    });
    it('tiers 2, 3 and none leave thinking off (the template closes an empty think block)', () => {
      for (const tier of [2, 3, null] as const) {
        const p = a.plan({ width: 640, height: 480 }, { tier });
        expect(p.text.endsWith('<|im_start|>assistant\n<think>\n\n</think>\n\n')).toBe(true);
        expect(p.thinking).toBe(false);
        expect(p.prompting.tier).toBe(tier);
      }
    });
    it('stops on generation_config.json’s eos ids', () => {
      expect(a.stopIds).toEqual([248046, 248044]);
      expect(a.positionKind).toBe('mrope');
    });
  });

describe('a chat template that does not parse', () => {
  it.each(['{%', '{{', '{% if x %}', '{{ x '])(
    '%j is refused in one line, never with the parser’s TypeError',
    (src) => {
      let message = '';
      try {
        new ChatTemplate(src, DEFAULT_TEMPLATE_LIMITS);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/^the chat template does not parse: \S/);
      expect(message).not.toMatch(/Cannot read|undefined|\n/);
    },
  );
});

describe('chat template bounds', () => {
  const small = { maxSource: 10_000, maxChars: 100_000, maxItems: 10_000, maxSteps: 200_000, maxMs: 300 };
  const refuse = (src: string, re: RegExp, limits = small) => {
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = Date.now();
    expect(() => new ChatTemplate(src, limits).render({ messages: [] })).toThrow(re);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(500e6);
  };
  it('refuses a giant range() before building it', () =>
    refuse('{% for i in range(100000000) %}x{% endfor %}', /range\(\) of 100000000 items/));
  it('stops nested loops by the step count or the clock', () =>
    refuse(
      '{% for i in range(9999) %}{% for j in range(9999) %}{% endfor %}{% endfor %}',
      /ran (longer|more)/,
    ));
  it('stops a string or a list that doubles itself', () => {
    refuse(
      '{% set ns = namespace(s="x") %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}',
      /string of more/,
    );
    refuse(
      '{% set ns = namespace(a=[1]) %}{% for i in range(64) %}{% set ns.a = ns.a + ns.a %}{% endfor %}',
      /list of more/,
    );
  });
  it('refuses an output over the cap and a source over the cap', () => {
    // The clock is not what this checks: a loaded machine must not reach the deadline first.
    refuse('{% for i in range(9000) %}{{ "0123456789abcdef" }}{% endfor %}', /string of more than 100000/, {
      ...small,
      maxMs: 5_000,
    });
    expect(() => new ChatTemplate('x'.repeat(20_000), small)).toThrow(/20000 characters long/);
  });
  it('passes the template’s own raise_exception on as the reason', () =>
    refuse(
      "{{ raise_exception('Conversation roles must alternate') }}",
      /refused the conversation: Conversation roles must alternate/,
    ));
  // Issue 19, item 7: these built 342 MB, or ended in V8's "Invalid string length", before being refused.
  const bombs: [string, RegExp][] = [
    [
      '{{ "a\\nb" | indent(300000000) }}',
      /indent would build a string of 300000003 characters \(at most 1000000\)/,
    ],
    ['{{ "a\\nb" | indent(600000000, true) }}', /indent would build a string of 1200000003 characters/],
    [
      '{{ messages | tojson(indent=100000000) }}',
      /tojson would build a string of more than 1000000 characters/,
    ],
    ['{{ "abc".replace("", "x" | indent(999990, true)) }}', /replace would build a string of \d+ characters/],
    [
      '{{ "abcb" | replace("b", "x" | indent(999990, true)) }}',
      /replace would build a string of \d+ characters/,
    ],
    [
      '{{ ["a", "b", "c"] | join("x" | indent(999990, true)) }}',
      /join would build a string of \d+ characters/,
    ],
    ['{{ ("," | indent(100000, true)).split(" ") }}', /split would build a list of 100001 items/],
    // Each piece is under the cap; together they are not (a loop adds its iterations up).
    [
      '{% for i in range(99999) %}{{ "x" | indent(999990, true) }}{% endfor %}',
      /built more than 16000000 characters of text in all/,
    ],
    // A list whose items are large strings: printing it or tojson would pass the cap.
    [
      '{% set s = "x" | indent(999990, true) %}{{ [s, s] }}',
      /list of more than 1000000 characters written out/,
    ],
  ];
  for (const [src, re] of bombs)
    it(`refuses ${src} before building it (under 1 s and 50 MB)`, () => {
      const heapBefore = process.memoryUsage().heapUsed;
      const { cpuMs } = withCpuMs(() =>
        expect(() =>
          new ChatTemplate(src).render({
            messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
          }),
        ).toThrow(re),
      );
      expect(cpuMs).toBeLessThan(1000);
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(50e6);
    });
  it('still renders what real templates do with these filters', () => {
    const t = new ChatTemplate(
      '{{ messages | tojson(indent=2) }}|{{ "a\nb" | indent(2) }}|{{ "a-b".replace("-", "+") }}|{{ ["x", "y"] | join(", ") }}|{{ "a b".split(" ") | length }}',
    );
    expect(t.render({ messages: [{ role: 'user' }] })).toBe(
      '[\n  {\n    "role": "user"\n  }\n]|a\n  b|a+b|x, y|2',
    );
  });
  it('with the default limits, range(100000000) does not run Node out of heap', () =>
    refuse('{% for i in range(100000000) %}{{ i }}{% endfor %}', /range\(\)/, DEFAULT_TEMPLATE_LIMITS));
});
